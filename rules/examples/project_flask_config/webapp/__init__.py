"""The app factory: its configuration is filled here and by webapp/settings.py, and read by the
blueprint of webapp/views.py through ``current_app.config``."""

import os

from azure.identity import DefaultAzureCredential
from flask import Flask

from .settings import configure


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")
    app.config["GRAPH_TOKEN"] = DefaultAzureCredential().get_token("https://vault.azure.net/.default").token
    configure(app)
    from .views import bp

    app.register_blueprint(bp)
    return app
