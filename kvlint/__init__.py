"""kvlint: keep Azure Key Vault 401s, 403s and 429s out of production."""

__version__ = "0.1.0"
DISTRIBUTION = "kvlint-azure"  # the name on PyPI (PyPI's "kvlint" is an unrelated project)
