"""Where values go: the parts of values (tuples, dict keys, fields), helpers that write a
parameter out, and what a function's summary keeps of both for the modules importing it.

The annotated examples (rules/examples/KV401_parts.py, rules/examples/project_values/) are the
rules' tests; these check the shared facts and the summaries directly.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kvlint.cli import main
from kvlint.lint.engine import summarise_slice
from kvlint.lint.project.summary import Symbol

VAULT = """\
import logging
from dataclasses import dataclass

from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

logger = logging.getLogger(__name__)
credential = DefaultAzureCredential()
client = SecretClient("https://contoso.vault.azure.net", credential)


def fetch(name):
    return True, client.get_secret(name).value


def settings():
    found = {"user": "app"}
    found["db"] = client.get_secret("db").value
    return found


@dataclass
class Credentials:
    user: str
    password: str


def load():
    return Credentials("app", client.get_secret("pw").value)


def log_value(label, value):
    logger.info("%s: %s", label, value)


def log_size(value):
    logger.info("%d characters", len(value))


def audit(event, detail):
    log_value(event, detail)


def plain():
    return client.get_secret("x").value


def fetch_all(names):
    return [(n, client.get_secret(n).value) for n in names]


def fetch_map(names):
    out = {}
    for n in names:
        out[n] = client.get_secret(n).value
    return out


def dump(values):
    for name, value in values.items():
        logger.info("%s", value)


def dump_names(values):
    for name in values:
        logger.info("%s", name)
"""


def summary(name: str) -> Symbol:
    symbol = summarise_slice(VAULT, name, "vault.py")
    assert symbol is not None and symbol.kind == "function"
    return symbol


def test_a_tuple_result_says_which_position_carries_the_secret():
    symbol = summary("fetch")
    assert symbol.carries == ("secret-value",)
    assert symbol.parts == (("#0", ()), ("#1", ("secret-value",)))


def test_a_dict_filled_after_it_is_made_says_which_key_carries_the_secret():
    parts = dict(summary("settings").parts or ())
    assert parts == {"k:user": (), "k:db": ("secret-value",), "*": (), "[*]": ("secret-value",)}


def test_a_list_or_dict_of_items_says_what_each_item_and_its_parts_carry():
    parts = dict(summary("fetch_all").parts or ())
    assert parts == {"*": ("secret-value",), "*\x00#0": (), "*\x00#1": ("secret-value",)}
    assert dict(summary("fetch_map").parts or ()) == {"*": (), "[*]": ("secret-value",)}


def test_a_parameter_written_out_through_a_loop_over_its_values():
    assert summary("dump").sinks == ("values:log",)
    assert summary("dump_names").sinks == ()  # the keys of an unknown mapping: unknown


def test_a_record_result_says_which_field_carries_the_secret():
    parts = dict(summary("load").parts or ())
    assert parts == {".user": (), ".password": ("secret-value",)}
    assert summary("load").carries == ("secret-value",)  # its repr shows the fields


def test_a_plain_result_has_no_parts():
    assert summary("plain").parts is None
    assert summary("plain").carries == ("secret-value",)


def test_parameters_written_out_directly_or_through_a_helper():
    assert summary("log_value").sinks == ("label:log", "value:log")
    assert summary("log_size").sinks == ()  # its length is not the value
    assert summary("audit").sinks == ("detail:log", "event:log")
    assert summary("fetch").sinks == ()


def test_summaries_round_trip_through_json():
    for name in ("fetch", "settings", "load", "audit", "fetch_all"):
        symbol = summary(name)
        again = Symbol.from_dict(json.loads(json.dumps(symbol.as_dict())))
        assert again == symbol


@pytest.mark.parametrize(
    "bad", [{"kind": "function", "parts": 5}, {"kind": "function", "parts": [["#1"]]}]
)
def test_a_corrupt_parts_entry_is_refused(bad):
    with pytest.raises(ValueError):
        Symbol.from_dict(bad)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_unpacking_an_imported_result_whole_tree_and_alone(tmp_path, capsys):
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "app"\n',
            "app/__init__.py": "",
            "app/vault.py": VAULT,
            "app/main.py": """\
                import logging

                from app.vault import audit, fetch, load, log_size, settings

                log = logging.getLogger(__name__)


                def run():
                    ok, value = fetch("x")
                    log.info("%s", ok)
                    log.info("%s", value)
                    log.info("%s", settings()["user"])
                    log.info("%s", settings()["db"])
                    log.info("%s", load().user)
                    log.info("%s", load().password)
                    log_size(value)
                    audit("event", value)
                    audit(value[:0], "detail")
                """,
        },
    )
    want = {11, 13, 15, 17}
    for target in (tmp_path, tmp_path / "app" / "main.py"):
        code = main(
            ["check", "--no-cache", "--output-format", "json", "--select", "KV401", str(target)]
        )
        findings = json.loads(capsys.readouterr().out)
        lines = {f["line"] for f in findings if f["path"].endswith("main.py")}
        assert code == 1
        assert lines == want, target


ACCESS = """\
from azure.identity import DefaultAzureCredential
from azure.mgmt.keyvault import KeyVaultManagementClient

mgmt = KeyVaultManagementClient(DefaultAzureCredential(), "subscription")


def grant(rg, parameters):
    mgmt.vaults.update_access_policy(rg, "vault", "add", parameters)


def onboard(rg, parameters):
    grant(rg, parameters)


def describe(rg):
    return mgmt.vaults.get(rg, "vault")
"""


def test_a_summary_says_which_access_change_each_call_makes():
    def grants(name: str) -> tuple[str, ...]:
        symbol = summarise_slice(ACCESS, name, "access.py")
        assert symbol is not None
        return symbol.grants

    assert grants("grant") == ("vaults.update_access_policy",)
    assert grants("onboard") == ("vaults.update_access_policy",)  # through its helper
    assert grants("describe") == ()


def test_a_method_lists_the_other_modules_names_it_calls():
    from kvlint.lint.project.outline import outline

    found = outline(
        textwrap.dedent(
            """\
            import functools

            from pkg.infra import Session, helper
            from pkg import keys


            class Service:
                def run(self):
                    session = Session()
                    session.open()
                    self._more()
                    return keys.load()

                def _more(self):
                    helper()
                    Session().close()

                @functools.cache
                def cached(self):
                    return helper()

                def local(self):
                    return len("x")
            """
        )
    )
    assert found.method_calls("Service", "run") == (
        "pkg.infra.Session",
        "pkg.infra.Session().__init__",
        "pkg.infra.Session().open",
        "pkg.keys.load",
        "pkg.infra.helper",
        "pkg.infra.Session().close",
    )
    assert found.method_calls("Service", "cached") == ()  # a decorator may cache it
    assert found.method_calls("Service", "local") == ()
    assert found.method_calls("Missing", "run") == ()


def test_a_class_summary_says_what_its_instances_attributes_carry():
    text = VAULT + textwrap.dedent(
        """

        class Settings:
            def __init__(self, user):
                self.user = user
                self.password = client.get_secret("db").value
                self.token = credential.get_token("https://vault.azure.net/.default").token
        """
    )
    symbol = summarise_slice(text, "Settings", "vault.py")
    assert symbol is not None and symbol.kind == "class"
    assert symbol.attrs == (("password", ("secret-value",)), ("token", ("token",)))


def test_an_imported_record_is_answered_from_the_outline(tmp_path):
    from kvlint.lint.project.outline import outline
    from kvlint.lint.project.records import outlined_record

    found = outline(
        textwrap.dedent(
            """\
            import dataclasses
            from typing import ClassVar, NamedTuple

            from pydantic import BaseModel, SecretStr


            @dataclasses.dataclass
            class Login:
                kind: ClassVar[str] = "login"
                user: str
                password: str = dataclasses.field(repr=False)


            class Entry(NamedTuple):
                name: str
                value: str


            class Settings(BaseModel):
                user: str
                password: SecretStr


            @dataclasses.dataclass
            class Own:
                user: str

                def __init__(self, user):
                    self.user = user


            class Plain:
                user: str
            """
        )
    )
    assert outlined_record(found, "Login") == (("user", "password"), ("user",))
    assert outlined_record(found, "Entry") == (("name", "value"), ("name", "value"))
    assert outlined_record(found, "Settings") == (("user", "password"), ("user",))
    assert outlined_record(found, "Own") is None  # its own constructor
    assert outlined_record(found, "Plain") is None


CONFIGURE = """\
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())


def configure(app):
    app.config["DB_PASSWORD"] = {value}
    app.config["DB_USER"] = "web"
    for key in ("A", "B"):
        app.config[key] = client.get_secret(key).value
"""

READER = """\
import logging

from flask import current_app

from webapp.settings import configure

log = logging.getLogger(__name__)


def show():
    log.info("%s", current_app.config["DB_USER"])
    log.info("%s", current_app.config["DB_PASSWORD"])
    log.info("%s", current_app.config.get("A"))
"""


def test_a_module_summary_says_which_configuration_keys_carry_a_secret():
    text = CONFIGURE.format(value='client.get_secret("db").value')
    symbol = summarise_slice(text, "@config", "settings.py")
    assert symbol is not None
    assert dict(symbol.parts or ()) == {"k:DB_PASSWORD": ("secret-value",), "k:DB_USER": ()}


def test_a_configuration_key_read_in_another_module_follows_its_writer_through_the_cache(
    tmp_path, capsys
):
    """The reader's cached result records the writer's ``@config`` entry: when the writer no
    longer puts a secret there, the reader is checked again."""
    files = {
        "pyproject.toml": '[project]\nname = "webapp"\n',
        "webapp/__init__.py": "",
        "webapp/settings.py": CONFIGURE.format(value='client.get_secret("db").value'),
        "webapp/views.py": READER,
    }
    write(tmp_path, files)
    cache = str(tmp_path / "cache")
    argv = ["check", "--cache-dir", cache, "--output-format", "json", "--select", "KV401"]

    def lines() -> set[int]:
        main([*argv, str(tmp_path / "webapp" / "views.py")])
        return {f["line"] for f in json.loads(capsys.readouterr().out)}

    assert lines() == {12}  # DB_USER is a literal; "A" is written by no literal key
    assert lines() == {12}  # from the cache
    write(tmp_path, {"webapp/settings.py": CONFIGURE.format(value='"plain"')})
    assert lines() == set()
