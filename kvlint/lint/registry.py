"""Every lint rule: one module per rule in :mod:`kvlint.lint.rules` (``kvNNN_<name>.py``),
each defining one :class:`~kvlint.lint.rule.Rule` subclass. Adding a file adds the rule."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from kvlint.lint import rules as rules_package
from kvlint.lint.rule import Rule


@functools.cache
def all_rules() -> list[type[Rule]]:
    """The rule classes, in code order."""
    found = []
    for info in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{rules_package.__name__}.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value.code
            and value.__module__ == module.__name__
        ]
    return sorted(found, key=lambda cls: cls.code)
