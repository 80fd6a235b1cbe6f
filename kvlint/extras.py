"""Optional parts of kvlint and the extra that installs each.

``pip install kvlint-azure`` is the lean core (libcst, pyyaml, tomli): ``kvlint check``,
``kvlint token`` offline, ``kvlint audit --input`` and ``kvlint logs FILE``. Live Azure access
needs the ``azure`` extra, Terraform source (``.tf``) the ``iac`` extra, the Language Server the
``server`` extra (``all`` brings them all). A
command that needs a missing extra calls :func:`require` before doing anything, and the user
reads one line naming the extra to install (exit 2) instead of a traceback.
"""

from __future__ import annotations

import importlib

from kvlint.errors import KvlintError

# extra -> (what it provides, the modules it must make importable)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "azure": (
        "the Azure SDK",
        (
            "azure.core",
            "azure.identity",
            "azure.mgmt.keyvault",
            "azure.mgmt.resourcegraph",
            "azure.mgmt.monitor",
            "azure.mgmt.authorization",
            "azure.monitor.query",
        ),
    ),
    "iac": ("python-hcl2", ("hcl2",)),
    "server": ("pygls", ("pygls", "lsprotocol")),
}

# Top-level packages that only an extra installs (for an import that slips past require()).
_PROVIDED_BY = {
    "azure": "azure",
    "msal": "azure",
    "hcl2": "iac",
    "lark": "iac",
    "pygls": "server",
    "lsprotocol": "server",
}


class MissingExtra(KvlintError):
    """A command needs an optional dependency that is not installed."""


def install_hint(extra: str) -> str:
    return f"pip install 'kvlint-azure[{extra}]'"


def message(extra: str, purpose: str) -> str:
    what, _ = EXTRAS[extra]
    return f"{purpose} needs {what}, which is not installed: {install_hint(extra)}"


def require(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtra` (one line, exit 2) unless every module of ``extra`` imports.

    ``purpose`` says what needs it, e.g. ``"kvlint audit (live vaults)"``."""
    _, modules = EXTRAS[extra]
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            raise MissingExtra(message(extra, purpose)) from None


def from_import_error(exc: ImportError, purpose: str) -> MissingExtra | None:
    """The one-line error for an ImportError of a module an extra provides (None otherwise)."""
    top = (exc.name or "").split(".")[0]
    extra = _PROVIDED_BY.get(top)
    return MissingExtra(message(extra, purpose)) if extra else None
