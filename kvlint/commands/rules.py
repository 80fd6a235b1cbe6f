"""``kvlint rules`` and ``kvlint rule CODE``."""

from __future__ import annotations

import argparse
import json

from kvlint import catalog
from kvlint.commands.options import add_format


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "rule":
        parser.add_argument(
            "code",
            metavar="CODE|NAME",
            help="a rule or check code (KV101, KVA212, KVT103) or name (keyvault-read-per-request)",
        )
        add_format(
            parser,
            ("markdown", "json"),
            "markdown",
            "the page as Markdown or JSON (default: %(default)s)",
        )
    else:
        parser.add_argument(
            "--face",
            choices=("check", "audit", "token", "logs", "explain"),
            help="only the rules of one command",
        )
        add_format(
            parser,
            ("text", "json", "markdown"),
            "text",
            "a table, JSON or a Markdown table (default: %(default)s)",
        )


def _as_dict(rule: catalog.Rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "command": rule.face,
        "fix": rule.fix,
        "summary": rule.summary.strip(),
        "help_uri": rule.help_uri,
    }


def run(args: argparse.Namespace) -> int:
    if hasattr(args, "code"):
        rule = catalog.lookup(args.code)
        if args.format == "json":
            print(json.dumps({**_as_dict(rule), "documentation": rule.markdown()}, indent=2))
        else:
            print(rule.markdown(), end="")
        return 0
    rules = [catalog.get(code) for code in catalog.codes(args.face)]
    if args.format == "json":
        print(json.dumps([_as_dict(rule) for rule in rules], indent=2))
    elif args.format == "markdown":
        print(rules_table(rules), end="")
    else:
        width = max((len(rule.name) for rule in rules), default=0)
        for rule in rules:
            print(
                f"{rule.code:<7} {rule.name:<{width}}  {rule.severity:<7}  {rule.summary.strip()}"
            )
    return 0


def rules_table(rules: list[catalog.Rule]) -> str:
    """The Markdown rule table (README and ``kvlint rules --format markdown``)."""
    lines = [
        "| code | name | command | severity | fix | summary |",
        "|---|---|---|---|---|---|",
    ]
    for r in rules:
        summary = r.summary.strip().replace("|", "\\|")
        lines.append(f"| {r.code} | {r.name} | {r.face} | {r.severity} | {r.fix} | {summary} |")
    return "\n".join(lines) + "\n"
