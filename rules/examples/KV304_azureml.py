"""Azure Machine Learning (SDK v1): the workspace's default Key Vault and a run's secrets."""

from azureml.core import Run, Workspace

ws = Workspace.from_config()
keyvault = ws.get_default_keyvault()

# Once, at start-up.
storage_key = keyvault.get_secret(name="storage-key")


def score_all(batches):
    for batch in batches:
        key = keyvault.get_secret(name=batch.secret_name)  # expect: KV304@15 "Key Vault read inside a for loop over data that"
        batch.score(key)


run = Run.get_context()
for model in run.get_children():
    run.get_secret(name=f"{model.id}-endpoint-key")  # expect: KV304@5 "Key Vault read inside a for loop over data that"


# An unrelated object with the same method names is not a Key Vault read.
class Settings:
    def get_secret(self, name):
        return name


settings = Settings()
for entry in entries:
    settings.get_secret(entry)
