"""Every lint rule page documents a real rule, and its snippets behave as documented.

``example:`` is a complete program that triggers the page's rule when linted alone, and
``use_instead:`` is one that kvlint analyses (it passes the prefilter and parses) and that does
not. Every rule class lives in ``kvlint/lint/rules/kvNNN_<name>.py``, named after its page.

What a page's ``what:`` claims is backed by examples: the page's own ``example:`` /
``use_instead:`` pair, and at least one annotated file in ``rules/examples/`` (where the tricky
cases the prose mentions are pinned, see tests/test_examples.py).
"""

from __future__ import annotations

import pytest

from kvlint import catalog
from kvlint.config import Settings
from kvlint.lint.engine import Linter
from kvlint.lint.registry import all_rules
from tools.pin_examples import EXPECT, EXPECT_TREE, expectations, projects, single_examples

LINTER = Linter(Settings())
PAGES = catalog.codes("check")
# reported by the engine itself, not by a rule: parse errors and unused suppressions
ENGINE_CODES = {"KV000", "KV100"}


def lint(text: str, name: str):
    return LINTER.lint_bytes(text.encode("utf-8"), name)


@pytest.mark.parametrize("code", PAGES)
def test_example_triggers_its_rule(code):
    result = lint(catalog.get(code).example, "example.py")
    assert code in [f.code for f in result.findings], catalog.get(code).example


@pytest.mark.parametrize("code", PAGES)
def test_use_instead_is_analysed_and_clean(code):
    result = lint(catalog.get(code).use_instead, "use_instead.py")
    assert result.parsed, f"{code}: use_instead is not a complete program kvlint analyses"
    assert code not in [f.code for f in result.findings]


def test_every_rule_class_has_a_page_and_every_page_a_rule():
    codes = [cls.code for cls in all_rules()]
    assert len(codes) == len(set(codes)), "two rule classes share a code"
    assert set(codes) | ENGINE_CODES == set(PAGES)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda cls: cls.code)
def test_rule_module_is_named_after_its_page(rule):
    page = catalog.get(rule.code)
    name = page.name.removeprefix("keyvault-").replace("-", "_")
    module = rule.__module__.rsplit(".", 1)[1]
    assert module == f"{rule.code.lower()}_{name}"
    assert set(rule.sources) <= {"python", "config"}


def _annotated_codes() -> set[str]:
    files = single_examples() + [p for project in projects() for p in project.rglob("*.py")]
    return {
        pin.code
        for path in files
        for pattern in (EXPECT, EXPECT_TREE)
        for pins in expectations(path, pattern).values()
        for pin in pins
    }


ANNOTATED = _annotated_codes()


@pytest.mark.parametrize("code", PAGES)
def test_what_is_backed_by_an_example_pair_and_an_annotated_file(code):
    page = catalog.get(code)
    assert page.what.strip(), f"{code}: no what:"
    assert page.example.strip() and page.use_instead.strip(), f"{code}: example/use_instead"
    assert page.example.strip() != page.use_instead.strip(), f"{code}: the pair is one program"
    assert code in ANNOTATED, (
        f"{code}: no '# expect: {code}' in rules/examples/ (add {code}.py with the cases the "
        "what: describes, positives and tricky negatives)"
    )


@pytest.mark.parametrize("code", PAGES)
def test_the_page_fix_is_what_its_example_gets(code):
    """``fix:`` (default ``none``) is what ``kvlint rule`` and SARIF announce: a page that
    promises a safe fix shows one in its example, and a page without one has no fix at all."""
    page = catalog.get(code)
    found = [f for f in lint(page.example, "example.py").findings if f.code == code]
    kinds = {f.fix.applicability if f.fix else "none" for f in found}
    if page.fix == "none":
        assert kinds == {"none"}, f"{code}: fix: none, but the example gets a fix"
    else:
        assert page.fix in kinds, f"{code}: fix: {page.fix}, but the example gets {kinds}"
