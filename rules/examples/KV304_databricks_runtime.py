"""A job that imports the Databricks runtime's globals (`from databricks.sdk.runtime import *`,
Databricks Connect and jobs run as Python files): `spark` is the SparkSession there too."""

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from databricks.sdk.runtime import *  # noqa: F403

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def lookup(key_name):
    return client.get_secret(key_name).value  # expect: KV304@12 "Key Vault read per row"


spark.udf.register("lookup", lookup)  # noqa: F405
