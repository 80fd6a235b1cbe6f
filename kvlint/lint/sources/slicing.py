"""The Key Vault slice of a module: what libcst parses instead of the whole file.

CPython's :mod:`ast` (an order of magnitude cheaper than libcst) decides which statements can
matter to a rule; the others are blanked, line for line, so that every line and column of what
remains is unchanged and findings, positions and fixes are those of the whole file.

Units are the module's top-level statements and, inside a top-level class, its members (methods,
class attributes, nested classes). A unit **can matter** when

* its text mentions a Key Vault word (:data:`SEED_WORDS`: the prefilter's words, a vault host or
  audience, a token endpoint, a data-plane REST path's ``api-version``, an extra vault host), or
* it names something imported from a Key Vault, identity or Azure library, or (with the project
  view) a first-party name whose definition may say something (:func:`~kvlint.lint.project.
  probe.may_bind`), or
* it uses a name (top level) or a ``self.``/``cls.`` attribute (members) bound by a unit that
  can matter: the route that calls a reader, the method that calls ``self._client()``.

What those units use is kept too (transitively): the names they read (the ``app`` of a route's
decorator, a helper they call, a constant they pass), the members of ``self`` they touch, the
other bindings of every name they bind, every import, ``__all__``, and a kept class's
constructor and class-level statements. Everything else is replaced by empty lines (a class
left with no member gets one ``pass``).

A module with a star import, one CPython cannot parse, or one whose members share lines is not
sliced (the caller parses it whole). When no unit can matter, the slice is :attr:`Slice.empty`:
no rule can report anything, and libcst is not even imported.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kvlint.lint.sources.units import LINE, Unit, all_units, units_of

# What makes a statement a seed, in its text (lower case): the strings the facts fold (vault hosts
# and audiences, token endpoints, the managed identity endpoint, a data-plane REST path's
# ``api-version``), management-plane shapes written as dicts or keywords, the imports of the
# libraries whose names are traced (a name they bind is a seed wherever it is used), and the
# notebook utilities that are never imported. Not identifiers such as ``vault_url``: facts read
# values and traced names, never a variable's name.
SEED_WORDS = (
    # hosts and audiences (kvlint.keyvault); ARM types and scopes
    "vault.azure",
    "vault.usgovcloudapi",
    "vault.microsoftazure",
    "managedhsm.",
    "vaultcore",
    "microsoft.keyvault",
    "azure_keyvault",
    # tokens
    "169.254.169.254",
    "identity_endpoint",
    "msi_endpoint",
    "oauth2",
    "login.microsoftonline",
    "login.chinacloudapi",
    # a Key Vault REST path on a placeholder host (facts.urls.keyvault_rest_path)
    "api-version=7",
    # a web app's configuration, which another module of the project may fill with a secret
    # (facts.app_config)
    "current_app.config",
    # management-plane shapes (facts.mgmt, facts.roles)
    "networkacls",
    "network_acls",
    "accesspolicies",
    "access_policies",
    "objectid",  # ARM's camelCase (snake_case ``object_id`` is Django's too: a kept
    # policy dict is reached through the Key Vault model or call it is passed to)
    "rbac",
    "softdelete",
    "soft_delete",
    "purgeprotection",
    "purge_protection",
    "enabledfor",
    "enabled_for",
    "vaulturi",
    "vault_uri",
    ".vaults",
    "role_assignments",
    # libraries whose names are traced (see SEED_MODULES), and notebook utilities
    "azureml",
    "msrestazure",
    "msal",
    "adal",
    "dbutils",
    "mssparkutils",
    "notebookutils",
)
# Imported from these (``from azure.mgmt import keyvault`` too), a name is a seed wherever it is
# used: the libraries whose names the facts trace (kvlint.lint.facts.types, mgmt, roles).
SEED_MODULES = (
    "azure.keyvault",
    "azure.identity",
    "azure.common",
    "azure.mgmt.keyvault",
    "azure.mgmt.authorization",
    "msal",
    "adal",
    "msrestazure",
    "azureml",
    "pulumi_azure_native.keyvault",
    "notebookutils",
    "mssparkutils",
)
# Kept whenever their class is: how an instance is made and used by the language itself.
CONSTRUCTION = frozenset(
    {
        "__init__",
        "__new__",
        "__post_init__",
        "__call__",
        "__enter__",
        "__exit__",
        "__aenter__",
        "__aexit__",
        "__init_subclass__",
        "__class_getitem__",
        "__set_name__",
        "__get__",
        "__getattr__",
        "__getattribute__",
    }
)


# When the units that name a Key Vault word hold this share of the lines, the rest is not worth
# the closure: the file is parsed whole (the Azure SDK's own modules, dense integrations).
WHOLE_SHARE = 0.6
SPARSE_EVERY = 100
SPARSE_LINES = 300


@dataclass
class Slice:
    text: str  # the source with what cannot matter blanked (lines and columns unchanged)
    empty: bool  # nothing can matter: no rule can report anything


Matters = Callable[[str, str | None], bool | None]
"""``(module as written, imported name or None)``: whether a first-party import may carry
something a rule looks at (None: not first-party)."""
_STAR = re.compile(r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*", re.MULTILINE)
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n\\]|\\\r?\n)*)"
    r"|import[ \t]+((?:[^\n\\]|\\\r?\n)*))",
    re.MULTILINE,
)


@dataclass
class Scan:
    """What the text alone says (no parse): the lines naming a Key Vault word, and those of
    imports of traced libraries or of first-party modules that may matter."""

    words: set[int]
    imports: set[int]
    lines: int

    @property
    def nothing(self) -> bool:
        """No statement can matter, whatever the syntax: no rule can report anything."""
        return not self.words and not self.imports

    @property
    def sparse(self) -> bool:
        """A large file with Key Vault words on fewer than one line in SPARSE_EVERY: worth
        slicing. Elsewhere most statements turn out to matter (93% of the bytes of the
        benchmark's Key Vault files, with the project), and the outline and closure cost
        more than the parse they save."""
        return self.lines >= SPARSE_LINES and len(self.words) * SPARSE_EVERY < self.lines


def scan(
    text: str, words: Iterable[str], matters: Matters | None = None, whole_if_dense: bool = False
) -> Scan | None:
    """The seeds of ``text`` read from its text; None when it must be parsed whole (a star
    import: any name may come from it; with ``whole_if_dense``, Key Vault words that are not
    sparse, found before its imports are looked up)."""
    if _STAR.search(text):
        return None
    breaks = [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    found = Scan(_seed_lines(text, words, breaks), set(), len(breaks) + 1)
    if whole_if_dense and found.words and not found.sparse:
        return None
    found.imports = _import_lines(text, matters, breaks)
    return found


def slice_module(text: str, tree: ast.Module, seen: Scan) -> Slice | None:
    """The slice of ``text`` (parsed by CPython as ``tree``, its seeds ``seen``) that can
    matter; None when the module should be parsed whole."""
    lines = [m.group(0) for m in LINE.finditer(text)]
    units = units_of(tree, lines)
    if units is None:
        return None
    found = seen.words - _bare_string_lines(tree)
    if found and _covered(sorted(found), units) >= WHOLE_SHARE * len(lines):
        return None  # most of it can matter by its words alone: parse it whole, no closure
    seeds = sorted(found | seen.imports)
    for unit in all_units(units):
        if _has_line(seeds, unit):
            unit.seed = True
    for unit in units:
        if unit.seed and unit.members:  # a class named for Key Vault, or built on its types
            for member in unit.members:
                member.seed = True
    if not any(u.seed for u in all_units(units)):
        return Slice("", True)
    _close(units)
    out = list(lines)
    for unit in units:
        if not unit.kept:
            _blank(out, unit.start, unit.end)
            continue
        if not unit.members:
            continue
        dropped = [m for m in unit.members if not m.kept]
        for member in dropped:
            _blank(out, member.start, member.end)
        if len(dropped) == len(unit.members):  # an empty body is no Python: one ``pass``
            first = unit.members[0].start
            original = lines[first - 1]
            indent = original[: len(original) - len(original.lstrip(" \t"))]
            out[first - 1] = indent + "pass" + _ending(original)
    return Slice("".join(out), False)


# -- seeds --------------------------------------------------------------------------------------
def _line_of(breaks: list[int], offset: int) -> int:
    return bisect.bisect_right(breaks, offset) + 1


def _seed_lines(text: str, words: Iterable[str], breaks: list[int]) -> set[int]:
    """The 1-based lines on which a seed word occurs."""
    low = text.lower()
    found: set[int] = set()
    for word in words:
        start = low.find(word)
        while start != -1:
            found.add(_line_of(breaks, start))
            start = low.find(word, start + 1)
    return found


def _bare_string_lines(tree: ast.Module) -> set[int]:
    """The lines of statements that are only a string (docstrings): no fact reads them."""
    out: set[int] = set()
    stack: list[list[ast.stmt]] = [tree.body]
    while stack:
        for node in stack.pop():
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                if isinstance(node.value.value, str) and node.end_lineno is not None:
                    out.update(range(node.lineno, node.end_lineno + 1))
                continue
            for name in ("body", "orelse", "finalbody"):
                block = getattr(node, name, None)
                if block:
                    stack.append(block)
            for handler in getattr(node, "handlers", ()):
                stack.append(handler.body)
            for case in getattr(node, "cases", ()):
                stack.append(case.body)
    return out


def _import_lines(text: str, matters: Matters | None, breaks: list[int]) -> set[int]:
    """The lines of import statements (anywhere) of a traced library (SEED_MODULES) or of
    first-party names that may matter."""
    found: set[int] = set()
    for match in _IMPORT.finditer(text):
        module, names, plain = match.groups()
        imported: list[tuple[str, str | None]] = []
        if plain is not None:
            for part in _parts(plain):
                imported.append((part, None))
        else:
            imported += [(module, name) for name in _parts(names or "")]
        for written, name in imported:
            full = f"{written}.{name}" if name is not None else written
            if _traced(full) or (name is None and _traced_parent(written)):
                found.add(_line_of(breaks, match.start()))
                break
            if matters is not None and matters(written, name):
                found.add(_line_of(breaks, match.start()))
                break
    return found


def _traced(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in SEED_MODULES)


def _traced_parent(name: str) -> bool:
    """``import azure`` / ``import azure.mgmt``: a package holding a traced library."""
    return any(m.startswith(name + ".") for m in SEED_MODULES)


def _parts(names: str) -> list[str]:
    """The names of an import list (``(a as b,\n c)``): the first word of each part."""
    out = []
    for part in names.replace("\\", " ").strip("()").split(","):
        words = part.split("#", 1)[0].split()
        if words:
            out.append(words[0])
    return out


def _covered(seeds: list[int], units: list[Unit]) -> int:
    """The lines of the top-level units a seed line falls in (a class: its members')."""
    total = 0
    for unit in all_units(units):
        if not unit.members and _has_line(seeds, unit):
            total += unit.end - unit.start + 1
    return total


def _has_line(seeds: list[int], unit: Unit) -> bool:
    start, end = unit.start, unit.end
    if unit.members:  # a sliced class: its header only (members answer for themselves)
        end = unit.members[0].start - 1
    index = bisect.bisect_left(seeds, start)
    return index < len(seeds) and seeds[index] <= end


# -- closure ------------------------------------------------------------------------------------
def _close(units: list[Unit]) -> None:
    """Mark what can matter (seeds and what uses them), then keep it and what it uses."""
    everything = list(all_units(units))
    by_name: dict[str, list[Unit]] = {}  # a module name -> the units mentioning it
    binders: dict[str, list[Unit]] = {}  # a module name -> the top-level units binding it
    mutators: dict[str, list[Unit]] = {}  # a module name -> the units that may change it
    by_attr: dict[str, list[Unit]] = {}  # a self attribute -> the members mentioning it
    attr_binders: dict[str, list[Unit]] = {}  # a self attribute -> members defining it
    for unit in everything:
        for name in unit.names:
            by_name.setdefault(name, []).append(unit)
        for attr in unit.attrs:
            by_attr.setdefault(attr, []).append(unit)
        for name in unit.mutates:
            mutators.setdefault(name, []).append(unit)
        if unit.owner is None:
            for name in unit.binds:
                binders.setdefault(name, []).append(unit)
        else:
            for attr in unit.sets:
                attr_binders.setdefault(attr, []).append(unit)
    wildcard = attr_binders.get("*", [])

    # what can matter: seeds, and whatever uses what they bind
    relevant = [u for u in everything if u.seed]
    seen_names: set[str] = set()
    seen_attrs: set[str] = set()

    def mark(other: Unit) -> None:
        if not other.seed:
            other.seed = True
            relevant.append(other)
            # a class whose header names what matters (a base, a decorator): its methods
            # are that type's (``self.get_secret()`` on a SecretClient subclass)
            for member in other.members:
                mark(member)

    while relevant:
        unit = relevant.pop()
        provided = _provided(unit)
        for name in provided[0] - seen_names:
            seen_names.add(name)
            for other in by_name.get(name, ()):
                mark(other)
        for attr in provided[1] - seen_attrs:
            seen_attrs.add(attr)
            for other in by_attr.get(attr, ()):
                mark(other)

    # what is kept: what can matter, what it uses, and the other bindings of what it binds
    pending = [u for u in everything if u.seed or u.always]
    used_names: set[str] = set()
    used_attrs: set[str] = set()
    while pending:
        _keep(pending, used_names, used_attrs, binders, mutators, attr_binders, wildcard)
        # a kept class's methods that kept code names (``Reporter().report(value)``: where a
        # value goes through a helper method)
        pending = [
            m
            for u in units
            if u.kept
            for m in u.members
            if not m.kept and m.binds and m.binds[0] in used_names
        ]


def _keep(
    pending: list[Unit],
    used_names: set[str],
    used_attrs: set[str],
    binders: dict[str, list[Unit]],
    mutators: dict[str, list[Unit]],
    attr_binders: dict[str, list[Unit]],
    wildcard: list[Unit],
) -> None:
    while pending:
        unit = pending.pop()
        if unit.kept:
            continue
        unit.kept = True
        owner = unit.owner
        if owner is not None and not owner.kept:
            pending.append(owner)
        if unit.members:  # a kept class: how it is built, and its class-level statements
            pending += [
                m for m in unit.members if (m.binds and m.binds[0] in CONSTRUCTION) or _plain(m)
            ]
        wanted = set(unit.names)
        if unit.owner is None and unit.seed:  # the other bindings of what a seed binds
            wanted.update(unit.binds)
        for name in wanted - used_names:
            used_names.add(name)
            pending += binders.get(name, ())
            pending += mutators.get(name, ())
        attrs = set(unit.attrs) | (set(unit.sets) if unit.seed else set())
        for attr in attrs - used_attrs:
            used_attrs.add(attr)
            pending += attr_binders.get(attr, ())
            if wildcard:
                pending += wildcard


def _provided(unit: Unit) -> tuple[set[str], set[str]]:
    """What a unit that can matter makes available: module names, and ``self`` attributes."""
    if unit.owner is None:
        names = set(unit.binds)
        attrs: set[str] = set()
        for member in unit.members:  # a class: what its relevant members define is its own
            if member.seed:
                attrs |= member.sets
        return names, attrs
    # a member: its attributes; its class's name too (the class now matters)
    return set(unit.owner.binds), set(unit.sets)


def _plain(member: Unit) -> bool:
    """A class-level statement that is not a function (an attribute, a field, a docstring)."""
    return not isinstance(member.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _blank(lines: list[str], start: int, end: int) -> None:
    for index in range(start - 1, min(end, len(lines))):
        lines[index] = _ending(lines[index])


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith(("\n", "\r")):
        return line[-1]
    return ""
