# Databricks notebook source
# The notebook runtime binds `spark` (the SparkSession) and `sc` (its SparkContext) before the
# first cell runs. A function they run for every row - a UDF registered with
# spark.udf.register, an rdd.map / foreach function, sc.parallelize(...).map - reads the vault
# once per row. mapPartitions / foreachPartition run their function once per partition: a
# client built or a secret read there is once per partition (how an executor gets a client);
# a read in its loop over the partition's rows is once per row again.

from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = "https://contoso.vault.azure.net"
client = SecretClient(VAULT_URL, ManagedIdentityCredential())

# COMMAND ----------


def mask_email(email):
    salt = client.get_secret("email-salt").value  # expect: KV304@12 "per row: Spark UDF `mask_email()` at"
    return str(hash(salt + email))


spark.udf.register("mask_email", mask_email)
spark.sql("SELECT mask_email(email) FROM customers").write.saveAsTable("masked")

# COMMAND ----------


def partner_client(partner):
    return SecretClient(f"https://{partner}-kv.vault.azure.net", ManagedIdentityCredential())  # expect: KV306@12 "SecretClient (Key Vault client) built per row: Spark row function", KV306@66 "ManagedIdentityCredential (credential) built per row"


orders = spark.table("orders")
orders.rdd.map(lambda o: partner_client(o.partner)).count()
orders.rdd.foreach(lambda o: client.get_secret(o.key_name))  # expect: KV304@30 "per row: Spark row function `lambda()`"
sc.parallelize(["a", "b"]).map(lambda name: client.get_secret(name).value).collect()  # expect: KV304@45 "Key Vault read per row"

# COMMAND ----------


def enrich(rows):
    # once per partition: the way to get a client on an executor, not reported
    local = SecretClient(VAULT_URL, ManagedIdentityCredential())
    pepper = local.get_secret("pepper").value
    for row in rows:
        yield row.id, hash(pepper + row.email), local.get_secret(row.key_name).value  # expect: KV304@49 "per row: the loop over the rows of Spark partition function `enrich()`"


spark.table("customers").rdd.mapPartitions(enrich).count()

# COMMAND ----------

# ---- negatives -------------------------------------------------------------------------------


def send_partition(rows):
    writer = SecretClient(VAULT_URL, ManagedIdentityCredential())  # once per partition
    token = writer.get_secret("sink-token").value
    for row in rows:
        post(row, token)


def score_batches(batches):
    model_key = client.get_secret("model-key").value  # once per partition, not per row
    for batch in batches:  # pandas batches of up to 10,000 rows: not rows
        yield batch.assign(score=model_key)


def register_all(spark):
    # a parameter named spark is whatever the caller passes: unknown, not traced
    spark.udf.register("mask_email_again", mask_email_again)


def mask_email_again(email):
    return client.get_secret(email).value


def write_batch(batch_df, batch_id):
    client.get_secret("batch-sink")  # foreachBatch: once per micro-batch, not per row


spark.table("events").foreachPartition(send_partition)
spark.table("events").mapInPandas(score_batches, "id long, score string").count()
spark.readStream.table("events").writeStream.foreachBatch(write_batch).start()
salt = sc.broadcast(client.get_secret("hash-salt").value)  # once on the driver, broadcast
spark.udf.register("salted", lambda v: str(hash(salt.value + v)))
