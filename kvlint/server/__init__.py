"""``kvlint server``: a Language Server (pygls) over the same lint engine as ``kvlint check``.

- :mod:`kvlint.server.engine` is the one door into the lint engine;
- :mod:`kvlint.server.project` finds and caches ``[tool.kvlint]`` settings per folder;
- :mod:`kvlint.server.positions` converts kvlint's 1-based code-point positions to LSP's;
- :mod:`kvlint.server.features` turns findings into diagnostics, code actions and hovers;
- :mod:`kvlint.server.app` is the server: document sync, debounce, publishing, errors.
"""
