"""``kvlint check``: the libcst linter."""
