# Databricks notebook source
# A Databricks notebook exported as source: `dbutils` and `spark` are the globals the notebook
# runtime provides. dbutils.secrets.get on an Azure Key Vault-backed secret scope reads the
# vault (a Databricks-backed scope does not).

# COMMAND ----------

!pip install databricks-sdk
dbutils.library.restartPython()

# COMMAND ----------

import time

from databricks.sdk import WorkspaceClient
from pyspark.sql.functions import *  # defines no dbutils: the runtime's global stays traced

# Once, on the driver: one read per run of the notebook.
jdbc_password = dbutils.secrets.get(scope="kv-warehouse", key="jdbc-password")
reader = spark.read.format("jdbc").option("password", jdbc_password)

# COMMAND ----------

# One read per table of the catalogue: the count grows with the data.
for table in spark.catalog.listTables("raw"):
    token = dbutils.secrets.get(scope="kv-warehouse", key=f"{table.name}-token")  # expect: KV304@13 "Key Vault read inside a for loop over data that"
    spark.table(table.name).filter(col("token") == token).count()

# COMMAND ----------

# A fixed list of names: a bounded number of reads, not a loop over data.
for key in ["storage-key", "eventhub-key"]:
    spark.conf.set(key, dbutils.secrets.get("kv-warehouse", key))

# COMMAND ----------

# Polling the vault: one read every minute, forever.
while True:
    api_key = dbutils.secrets.getBytes("kv-warehouse", "api-key")  # expect: KV304@15 "Key Vault read inside a while loop"
    time.sleep(60)

# COMMAND ----------

# A Databricks-backed scope, named as such: this job creates it and writes to it (a Key
# Vault-backed scope is read-only from Databricks). Its reads never reach Key Vault.
workspace = WorkspaceClient()
workspace.secrets.create_scope(scope="etl-tokens")
workspace.secrets.put_secret(scope="etl-tokens", key="svc", string_value="rotated-elsewhere")
for partner in spark.table("partners").collect():
    dbutils.secrets.get(scope="etl-tokens", key=partner.name)


# COMMAND ----------


# A parameter called dbutils is not traced: its value is unknown.
def secrets_of(dbutils, names):
    return [dbutils.secrets.get("kv-warehouse", name) for name in names]
