"""A generic helper: it requests whatever URL it is given. It reads Key Vault only at a call
site that passes a vault URL (sync/jobs.py)."""

import requests
from tenacity import retry, stop_after_attempt, wait_exponential


@retry(stop=stop_after_attempt(5), wait=wait_exponential())
def call_api(url, token):
    return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
