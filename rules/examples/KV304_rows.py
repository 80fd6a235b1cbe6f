"""KV304 / KV306 / KV307 per row: code a data framework runs for every row or item.

A Spark UDF, a function handed to pandas ``apply`` / ``map``, to ``rdd.map`` / ``foreach`` or to
a worker pool's ``map`` runs once per row: a Key Vault read there is a read in a loop over data.
The receiver is traced to its import (``df`` was made by ``pandas.read_csv``); a look-alike
``apply`` on another object is not a row.
"""

from multiprocessing import Pool

import pandas as pd
from azure.identity import DefaultAzureCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf

VAULT_URL = "https://contoso.vault.azure.net"
client = SecretClient(VAULT_URL, DefaultAzureCredential())
keys = KeyClient(VAULT_URL, DefaultAzureCredential())
spark = SparkSession.builder.appName("decrypt").getOrCreate()


@udf("string")
def tenant_key(tenant):
    return client.get_secret(f"tenant-{tenant}").value  # expect: KV304@12 "Key Vault read per row"


def mask(row):
    secret = client.get_secret(row["secret_name"])  # expect: KV304@14 "Key Vault read per row"
    return secret.name


def per_customer(customer):
    credential = DefaultAzureCredential()  # expect: KV306@18 "new DefaultAzureCredential"
    return SecretClient(VAULT_URL, credential)  # expect: KV306@12 "new SecretClient"


def provision(name):
    return keys.create_rsa_key(name, hardware_protected=True)  # expect: KV307@12 "HSM-protected key created per row"


frame = pd.read_csv("customers.csv")
frame.apply(mask, axis=1)
frame["client"] = frame["customer"].map(per_customer)
frame["token"] = frame["name"].apply(lambda n: client.get_secret(n).value)  # expect: KV304@48 "Key Vault read per row"
spark.read.parquet("rows").rdd.foreach(mask)
with Pool(4) as pool:
    pool.map(provision, ["a", "b"])


# ---- negatives -------------------------------------------------------------------------------
class Pipeline:
    def apply(self, step):
        return step(self)


def configure(pipeline):
    return client.get_secret("pipeline-config").value  # a look-alike apply: runs once


Pipeline().apply(configure)
frame.apply(len)  # a builtin: nothing of ours runs per row
STARTUP = client.get_secret("startup").value  # once
