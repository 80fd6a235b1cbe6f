"""A service: no Key Vault word of its own; it opens a session of layers.infra.session."""

from layers.infra.session import VaultSession


class ReportBuilder:
    def __init__(self):
        self.rows = []

    def build(self):
        session = VaultSession()
        session.open()
        return [session.token_for("reports")]
