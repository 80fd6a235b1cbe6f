"""A report over the secrets of batch/vault.py, through loops and comprehensions."""

import logging

from batch.logs import dump, list_keys
from batch.vault import fetch_all, fetch_map, fetch_values, names

logger = logging.getLogger(__name__)


def report():
    for name, value in fetch_all():
        logger.info("checked %s", name)
        logger.info("checked %s", value)  # expect: KV401@9 "Key Vault secret value logged"
    for key, value in fetch_map().items():
        logger.info("key %s", key)
        print(f"{key}={value}")  # expect: KV404@9 "Key Vault secret value printed"
    for key in fetch_map():
        print(key)
    for index, value in enumerate(fetch_values()):
        print(index, len(value))
        print(index, value)  # expect: KV404@9 "Key Vault secret value printed"
    logger.info("all %s", [v for v in fetch_values()])  # expect: KV401@5 "Key Vault secret value logged"
    logger.info("names %s", [n for n in names()])


def helpers():
    secrets = fetch_map()
    dump(secrets)  # expect: KV401@5 "Key Vault secret value logged through `dump()`"
    list_keys(secrets)
    dump({"names": ",".join(names())})
