"""A plain module (not a notebook) that uses a `spark` it never binds: it may be anything the
caller injects, so nothing it runs is known to run per row. The same code in a Databricks,
Synapse or Fabric notebook (or a notebook exported as source) is traced: see
KV304_databricks_spark.py."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def mask_email(email):
    return client.get_secret(email).value


spark.udf.register("mask_email", mask_email)  # noqa: F821
sc.parallelize(["a", "b"]).map(lambda name: client.get_secret(name).value).collect()  # noqa: F821
