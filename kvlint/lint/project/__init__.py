"""Project-wide analysis: names a module imports from its own project resolve to what the
defining module says about them.

* :mod:`.modules` finds the project root of a file and maps dotted module names to files
  (absolute imports from the root and from a ``src/`` layout, relative imports, the script's
  own folder). A name that is no file of the tree (stdlib, third party) is unknown; such modules
  are never read.
* :mod:`.outline` lists a module's top-level statements with CPython's ``ast`` and cuts the
  slice of source that defines one name; :mod:`.summary` is the typed, serialisable record of
  what a name is (:class:`~.summary.Symbol`).
* :mod:`.store` computes each symbol once per module content and keeps it on disk beside the
  result cache.
* :mod:`.resolver` answers "what is ``pkg.settings.VAULT_URL``?" for one linted module, through
  re-exports (``from .x import y``, ``from .x import *`` with ``__all__``), with bounded chains
  and cycles, and records what it used (the result cache checks it).
* :mod:`.reach` finds the files the prefilter skips that import a Key Vault module.

Nothing here knows about Key Vault: what a symbol says is decided by the summariser the caller
passes in (:mod:`kvlint.lint.facts.exports`). This package's own module holds only the options,
so that the runner's start-up does not import the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectOptions:
    """How a linter sees the rest of the project: ``enabled`` False (``--no-project``) keeps
    every imported name unknown; ``cache_dir`` keeps summaries between runs; ``slicing``
    says which files are parsed as their Key Vault slice."""

    enabled: bool = True
    cache_dir: Path | None = None
    fallback_root: Path | None = None
    # which files are parsed as their Key Vault slice (kvlint.lint.sources.slicing): "auto"
    # (large files where Key Vault is sparse), "always", "never" (``--no-slice``)
    slicing: str = "auto"
