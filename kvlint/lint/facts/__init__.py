"""Key Vault knowledge as typed facts, computed once per module (see semantic.memo)."""
