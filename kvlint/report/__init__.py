"""Output formats shared by the three faces (check, audit, token)."""
