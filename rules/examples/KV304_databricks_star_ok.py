"""A star import from an unknown module may bind dbutils to anything: not traced."""

from team_helpers import *  # noqa: F403

for table in tables:
    dbutils.secrets.get("kv-jobs", table)
