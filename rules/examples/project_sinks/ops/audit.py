"""Helper classes whose methods write a parameter out: a call passing a secret or a token is
reported where it is made, in another module, naming the method."""

import logging


class Audit:
    def __init__(self):
        self.logger = logging.getLogger("audit")

    def record(self, event, detail):
        self.logger.info("%s: %s", event, detail)

    def size(self, detail):
        self.logger.info("%d characters", len(detail))

    def show(self, detail):
        self._echo(detail)

    def _echo(self, text):
        print(text)


class Ledger:
    """The same method names, writing nothing out."""

    def __init__(self):
        self.entries = []

    def record(self, event, detail):
        self.entries.append((event, detail))


def make_audit():
    return Audit()
