"""KV305 / KV306 per task or message: workers are as busy as routes.

Every framework name is traced to its import: ``app.task`` is a Celery task because ``app`` was
made by ``celery.Celery``; a look-alike ``tasks.task`` decorator below is not.
"""

import functools

import dramatiq
import schedule
from apscheduler.schedulers.background import BackgroundScheduler
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient
from celery import Celery, shared_task
from prefect import flow
from rq import Queue

import tasks  # a first-party module named like a framework

VAULT_URL = "https://contoso.vault.azure.net"
client = SecretClient(VAULT_URL, DefaultAzureCredential())
app = Celery("worker")
queue = Queue()
scheduler = BackgroundScheduler()


@app.task
def send_invoice(invoice_id):
    key = client.get_secret("smtp-password").value  # expect: KV305@11 "Key Vault read per task or message"
    return bool(key) and invoice_id


@shared_task(bind=True)
def sync_account(self, account):
    return load_settings(account)


def load_settings(account):
    # called by the task above: per task, through a helper (the message names the chain)
    return client.get_secret(f"{account}-settings").value  # expect: KV305@12 "Key Vault read per task or message"


@dramatiq.actor
def resize(image):
    credential = DefaultAzureCredential()  # expect: KV306@18 "new DefaultAzureCredential"
    return SecretClient(VAULT_URL, credential).get_secret("cdn").value  # expect: KV305@12 "Key Vault read per task or message", KV306@12 "new SecretClient"


@flow
def nightly_report():
    return client.get_secret("report-db").value  # expect: KV305@12 "Key Vault read per task or message"


def enqueued_job(user):
    return client.get_secret("mail-key").value  # expect: KV305@12 "Key Vault read per task or message"


queue.enqueue(enqueued_job, "someone")


# ---- negatives -------------------------------------------------------------------------------
@app.task
@functools.lru_cache(maxsize=1)
def cached_task():
    return client.get_secret("cached").value  # cached where it runs


@tasks.task
def lookalike():
    return client.get_secret("not-a-task").value  # tasks is not a task framework


def rotate():
    # a schedule's period bounds how often it runs: not per request or message
    SecretClient(VAULT_URL, DefaultAzureCredential()).get_secret("rotated")


schedule.every(10).minutes.do(rotate)
scheduler.add_job(rotate, "interval", hours=1)
WORKER_KEY = client.get_secret("worker-key").value  # once, at import
