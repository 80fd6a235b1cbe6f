"""Terraform source (``.tf``), read before ``terraform plan``: what is written, in the shape of a
plan, so the plan readers (:mod:`kvlint.audit.terraform`, :mod:`kvlint.audit.deploy`) judge it.

A Terraform module is a directory: every ``.tf`` file beside a given one is read with it (a vault
in ``main.tf``, its secrets in ``secrets.tf``), never a file reached through a link. HCL is
parsed by python-hcl2; each resource becomes a ``resource_changes`` entry (``after`` with
literal values, ``after_unknown`` wherever an expression cannot be known before plan) and a
``configuration`` entry (the addresses each attribute references, ``depends_on``), located at the
line of its ``resource "TYPE" "NAME"`` header in its own file.

Known before plan: literals, ``var.NAME`` with a literal default (or a value in
``terraform.tfvars`` / ``*.auto.tfvars``), ``local.NAME`` built from those, and string templates
of them; ``data.azurerm_client_config.*.tenant_id`` is the deploying tenant. Everything else
(resource attributes, data sources, functions, conditionals, ``for``) is unknown, and so is a
``dynamic`` block's attribute. A resource whose ``count`` / ``for_each`` is not known is kept
and marked ``conditional`` (it may not be created); ``count = 0`` drops it. Modules are not
followed: a module call is kept with the references of its arguments (what it may do to a vault
it is given stays unknown).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from kvlint.audit.iac import DEPLOYING_TENANT, UNKNOWN, Located

REFERENCE = re.compile(
    r"(?<![\w.\"])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][\w-]*)((?:\[[^\]]*\])?)((?:\.[A-Za-z_]\w*)?)"
)
SIMPLE = re.compile(r"^\$\{\s*((?:var|local)\.[A-Za-z_][\w-]*)\s*\}$")
INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
HEADER = re.compile(r'^[ \t]*resource[ \t]+"([^"]+)"[ \t]+"([^"]+)"', re.MULTILINE)
NOT_RESOURCES = ("var", "local", "each", "count", "path", "self", "module", "terraform")
NAMED = re.compile(r"(?<![\w.])(var|local|module)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
MODULE_META = ("source", "version", "count", "for_each", "depends_on", "providers")
MAX_DEPTH = 8
SKIPPED = ("depends_on", "lifecycle", "provisioner", "dynamic", "connection")
DEPLOYER_TENANT = re.compile(r"^data\.(azurerm|azuread)_client_config\.[\w-]+\.tenant_id$")


def _parser() -> Any:
    """python-hcl2's loader (the ``iac`` extra: one line naming it when missing)."""
    from kvlint import extras

    extras.require("iac", "reading Terraform source (.tf)")
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(with_comments=False, preserve_heredocs=False)
    # a module called several times (or by several callers) is parsed once; nothing mutates
    # what the parser returns
    return functools.lru_cache(maxsize=512)(
        lambda text: hcl2.loads(text, serialization_options=options)
    )


def _label(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def _blocks(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class Module:
    """The ``.tf`` files of one directory: variables, locals and resources."""

    def __init__(
        self,
        folder: Path,
        parse: Any,
        prefix: str = "",
        given: dict[str, Any] | None = None,
        given_refs: dict[str, list[str]] | None = None,
        seen: frozenset[Path] = frozenset(),
    ) -> None:
        self.folder = folder
        self.parse = parse
        self.prefix = prefix  # "module.NAME." for a called module
        self.given = given or {}  # variable -> the value the caller passes (evaluated)
        self.given_refs = given_refs or {}  # variable -> what the caller's argument references
        self.seen = seen | {folder.resolve()}  # the modules on the way here (no cycles)
        self.files: list[tuple[Path, str, dict]] = []
        self.variables: dict[str, Any] = {}
        self.raw_locals: dict[str, Any] = {}
        self.locals: dict[str, Any] = {}
        self.resolving: set[str] = set()
        self.outputs: dict[str, list[str]] = {}  # a called module's outputs: their references
        self.children: dict[str, Module] = {}
        self.errors: list[tuple[str, str]] = []

    def load(self, errors: list[tuple[str, str]]) -> None:
        for path in sorted(self.folder.glob("*.tf")):
            if path.is_symlink() or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                body = self.parse(text)
            except Exception as exc:  # lark's errors: the file is not HCL
                first = " ".join(str(exc).split())[:160]
                errors.append((str(path), f"not valid HCL ({first})"))
                continue
            self.files.append((path, text, body))
        for _, _, body in self.files:
            for block in _blocks(body.get("variable")):
                for name, spec in block.items():
                    if isinstance(spec, dict) and "default" in spec:
                        self.variables[_label(name)] = spec["default"]
            for block in _blocks(body.get("locals")):
                self.raw_locals.update({k: v for k, v in block.items() if not k.startswith("__")})
        tfvars = sorted(self.folder.glob("*.auto.tfvars"))
        for path in [self.folder / "terraform.tfvars", *tfvars]:
            if path.is_file() and not path.is_symlink():
                try:
                    given = self.parse(path.read_text(encoding="utf-8", errors="replace"))
                except Exception:
                    continue  # a variables file that is not HCL: its defaults stay
                self.variables.update({k: v for k, v in given.items() if not k.startswith("__")})

    # -- values ------------------------------------------------------------------------------

    def value(self, raw: Any) -> Any:
        """A literal value with the known variables and locals substituted, else UNKNOWN."""
        if isinstance(raw, (bool, int, float)) or raw is None:
            return raw
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in raw.items() if not k.startswith("__")}
        if not isinstance(raw, str):
            return UNKNOWN
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            text = _unquote(raw)
            if "${" not in text and "%{" not in text:
                return text
            if "%{" in text:
                return UNKNOWN
            parts = []
            for piece in re.split(r"(\$\{[^{}]*\})", text):
                if piece.startswith("${"):
                    found = self._named(piece[2:-1].strip())
                    if found is UNKNOWN or isinstance(found, (dict, list)):
                        return UNKNOWN
                    parts.append(str(found).lower() if isinstance(found, bool) else str(found))
                else:
                    parts.append(piece)
            return "".join(parts)
        match = SIMPLE.match(raw)
        if match:
            return self._named(match.group(1))
        inner = raw[2:-1].strip() if raw.startswith("${") and raw.endswith("}") else ""
        if DEPLOYER_TENANT.match(inner):
            return DEPLOYING_TENANT
        return UNKNOWN

    def _named(self, name: str) -> Any:
        kind, _, key = name.partition(".")
        if kind == "var" and key in self.given:
            return self.given[key]
        if kind == "var" and key in self.variables:
            return self.value(self.variables[key])
        if kind == "local" and key in self.raw_locals:
            if key not in self.locals:
                if key in self.resolving:
                    return UNKNOWN
                self.resolving.add(key)
                self.locals[key] = self.value(self.raw_locals[key])
                self.resolving.discard(key)
            return self.locals[key]
        if DEPLOYER_TENANT.match(name):
            return DEPLOYING_TENANT
        return UNKNOWN

    # -- the plan shape ----------------------------------------------------------------------

    def plan(self, root: Path | None = None) -> dict:
        root = root or Path.cwd().resolve()
        changes: list[Located] = []
        resources: list[dict] = []
        calls: dict[str, dict] = {}
        for _, _, body in self.files:
            for block in _blocks(body.get("module")):
                for name, spec in block.items():
                    if name.startswith("__") or not isinstance(spec, dict):
                        continue
                    child = self._call(_label(name), spec, root)
                    if child is None:  # not followed: what it does with what it is given
                        calls[_label(name)] = {"expressions": self._expressions(spec)}
                        continue
                    self.children[_label(name)] = child
                    inner = child.plan(root)
                    waits = [
                        self.prefix + d
                        for item in spec.get("depends_on") or []
                        if isinstance(item, str)
                        for d in [item.removeprefix("${").removesuffix("}").strip()]
                    ]
                    unknown_count = any(
                        self.value(spec[k]) is UNKNOWN for k in ("count", "for_each") if k in spec
                    )
                    for change in inner["resource_changes"]:
                        change["kvlint_conditional"] |= unknown_count
                    for config in inner["configuration"]["root_module"]["resources"]:
                        config["depends_on"] = [*config["depends_on"], *waits]
                    changes += inner["resource_changes"]
                    resources += inner["configuration"]["root_module"]["resources"]
                    calls.update(inner["configuration"]["root_module"]["module_calls"])
        members = {
            name: [c["address"] for c in module_resources]
            for name, module_resources in self._by_child(resources).items()
        }
        for path, text, body in self.files:
            lines = {
                (m.group(1), m.group(2)): text.count("\n", 0, m.start()) + 1
                for m in HEADER.finditer(text)
            }
            for block in _blocks(body.get("resource")):
                for kind_key, named in block.items():
                    kind = _label(kind_key)
                    for name_key, spec in (named or {}).items():
                        name = _label(name_key)
                        if not isinstance(spec, dict):
                            continue
                        entry = self._resource(kind, name, spec, members)
                        if entry is None:
                            continue
                        change, config = entry
                        change.line = lines.get((kind, name), 1)
                        change.file = str(path)  # type: ignore[attr-defined]
                        changes.append(change)
                        resources.append(config)
            for block in _blocks(body.get("output")):
                for name, spec in block.items():
                    if isinstance(spec, dict) and "value" in spec:
                        flat: dict[str, Any] = {}
                        _flatten(self._expressions(spec["value"]), flat)
                        self.outputs[_label(name)] = list(flat)
        return {
            "format_version": "1.2",
            "resource_changes": changes,
            "configuration": {"root_module": {"resources": resources, "module_calls": calls}},
        }

    def _by_child(self, resources: list[dict]) -> dict[str, list[dict]]:
        """The resources of each called module (by its name), for ``depends_on = [module.X]``."""
        found: dict[str, list[dict]] = {}
        for config in resources:
            rest = str(config["address"])[len(self.prefix) :]
            if rest.startswith("module."):
                found.setdefault(rest.split(".", 2)[1], []).append(config)
        return found

    def _resource(
        self, kind: str, name: str, spec: dict, members: dict[str, list[str]]
    ) -> tuple[Located, dict] | None:
        address = f"{self.prefix}{kind}.{name}"
        conditional = False
        for key in ("count", "for_each"):
            if key in spec:
                count = self.value(spec[key])
                if count == 0 or count == [] or count == {}:
                    return None
                conditional = conditional or count is UNKNOWN
        after, unknown = self._attributes(spec)
        expressions = self._expressions(spec)
        depends: list[str] = []
        for item in spec.get("depends_on") or []:
            ref = item.removeprefix("${").removesuffix("}").strip() if isinstance(item, str) else ""
            if ref.startswith("module.") and ref.count(".") == 1:  # every resource it makes
                depends += members.get(ref.split(".")[1], [])
            elif ref:
                depends.append(self.prefix + ref)
        change = Located(
            {
                "address": address,
                "mode": "managed",
                "type": kind,
                "name": name,
                "module_address": self.prefix.rstrip(".") or None,
                "change": {"actions": ["create"], "after": after, "after_unknown": unknown},
                "kvlint_conditional": conditional,
                "kvlint_provisioners": [
                    _label(k)
                    for block in _blocks(spec.get("provisioner"))
                    for k in block
                    if not k.startswith("__")
                ],
            }
        )
        config = {
            "address": address,
            "type": kind,
            "name": name,
            "expressions": expressions,
            "depends_on": depends,
        }
        return change, config

    def _attributes(self, spec: dict) -> tuple[dict, dict]:
        after: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for key, raw in spec.items():
            if key.startswith("__") or key in (
                "count",
                "for_each",
                "depends_on",
                "lifecycle",
                "provider",
                "provisioner",
                "connection",
            ):
                continue
            if key == "dynamic":
                for block in _blocks(raw):
                    for label in block:
                        if not label.startswith("__"):
                            unknown[_label(label)] = True
                continue
            if (
                isinstance(raw, list)
                and raw
                and all(isinstance(b, dict) and b.get("__is_block__") for b in raw)
            ):
                inner = [self._attributes(b) for b in raw]
                after[key] = [a for a, _ in inner]
                unknown[key] = [u for _, u in inner]
                continue
            value = self.value(raw)
            after[key] = value
            if _has_unknown(value):
                unknown[key] = True
        return after, unknown

    def _expressions(self, node: Any) -> Any:
        """The references of every attribute, nested as a plan's configuration nests them
        (a block's attributes under its name, in a list)."""
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key.startswith("__") or key in SKIPPED:
                    continue
                found = self._expressions(value)
                if found:
                    out[key] = found
            return out
        if isinstance(node, list):
            if node and all(isinstance(item, dict) for item in node):
                return [self._expressions(item) for item in node]
            refs: list[str] = []
            for item in node:
                found = self._expressions(item)
                for ref in found.get("references", []) if isinstance(found, dict) else []:
                    if ref not in refs:
                        refs.append(ref)
            return {"references": refs} if refs else {}
        if isinstance(node, str) and "${" in node:
            refs = self._refs(node)
            return {"references": refs} if refs else {}
        return {}

    def _refs(self, expression: str) -> list[str]:
        """What an expression references, as addresses of the whole configuration: this
        module's resources prefixed, a variable replaced by what the caller's argument
        references, a local by what it is built from, a module output by what it returns."""
        found = [self.prefix + ref for ref in references(expression)]
        for kind, name, attribute in NAMED.findall(expression):
            if kind == "var":
                extra = self.given_refs.get(name, [])
            elif kind == "local":
                extra = self._local_refs(name)
            else:
                extra = (
                    self.children[name].outputs.get(attribute, []) if name in self.children else []
                )
            found += [ref for ref in extra if ref not in found]
        return found

    def _local_refs(self, name: str) -> list[str]:
        if name not in self.raw_locals or name in self.resolving:
            return []
        self.resolving.add(name)
        try:
            flat: dict[str, Any] = {}
            _flatten(self._expressions(self.raw_locals[name]), flat)
            return list(flat)
        finally:
            self.resolving.discard(name)

    # -- called modules ----------------------------------------------------------------------

    def _call(self, name: str, spec: dict, root: Path) -> Module | None:
        """A module call with a local ``source`` inside the tree, read with what it is given;
        None when it is not followed (a registry or git source, a folder out of the tree, a
        loop of modules, nesting deeper than MAX_DEPTH)."""
        source = self.value(spec.get("source"))
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return None
        folder = (self.folder / source).resolve()
        if (
            not folder.is_relative_to(root)
            or folder in self.seen
            or len(self.seen) > MAX_DEPTH
            or not folder.is_dir()
        ):
            return None
        for key in ("count", "for_each"):
            if key in spec and self.value(spec[key]) in (0, [], {}):
                return None
        given, given_refs = {}, {}
        for key, raw in spec.items():
            if key.startswith("__") or key in MODULE_META:
                continue
            given[key] = self.value(raw)
            flat: dict[str, Any] = {}
            _flatten(self._expressions(raw), flat)
            given_refs[key] = list(flat)
        child = Module(
            folder, self.parse, f"{self.prefix}module.{name}.", given, given_refs, self.seen
        )
        child.load(self.errors)
        return child


def _flatten(expressions: Any, into: dict[str, Any]) -> None:
    """Every reference in a nested expressions structure, in order, once (dict keys)."""
    if isinstance(expressions, dict):
        for ref in expressions.get("references") or []:
            into.setdefault(ref, None)
        for key, value in expressions.items():
            if key != "references":
                _flatten(value, into)
    elif isinstance(expressions, list):
        for item in expressions:
            _flatten(item, into)


def _has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def references(expression: str) -> list[str]:
    """The addresses an HCL expression names, as a plan's configuration lists them
    (``azurerm_key_vault.kv.id`` then ``azurerm_key_vault.kv``)."""
    found: list[str] = []
    for inner in INTERPOLATION.findall(expression) or [expression]:
        for match in REFERENCE.finditer(re.sub(r'"(?:[^"\\]|\\.)*"', '""', inner)):
            base, index, attribute = match.groups()
            head = base.split(".", 1)[0]
            if head in NOT_RESOURCES:
                continue
            if head == "data" and base.count(".") < 2:
                rest = inner[match.end() :]
                more = re.match(r"\.([A-Za-z_][\w-]*)((?:\.[A-Za-z_]\w*)?)", rest)
                if not more:
                    continue
                base, attribute = f"{base}.{more.group(1)}", more.group(2)
            for ref in (f"{base}{index}{attribute}", f"{base}{index}", base):
                if ref not in found and not ref.endswith("."):
                    found.append(ref)
    return found


def is_terraform(path: str) -> bool:
    """Terraform source: ``.tf`` (a module's files) or ``.tfvars`` (its variable values)."""
    return path.endswith((".tf", ".tfvars"))


def module_plan(path: str, errors: list[tuple[str, str]]) -> dict:
    """The plan-shaped view of the module (directory) that holds ``path``."""
    folder = Path(path).parent
    module = Module(folder, _parser())
    module.load(errors)
    module.errors = errors  # a called module's files add theirs
    return module.plan()
