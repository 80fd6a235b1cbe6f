"""A class with the wrapper's method names that holds no Key Vault client."""

import os


class SettingsStore:
    def __init__(self):
        self.secrets = {k: v for k, v in os.environ.items() if k.startswith("APP_")}

    def read(self, name):
        return self.secrets.get(name, "")

    def names(self):
        return sorted(self.secrets)
