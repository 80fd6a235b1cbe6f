"""Spark in notebooks: the runtime's ``spark`` / ``sc`` globals make what they run per row a
per-row root (only in notebooks and notebook sources); functions run once per partition are
not per row, a loop over a partition's rows is."""

from __future__ import annotations

import pytest

from kvlint.cli import main
from tests.test_notebooks import CLIENT, notebook

SOURCE = "# Databricks notebook source\n"
READER = "def mask(v):\n    return client.get_secret('salt').value + v\n"


@pytest.fixture(autouse=True)
def _here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def concise(capsys, tmp_path, name: str, text: str) -> list[str]:
    (tmp_path / name).write_text(text)
    main(["check", "--no-cache", "--output-format", "concise", name])
    return [line for line in capsys.readouterr().out.splitlines() if ": KV" in line]


@pytest.mark.parametrize(
    "use",
    [
        "spark.udf.register('mask', mask)",
        "spark.table('t').rdd.map(mask).count()",
        "df = spark.read.parquet('p')\ndf.rdd.foreach(mask)",
        "sc.parallelize(names).map(mask).collect()",
        "spark.sparkContext.parallelize(names).flatMap(mask).collect()",
        "sqlContext.registerFunction('mask', mask)",
    ],
)
def test_the_runtime_globals_run_functions_per_row_in_a_notebook_source(capsys, tmp_path, use):
    lines = concise(capsys, tmp_path, "job.py", f"{SOURCE}{CLIENT}\n{READER}{use}\n")
    assert len(lines) == 1 and lines[0].startswith("job.py:6:12: KV304 Key Vault read per row: ")
    assert "`mask()` at " in lines[0] and "(registered at " in lines[0]


@pytest.mark.parametrize(
    "prelude",
    [
        "",  # a plain module: an unbound spark may be anything
        SOURCE + "spark = make_session()\n",  # the module binds it
        SOURCE + "from team_tools import *\n",  # a star import may bind it
    ],
)
def test_an_unknown_spark_stays_unknown(capsys, tmp_path, prelude):
    text = f"{prelude}{CLIENT}\n{READER}spark.udf.register('mask', mask)\n"
    assert concise(capsys, tmp_path, "job.py", text) == []


def test_a_parameter_named_spark_is_not_the_runtimes(capsys, tmp_path):
    use = "def setup(spark):\n    spark.udf.register('mask', mask)\n"
    assert concise(capsys, tmp_path, "job.py", f"{SOURCE}{CLIENT}\n{READER}{use}") == []


def test_a_udf_registered_in_another_cell_names_both_cells(capsys, tmp_path):
    cells = [CLIENT, READER, "spark.udf.register('mask', mask)"]
    lines = concise(capsys, tmp_path, "nb.ipynb", notebook(*cells))
    assert len(lines) == 1
    assert lines[0].startswith("nb.ipynb:cell 2:2:12: KV304 Key Vault read per row: Spark UDF")
    assert "`mask()` at nb.ipynb:cell 2:1 (registered at nb.ipynb:cell 3:1):" in lines[0]


PARTITION = """
def enrich(rows):
    local = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())
    key = local.get_secret("key").value
    for row in rows:
        yield row, key
"""


@pytest.mark.parametrize("method", ["mapPartitions", "foreachPartition", "mapInPandas"])
def test_once_per_partition_is_quiet(capsys, tmp_path, method):
    text = f"{SOURCE}{CLIENT}\n{PARTITION}spark.table('t').rdd.{method}(enrich)\n"
    assert concise(capsys, tmp_path, "job.py", text) == []


def test_a_read_per_row_of_a_partition_says_so(capsys, tmp_path):
    body = PARTITION.replace("yield row, key", "yield local.get_secret(row.name)")
    text = f"{SOURCE}{CLIENT}\n{body}spark.table('t').rdd.mapPartitions(enrich)\n"
    lines = concise(capsys, tmp_path, "job.py", text)
    assert len(lines) == 1 and lines[0].startswith("job.py:10:15: KV304 Key Vault read per row: ")
    assert "the loop over the rows of Spark partition function `enrich()` at job.py:6" in lines[0]


def test_a_loop_over_batches_is_still_a_loop_over_data(capsys, tmp_path):
    """mapInPandas hands pandas batches: a read per batch is not per row, but a loop over data
    all the same (the loop model's answer, as anywhere)."""
    body = PARTITION.replace("yield row, key", "yield local.get_secret(row.name)")
    text = f"{SOURCE}{CLIENT}\n{body}spark.table('t').mapInPandas(enrich, 's string')\n"
    lines = concise(capsys, tmp_path, "job.py", text)
    assert len(lines) == 1 and "inside a for loop over data" in lines[0]


# -- a notebook that names no Key Vault word, reaching a project module that reads the vault --

HELPERS = CLIENT + "\n\n\ndef lookup(name):\n    return client.get_secret(name).value\n"


def project(tmp_path, nb_name: str, nb_text: str, *extra: str) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "store.py").write_text(HELPERS)
    for number in range(len(extra)):  # unrelated modules (MANY: not a run of few files)
        (tmp_path / f"other{number}.py").write_text(extra[number])
    (tmp_path / nb_name).write_text(nb_text)


FILLER = tuple(f"x = {n}\n" for n in range(12))
MANY = tuple(f"x = {n}\n" for n in range(70))  # more than the runner's FEW_TARGETS


def check_tree(capsys, *args: str) -> list[str]:
    main(["check", "--no-cache", "--output-format", "concise", *args])
    return [line for line in capsys.readouterr().out.splitlines() if ": KV" in line]


@pytest.mark.parametrize("others", [(), MANY])
def test_a_notebook_reaching_a_reader_through_an_import_is_linted(capsys, tmp_path, others):
    """No Key Vault word in the notebook: the byte prefilter skips it, the importers pass finds
    it through its import line in a cell's JSON string (a run of few files, and a large tree
    where only files naming the module on an import line are searched)."""
    cells = [
        "import pandas as pd\nfrom store import lookup",
        "x = 1\nfor n in names:\n    lookup(n)",
    ]
    project(tmp_path, "explore.ipynb", notebook(*cells), *others)
    lines = check_tree(capsys, ".")
    assert [line.split(" Key Vault")[0] for line in lines] == ["explore.ipynb:cell 2:3:5: KV304"]
    assert "(get_secret() in the helper lookup())" in lines[0]


def test_a_udf_in_a_notebook_calling_an_imported_reader(capsys, tmp_path):
    cells = [
        "from pyspark.sql.functions import udf\nfrom store import lookup",
        "@udf('string')\ndef partner(p):\n    return lookup(p)",
    ]
    project(tmp_path, "rows.ipynb", notebook(*cells), *FILLER)
    lines = check_tree(capsys, ".")
    assert len(lines) == 1, lines
    assert lines[0].startswith("store.py:7:12: KV304 Key Vault read per row: ")
    assert "Spark UDF `partner()` at rows.ipynb:cell 2:2" in lines[0]


def test_a_databricks_source_notebook_reaching_a_reader(capsys, tmp_path):
    text = (
        SOURCE + "from store import lookup\n# COMMAND ----------\nspark.udf.register('l', lookup)\n"
    )
    project(tmp_path, "job.py", text, *FILLER)
    lines = check_tree(capsys, ".")
    assert len(lines) == 1 and lines[0].startswith("store.py:7:12: KV304 Key Vault read per row")
    assert "per row: Spark UDF registered at job.py:4 -> `lookup()`:" in lines[0]


def test_an_imported_function_a_notebook_maps_over_rows_names_the_cell(capsys, tmp_path):
    cells = [
        "import pandas as pd\nfrom store import lookup",
        "df = pd.read_csv('x')\n\ndf.k.map(lookup)",
    ]
    project(tmp_path, "nb.ipynb", notebook(*cells), *FILLER)
    lines = check_tree(capsys, ".")
    assert len(lines) == 1 and lines[0].startswith("store.py:7:12: KV304 Key Vault read per row")
    assert "per row: pandas row function registered at nb.ipynb:cell 2:3 -> `lookup()`:" in lines[0]


@pytest.mark.parametrize(
    "cells",
    [
        ["import pandas as pd", "for n in names:\n    print(n)"],  # imports nothing of ours
        ["import store_unrelated", "x = 1"],  # a name that is not the module
        ['"from store import lookup"'],  # the words in a string, not an import
    ],
)
def test_notebooks_that_import_no_reader_stay_skipped(capsys, tmp_path, cells):
    project(tmp_path, "explore.ipynb", notebook(*cells), *FILLER)
    assert check_tree(capsys, ".") == []


def test_a_malformed_notebook_naming_a_reader_is_no_crash(capsys, tmp_path):
    """Its bytes name the module on an "import line" but it is no notebook: not read as one,
    and (naming no Key Vault word) not linted: no finding, no traceback."""
    project(tmp_path, "broken.ipynb", '{"cells": [ "from store import lookup\\nlookup(x)"', *FILLER)
    code = main(["check", "--no-cache", "--output-format", "concise", "."])
    out, err = capsys.readouterr()
    assert code == 0 and "broken.ipynb" not in out and not err


def test_a_platform_read_in_a_registered_udf_is_per_row_and_names_its_scope(capsys, tmp_path):
    text = (
        f"{SOURCE}def token(k):\n    return dbutils.secrets.get('kv-feeds', k)\n\n"
        "spark.udf.register('token', token)\n"
    )
    lines = concise(capsys, tmp_path, "job.py", text)
    assert len(lines) == 1 and lines[0].startswith("job.py:3:12: KV304 Key Vault read per row: ")
    assert "Spark UDF `token()` at job.py:2 (registered at job.py:5)" in lines[0]
    assert "kvlint assumes scope 'kv-feeds' is Azure Key Vault-backed" in lines[0]
