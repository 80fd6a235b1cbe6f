"""Jupyter notebooks: the code cells as one module, IPython syntax kept out of the way,
positions in cells in every output format, fixes written into the cells' JSON strings only,
noqa in a cell, baselines, the cache, and malformed notebooks as KV000."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvlint.cli import main
from kvlint.notebook import NotebookError, load, python_of, raw_position


def notebook(*cells: str | tuple[str, str], metadata: dict | None = None, **extra) -> str:
    """nbformat 4 as Jupyter writes it (indent 1, non-ASCII as is); a str cell is code."""
    out = []
    for number, cell in enumerate(cells, 1):
        kind, text = ("code", cell) if isinstance(cell, str) else cell
        entry: dict = {"cell_type": kind, "id": f"c{number}", "metadata": {}}
        if kind == "code":
            entry |= {"execution_count": number, "outputs": extra.get("outputs", [])}
        entry["source"] = text.splitlines(True)
        out.append(entry)
    meta = metadata if metadata is not None else {"kernelspec": {"language": "python"}}
    document = {"cells": out, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


CLIENT = (
    "from azure.identity import DefaultAzureCredential\n"
    "from azure.keyvault.secrets import SecretClient\n"
    'client = SecretClient("https://contoso.vault.azure.net", DefaultAzureCredential())'
)
LOOP = "for name in names:\n    client.get_secret(name)"
SLASH = 'token = DefaultAzureCredential().get_token("https://vault.azure.net/")'


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- IPython syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("%pip install x\nimport os", "pass\nimport os"),
        ("!ls -la\nx = 1\n", "pass\nx = 1\n"),
        ("files = !ls\nout = %sx ls", "files = None\nout = None"),
        ("for a in b:\n    %time f(a)\n", "for a in b:\n    pass\n"),
        ("client.get_secret?\nos.path??", "pass\npass"),
        ("!echo a \\\n  b\nx = 1", "pass\n\nx = 1"),
        ("%%bash\necho $HOME\nls", "\n\n"),
        ("%%time\nx = f()\n", "\nx = f()\n"),
        ("%sql\nSELECT 1", "\n"),  # a Databricks language cell
        ("%md\n# Title", "\n"),
        ("x = 10 % 3\ny = (1 !=\n 2)", "x = 10 % 3\ny = (1 !=\n 2)"),  # Python stays Python
    ],
)
def test_ipython_lines_become_placeholders_on_the_same_lines(source, python):
    assert python_of(source) == python
    assert python_of(source).count("\n") == source.count("\n")


def test_cells_are_one_module_and_positions_are_per_cell(here, capsys):
    (here / "nb.ipynb").write_text(
        notebook(("markdown", "# Secrets"), "%pip install azure-keyvault-secrets\n" + CLIENT, LOOP)
    )
    code, out, _ = check(capsys, "--output-format", "concise", "nb.ipynb")
    assert code == 1
    assert out.startswith("nb.ipynb:cell 3:2:5: KV304 ")


def test_full_output_shows_the_cells_line(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, "x = 1\n" + LOOP))
    _, out, _ = check(capsys, "nb.ipynb")
    assert "nb.ipynb:cell 2:3:5: KV304" in out
    assert "3 |     client.get_secret(name)" in out


def test_json_sarif_github_junit(here, capsys):
    text = notebook(CLIENT, LOOP)
    (here / "nb.ipynb").write_text(text)
    _, out, _ = check(capsys, "--output-format", "json", "nb.ipynb")
    [finding] = json.loads(out)
    assert (finding["cell"], finding["line"], finding["column"]) == (2, 2, 5)
    # SARIF and GitHub point into the .ipynb file itself (what code scanning annotates)
    raw_lines = text.splitlines()
    row = next(i for i, line in enumerate(raw_lines, 1) if "client.get_secret(name)" in line)
    col = raw_lines[row - 1].index("client.get_secret") + 1
    _, out, _ = check(capsys, "--output-format", "sarif", "nb.ipynb")
    [result] = json.loads(out)["runs"][0]["results"]
    location = result["locations"][0]
    region = location["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (row, col)
    assert location["properties"] == {"cell": 2, "cellLine": 2, "cellColumn": 5}
    _, out, _ = check(capsys, "--output-format", "github", "nb.ipynb")
    assert f"file=nb.ipynb,line={row},col={col}," in out
    assert "KV304 (cell 2, line 2) " in out
    _, out, _ = check(capsys, "--output-format", "junit", "nb.ipynb")
    case = ET.fromstring(out).find(".//testcase")
    assert case is not None and case.get("line") == str(row)
    assert "nb.ipynb:cell 2:2:5: KV304" in out


def test_raw_position_follows_escapes():
    raw = notebook('x = "caf\u00e9 \\"q\\""; y = 1')
    escaped = raw.replace("\u00e9", "\\u00e9")
    for text in (raw, escaped):
        line, column = raw_position(text, 1, 1, 19) or (0, 0)  # the "y"
        assert text.splitlines()[line - 1][column - 1] == "y"


def test_fix_rewrites_only_the_cells_json_string(here, capsys):
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["caf\u00e9 \u2713\n"]}]
    before = notebook(
        ("markdown", "Caf\u00e9 \u2615"), CLIENT, "x = 1\n" + SLASH + "\ny = 2", outputs=outputs
    )
    (here / "nb.ipynb").write_text(before, encoding="utf-8")
    code, out, _ = check(capsys, "--fix", "nb.ipynb")
    after = (here / "nb.ipynb").read_text(encoding="utf-8")
    fixed_line = SLASH.replace("azure.net/", "azure.net/.default").replace('"', '\\"')
    assert after == before.replace(SLASH.replace('"', '\\"'), fixed_line)
    assert "Fixed 1" in out and code == 0
    # a notebook that writes non-ASCII as \u escapes keeps doing so
    escaped = json.dumps(json.loads(before), indent=2) + "\n"
    (here / "nb.ipynb").write_text(escaped)
    check(capsys, "--fix", "nb.ipynb")
    assert (here / "nb.ipynb").read_text() == escaped.replace(SLASH.replace('"', '\\"'), fixed_line)


def test_fix_in_a_single_string_source_and_diff_per_cell(here, capsys):
    document = json.loads(notebook("import os", SLASH + "\n"))
    document["cells"][1]["source"] = SLASH + "\n"  # a string, not a list of lines
    text = json.dumps(document)
    (here / "nb.ipynb").write_text(text)
    _, out, _ = check(capsys, "--diff", "nb.ipynb")
    assert "--- a/nb.ipynb:cell 2\n+++ b/nb.ipynb:cell 2\n" in out
    assert (here / "nb.ipynb").read_text() == text
    check(capsys, "--fix", "nb.ipynb")
    fixed = json.loads((here / "nb.ipynb").read_text())
    assert fixed["cells"][1]["source"] == SLASH.replace("net/", "net/.default") + "\n"


def test_noqa_in_a_cell_and_add_noqa(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, LOOP + "  # noqa: KV304"))
    assert check(capsys, "nb.ipynb")[0] == 0
    (here / "nb.ipynb").write_text(notebook(CLIENT, "%time x = 1\n" + LOOP))
    main(["check", "--no-cache", "--add-noqa", "nb.ipynb"])
    capsys.readouterr()
    cells = json.loads((here / "nb.ipynb").read_text())["cells"]
    assert cells[1]["source"] == [
        "%time x = 1\n",
        "for name in names:\n",
        "    client.get_secret(name)  # noqa: KV304",
    ]
    assert check(capsys, "nb.ipynb")[0] == 0


def test_baseline_and_cache_keep_cells(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, LOOP))
    assert main(["check", "--write-baseline", "base.json", "nb.ipynb"]) == 0
    capsys.readouterr()
    # moving the loop to another cell keeps its fingerprint
    (here / "nb.ipynb").write_text(notebook(CLIENT, "x = 1", LOOP))
    assert check(capsys, "--baseline", "base.json", "nb.ipynb")[0] == 0
    for _ in range(2):  # the second run is answered from the cache
        main(["check", "--output-format", "json", "nb.ipynb"])
        [finding] = json.loads(capsys.readouterr()[0])
        assert (finding["cell"], finding["line"]) == (3, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b'{"cells": [', "malformed notebook"),
        (b'{"nbformat": 4}', "no `cells` list"),
        (b'{"worksheets": [], "nbformat": 3}', "nbformat 3"),
        (b'{"cells": [{"cell_type": "code", "source": 3}]}', "source is not text"),
        (b'{"cells": ["x"]}', "cell 1 is not an object"),
    ],
)
def test_malformed_notebooks_are_kv000_and_the_run_goes_on(here, capsys, data, message):
    (here / "bad.ipynb").write_bytes(data.replace(b"{", b'{"m": "azure.identity", ', 1))
    (here / "app.py").write_text(CLIENT + "\n" + LOOP + "\n")
    code, out, _ = check(capsys, "--output-format", "concise", ".")
    assert "bad.ipynb:" in out and "KV000" in out and message in out
    assert "app.py:5:5: KV304" in out
    assert code == 1
    with pytest.raises(NotebookError):
        load(data)


def test_syntax_error_in_a_cell_is_kv000_in_that_cell(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, "x = (1,\n"))
    _, out, _ = check(capsys, "--output-format", "concise", "nb.ipynb")
    assert out.startswith("nb.ipynb:cell 2:")
    assert "KV000" in out


def test_other_languages_are_not_linted(here, capsys):
    r_kernel = {"kernelspec": {"language": "R", "name": "ir"}}
    (here / "r.ipynb").write_text(notebook(CLIENT, LOOP, metadata=r_kernel))
    assert check(capsys, "r.ipynb")[0] == 0
    document = json.loads(notebook(CLIENT, LOOP))
    document["cells"][1]["metadata"] = {"vscode": {"languageId": "sql"}}
    (here / "mixed.ipynb").write_text(json.dumps(document))
    assert check(capsys, "mixed.ipynb")[0] == 0


def test_discovery_finds_notebooks_below_a_folder(here, capsys):
    (here / "notebooks").mkdir()
    (here / "notebooks" / "explore.ipynb").write_text(notebook(CLIENT, LOOP))
    (here / "notebooks" / "plain.json").write_text('{"cells": []}')
    _, out, _ = check(capsys, "--output-format", "concise", ".")
    assert "notebooks/explore.ipynb:cell 2:2:5: KV304" in out


# -- data platforms -----------------------------------------------------------------------


DATABRICKS = "for t in tables:\n    dbutils.secrets.get(scope='{scope}', key=t)\n"


def test_databricks_scope_kinds_from_the_settings(here, capsys):
    (here / "job.py").write_text(
        DATABRICKS.format(scope="kv")
        + DATABRICKS.format(scope="etl")
        + DATABRICKS.format(scope="x")
    )
    _, out, _ = check(capsys, "--output-format", "concise", "job.py")
    assert out.count(": KV304") == 3
    assert "kvlint assumes scope 'x' is Azure Key Vault-backed" in out
    (here / "pyproject.toml").write_text(
        '[tool.kvlint]\ndatabricks-scopes = { kv = "keyvault", etl = "databricks" }\n'
    )
    _, out, _ = check(capsys, "--output-format", "concise", "job.py")
    lines = [line for line in out.splitlines() if ": KV304" in line]
    assert [line.split(":")[1] for line in lines] == ["2", "6"]  # etl is quiet
    assert "assumes" not in lines[0] and "assumes scope 'x'" in lines[1]


def test_databricks_scopes_setting_is_validated(here, capsys):
    (here / "pyproject.toml").write_text('[tool.kvlint]\ndatabricks-scopes = { kv = "vault" }\n')
    (here / "job.py").write_text(DATABRICKS.format(scope="kv"))
    assert main(["check", "job.py"]) == 2
    assert "databricks-scopes['kv'] must be 'keyvault'" in capsys.readouterr()[1]


def test_platform_reads_in_a_notebook(here, capsys):
    cells = [
        "from notebookutils import mssparkutils",
        "for row in df.collect():\n    mssparkutils.credentials.getSecret('kv', row.name)",
    ]
    (here / "synapse.ipynb").write_text(notebook(*cells))
    _, out, _ = check(capsys, "--output-format", "concise", "synapse.ipynb")
    assert "synapse.ipynb:cell 2:2:5: KV304" in out


def test_notebooks_exported_as_source_keep_their_ipython_lines(here, capsys):
    """A Databricks / Fabric notebook saved as .py: `!pip` and `%sql` cells are not syntax
    errors, and a fix leaves them as they are."""
    text = (
        "# Databricks notebook source\n"
        "!pip install azure-identity\n"
        "# COMMAND ----------\n"
        "%sql\nSELECT 1\n"
        "# COMMAND ----------\n"
        f"from azure.identity import DefaultAzureCredential\n{SLASH}\n"
    )
    (here / "job.py").write_text(text)
    _, out, _ = check(capsys, "--output-format", "concise", "job.py")
    assert out.startswith("job.py:8:44: KV101")
    check(capsys, "--fix", "job.py")
    assert (here / "job.py").read_text() == text.replace("net/", "net/.default")


def test_per_row_chains_name_the_cell(here, capsys):
    """A function registered in one cell and run per row from another: the finding and the
    chain in its message are placed in cells, not in the joined module's lines."""
    cells = [
        "import pandas as pd\n" + CLIENT,
        "x = 1\ndef mask(row):\n    return client.get_secret(row['name']).value",
        "frame = pd.read_csv('x.csv')\nframe.apply(mask, axis=1)",
    ]
    (here / "rows.ipynb").write_text(notebook(*cells))
    _, out, _ = check(capsys, "--output-format", "concise", "rows.ipynb")
    assert out.startswith("rows.ipynb:cell 2:3:12: KV304 Key Vault read per row: pandas row ")
    assert "`mask()` at rows.ipynb:cell 2:2 (registered at rows.ipynb:cell 3:2):" in out


def test_an_indented_cell_is_run_dedented_as_ipython_does(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, "  x = 1\n  " + SLASH + "\n  y = 2"))
    _, out, _ = check(capsys, "--output-format", "concise", "nb.ipynb")
    assert out.startswith("nb.ipynb:cell 2:2:46: KV101"), out
    check(capsys, "--fix", "nb.ipynb")
    cells = json.loads((here / "nb.ipynb").read_text())["cells"]
    assert cells[1]["source"][1] == "  " + SLASH.replace("net/", "net/.default") + "\n"


def test_an_indented_comment_first_is_no_indented_cell(here, capsys):
    (here / "nb.ipynb").write_text(notebook(CLIENT, " # a note\nx = 1\n" + LOOP))
    _, out, _ = check(capsys, "--output-format", "concise", "nb.ipynb")
    assert out.startswith("nb.ipynb:cell 2:4:5: KV304"), out


_LINES = st.lists(
    st.one_of(
        st.sampled_from(["%time x = 1", "!ls -la", "files = !ls", "  %pip install a", "obj?", ""]),
        st.text(
            st.characters(
                blacklist_categories=("Cs",),
                blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
            ),
            max_size=12,
        ),
    ),
    max_size=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(_LINES, min_size=1, max_size=4), indent=st.sampled_from([1, 2, None]))
def test_writing_cells_back_changes_only_their_strings(cells, indent):
    """Any notebook round-trips byte for byte; an edit of one code line changes that cell's
    source and nothing else of the document."""
    sources = ["\n".join(lines) for lines in cells]
    document = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": s.splitlines(True)}
            for s in sources
        ],
        "metadata": {"kernelspec": {"language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    raw = json.dumps(document, indent=indent, ensure_ascii=indent is None)
    nb = load(raw.encode())
    assert nb.dump(nb.with_text(nb.text)) == raw
    lines = nb.text.split("\n")
    editable = [i for i, line in enumerate(lines) if line and line != "if True:"]
    for i in editable[:1]:
        cell, line = nb.where(i + 1)
        original = nb.cell(cell).lines[line - 1]
        if original != lines[i]:  # a placeholder: not writable
            assert nb.with_text("\n".join([*lines[:i], lines[i] + "x", *lines[i + 1 :]])) is None
            continue
        edited = nb.with_text("\n".join([*lines[:i], lines[i] + "é", *lines[i + 1 :]]))
        assert edited is not None
        after = json.loads(nb.dump(edited))
        source = after["cells"][cell - 1]["source"]
        expected = nb.cell(cell).lines
        expected[line - 1] += "é"
        assert "".join(source) == "\n".join(expected)
        after["cells"][cell - 1]["source"] = document["cells"][cell - 1]["source"]
        assert after == document


def test_a_notebook_sees_its_projects_modules(here, capsys):
    """A notebook next to the project's code imports it as a script does: a helper that reads
    the vault, called in a loop in a cell, is a read in a loop."""
    (here / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (here / "helpers.py").write_text(
        CLIENT + "\n\n\ndef secret(name):\n    return client.get_secret(name)\n"
    )
    cells = ["# the keyvault helpers\nfrom helpers import secret", "for n in names:\n    secret(n)"]
    (here / "nb.ipynb").write_text(notebook(*cells))
    _, out, _ = check(capsys, "--output-format", "concise", "nb.ipynb")
    assert out.startswith("nb.ipynb:cell 2:2:5: KV304 Key Vault read (get_secret() in the helper")
