"""Databricks jobs and Databricks Connect code outside a notebook: dbutils comes from an import,
from DBUtils(spark), or from the SDK's WorkspaceClient."""

from databricks.sdk import WorkspaceClient
from databricks.sdk.runtime import dbutils
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()


def get_dbutils(session):
    from pyspark.dbutils import DBUtils

    return DBUtils(session)


def load(tables):
    for table in tables:
        dbutils.secrets.get("kv-jobs", f"{table}-password")  # expect: KV304@9 "Key Vault read inside a for loop over data that"


def rotate(rows):
    utils = get_dbutils(spark)
    for row in rows:
        utils.secrets.get(scope="kv-jobs", key=row.key)  # expect: KV304@9 "Key Vault read inside a for loop over data that"


workspace = WorkspaceClient()
for name in workspace.dbutils.fs.ls("/mnt/config"):
    workspace.dbutils.secrets.get("kv-jobs", name.name)  # expect: KV304@5 "Key Vault read inside a for loop over data that"
