"""``kvlint logs``: Key Vault audit logs -> records -> classifiers -> findings."""
