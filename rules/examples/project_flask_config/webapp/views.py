"""Routes reading the configuration webapp/__init__.py and webapp/settings.py fill."""

import logging

from flask import Blueprint, current_app, jsonify

from .settings import DEFAULT_REGION

bp = Blueprint("main", __name__)
logger = logging.getLogger(__name__)


@bp.route("/debug")
def debug():
    logger.info("connecting as %s", current_app.config["DB_USER"])
    logger.info("connecting with %s", current_app.config["DB_PASSWORD"])  # expect: KV401@5 "Key Vault secret value logged"
    print("api key", current_app.config.get("API_KEY"))  # expect: KV404@5 "Key Vault secret value printed"
    print("region", current_app.config.get("REGION", DEFAULT_REGION))
    logger.info("session key %s", current_app.config["SECRET_KEY"])
    logger.info("beta %s", current_app.config.get("BETA_ENABLED"))  # written by no literal key
    return jsonify(user=current_app.config["DB_USER"], token=current_app.config["GRAPH_TOKEN"])  # expect: KV402@12 "access token put in an HTTP response"


class Loader:
    """Not an application: its ``config`` is a plain dict."""

    def __init__(self):
        self.config = {"DB_PASSWORD": "not-a-secret"}


@bp.route("/loader")
def loader():
    return jsonify(password=Loader().config["DB_PASSWORD"])
