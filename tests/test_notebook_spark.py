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
