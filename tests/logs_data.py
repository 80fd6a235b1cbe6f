"""Synthetic Key Vault AuditEvent records for the logs tests (archive shape, JSON lines)."""

from __future__ import annotations

import json
import time
from pathlib import Path

SUB = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
HOT_OID = "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"  # the web app that reads per request
CALM_OID = "6e7f8091-ab2c-4d3e-9f40-5b6c7d8e9fa0"
DAY = "2026-03-02"


def record(
    epoch: float,
    vault: str,
    operation: str = "SecretGet",
    status: int = 200,
    oid: str = CALM_OID,
    secret: str = "db-password",
) -> dict:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1e7):07d}Z"
    signature = {200: "OK", 429: "TooManyRequests", 403: "Forbidden"}.get(status, str(status))
    return {
        "time": stamp,
        "resourceId": f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault.upper()}",
        "operationName": operation,
        "operationVersion": "7.4",
        "category": "AuditEvent",
        "resultType": "Success",
        "resultSignature": signature,
        "resultDescription": "",
        "durationMs": "9",
        "callerIpAddress": "20.50.9.9",
        "identity": {"claim": {"oid": oid, "appid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}},
        "properties": {
            "clientInfo": "azsdk-python-keyvault-secrets/4.8.0",
            "httpStatusCode": status,
            "requestUri": f"https://{vault}.vault.azure.net/secrets/{secret}/?api-version=7.4",
        },
    }


def throttling_day(path: Path) -> dict[str, int]:
    """A day of two vaults: kv-hot is throttled in a 30-second burst; kv-warm peaks at 85 %.

    Background: one request a minute on each vault all day. kv-hot: three windows from 12:00:00
    with 4,300 / 4,500 / 4,100 SecretGets by HOT_OID (300 / 500 / 100 throttled). kv-warm: one
    window at 09:00:00 with 3,400 SecretGets (85 % of 4,000), no 429.
    """
    start = time.mktime(time.strptime(DAY, "%Y-%m-%d")) - time.timezone
    counts = {"records": 0}
    with path.open("w", encoding="utf-8") as out:

        def write(doc: dict) -> None:
            out.write(json.dumps(doc) + "\n")
            counts["records"] += 1

        for minute in range(24 * 60):
            write(record(start + minute * 60 + 1.5, "kv-hot"))
            write(record(start + minute * 60 + 2.5, "kv-warm"))
        for index, (total, throttled) in enumerate(((4300, 300), (4500, 500), (4100, 100))):
            base = start + 12 * 3600 + index * 10
            for i in range(total):
                status = 429 if i >= total - throttled else 200
                write(record(base + i * 10 / total, "kv-hot", status=status, oid=HOT_OID))
        for i in range(3400):
            write(record(start + 9 * 3600 + i * 10 / 3400, "kv-warm", secret=f"s{i % 5}"))
    return counts
