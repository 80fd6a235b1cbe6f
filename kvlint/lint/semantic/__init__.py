"""Generic Python semantics (no Key Vault knowledge): index, names, types, values, flow."""
