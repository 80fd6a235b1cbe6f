"""Helpers that loop over what they are given: the values of a mapping are written out, its
keys are not."""

import logging

logger = logging.getLogger("batch")


def dump(settings):
    for key, value in settings.items():
        logger.info("%s=%s", key, value)


def list_keys(settings):
    for key in settings:
        logger.info("setting %s", key)
