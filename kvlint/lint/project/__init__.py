"""Project-wide analysis: first-party imports resolve to other modules' exported summaries.

* :mod:`.modules` finds the project root of a file and maps dotted module names to files
  (absolute imports from the root and from a ``src/`` layout, relative imports, the script's
  own folder). A name that is no file of the tree (stdlib, third party) is unknown; such modules
  are never read.
* :mod:`.summary` is the typed, serialisable record of what one module exports.
* :mod:`.store` computes each summary once per content hash and keeps it on disk beside the
  result cache.
* :mod:`.resolver` answers "what is ``pkg.settings.VAULT_URL``?" for one linted module, through
  re-exports (``from .x import y``, ``from .x import *`` with ``__all__``), with bounded chains
  and cycles, and records which summaries were used (the result cache checks them).

Nothing here knows about Key Vault: what goes into a summary is decided by the summariser the
caller passes in (:mod:`kvlint.lint.project.summarise`).
"""
