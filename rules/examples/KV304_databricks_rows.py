# Databricks notebook source
# Per-row reads in a Databricks job: a function Spark or pandas calls for every row reads the
# vault once per row. dbutils itself only works on the driver, so rows on executors read through
# the SDK; pandas runs its row functions on the driver.

import pandas as pd
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from pyspark.sql.functions import col, udf

client = SecretClient("https://contoso.vault.azure.net", ManagedIdentityCredential())

# COMMAND ----------


def decrypt_key(customer_id):
    return client.get_secret(f"customer-{customer_id}").value  # expect: KV304@12 "Key Vault read per row"


decrypt = udf(decrypt_key, "string")
spark.table("customers").withColumn("key", decrypt(col("id"))).write.saveAsTable("keyed")

# COMMAND ----------

feeds = pd.read_csv("/dbfs/feeds.csv")
feeds["token"] = feeds["scope_key"].apply(lambda key: dbutils.secrets.get("kv-feeds", key))  # expect: KV304@55 "Key Vault read per row"

# COMMAND ----------

# Once on the driver, then shipped to the executors with the closure: one read per run.
signing_key = dbutils.secrets.get("kv-feeds", "signing-key")
spark.table("events").rdd.map(lambda event: (event.id, hash((event.id, signing_key)))).count()
