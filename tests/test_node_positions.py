"""Positions computed statement by statement (kvlint.lint.semantic.positions) are exactly
libcst's PositionProvider's, for every node, without rendering the whole module."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from kvlint.lint.semantic.index import Indexer
from kvlint.lint.semantic.positions import NodePositions
from kvlint.lint.semantic.syntax import node_positions
from kvlint.lint.semantic.walk import walk
from kvlint.lint.sources.python import parse_module

ROOT = Path(__file__).resolve().parent.parent

TRICKY = {
    "no trailing newline": "import os\nx = os.environ['A']",
    "crlf": "import os\r\n\r\nclass A:\r\n    def f(self):\r\n        return os.sep\r\n",
    "lone cr": "x = 1\ry = (\r  2)\r",
    "tabs": "class A:\n\tdef f(self):\n\t\tif x:\n\t\t\treturn 1\n",
    "mixed block indents": "def f():\n  x = 1\n  def g():\n        return x\n  return g\n",
    "semicolons": "import a; b = a.c(1)\ndef f(): x = 1; return x\nclass K: y = 2\n",
    "decorators": (
        "import functools\n\n# a comment\n@functools.cache\n\n@ functools.wraps(\n  f)\n"
        "async def g(x):\n    '''doc'''\n\n    return await x\n"
    ),
    "backslash decorator": "@\\\nd\ndef f():\n    pass\n",
    "comments and footers": (
        "# header\n\nclass A:  # trailing\n    # leading\n    x = 1\n        # footer\n# next\n"
        "def f(\n    a,  # c\n):\n    pass\n    # end\n"
    ),
    "nested compound": (
        "for i in range(3):\n    try:\n        pass\n    except* E as e:\n        pass\n"
        "else:\n    while x:\n        with a as b, c:\n            match b:\n"
        "                case 1:\n                    pass\n"
    ),
    "parenthesised start": "(\n  a\n) = 1\nclass A(\n    B,\n):\n    (x) = [\n        1,\n    ]\n",
    "non-ascii": "s = 'é' ; t = '𝄞' + s\nclass Ünï:\n    ê = '€'\n",
    "form feed": "x = 1\n\x0c\ndef f():\n    \x0c\n    return 2\n",
    "empty": "",
    "only comments": "# one\n# two\n",
    "type params": "def f[T](x: T) -> T:\n    return x\n",
    "continuation": "x = 1 + \\\n    2\nif x and \\\n   y:\n    z = 3\n",
}


def _compare(text: str) -> NodePositions:
    module = parse_module(text)
    index = Indexer(module)
    walk(module, index)
    lazy = NodePositions(module, text, index.parent)
    reference = node_positions(module)
    for node in index.parent:
        assert lazy[node] == reference[node], (type(node).__name__, text)
    return lazy


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_sources_match_libcst(name: str) -> None:
    try:
        _compare(TRICKY[name])
    except cst.ParserSyntaxError:
        pytest.skip("libcst does not parse this on this Python")


def test_example_files_match_without_rendering_the_module() -> None:
    files = sorted((ROOT / "rules" / "examples").rglob("*.py"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            lazy = _compare(text)
        except cst.ParserSyntaxError:
            continue
        assert lazy._full is None, path  # answered statement by statement


def test_a_tree_that_is_not_the_source_falls_back_to_the_whole_module() -> None:
    module = parse_module("import os\n\nx = os.environ['A']\n")
    index = Indexer(module)
    walk(module, index)
    lazy = NodePositions(module, "import os\nx = os.environ['A']\n", index.parent)
    reference = node_positions(module)
    for node in index.parent:
        assert lazy[node] == reference[node]
    assert lazy._full is not None
