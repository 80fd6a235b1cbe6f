"""Helpers that write a parameter out: a call passing a secret is reported where it is made."""

import logging

logger = logging.getLogger("shop")


def log_value(label, value):
    logger.info("%s: %s", label, value)


def log_size(value):
    logger.info("%d characters", len(value))


def audit(event, detail):
    log_value(event, detail)
