"""kvlint: keep Azure Key Vault 401s, 403s and 429s out of production."""

__version__ = "0.1.0"
