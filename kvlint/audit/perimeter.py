"""Network security perimeters (``publicNetworkAccess: SecuredByPerimeter``): their access rules
replace the vault firewall and the trusted-services bypass.

Given with ``--input`` (``az network perimeter association list`` / ``profile access-rule list``
or the REST pages): resource associations (``privateLinkResource.id`` = the vault, ``profile.id``,
``accessMode``) and access rules (``direction``, ``addressPrefixes``, ``subscriptions``,
``serviceTags``, ``networkSecurityPerimeters``). The verdict for a caller:

- no association for the vault in the input: unverified (KVA507), never "allowed";
- ``Enforced``: an inbound rule whose IPv4 prefix holds the caller's address admits it; a rule by
  subscription, service tag or perimeter might (unverified); otherwise the perimeter refuses;
- ``Learning`` (transition): the perimeter's rules or, failing them, the vault's own firewall;
- ``Audit``: the vault's own firewall decides.

An Approved private endpoint still admits a caller on a private address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from kvlint.audit.network import parse_rule

ASSOCIATION_TYPE = "microsoft.network/networksecurityperimeters/resourceassociations"
RULE_TYPE = "microsoft.network/networksecurityperimeters/profiles/accessrules"


@dataclass(frozen=True)
class Association:
    resource_id: str  # lower case
    profile_id: str  # lower case
    mode: str  # Enforced, Learning, Audit
    name: str


@dataclass(frozen=True)
class AccessRule:
    profile_id: str  # lower case: the rule id without /accessRules/NAME
    name: str
    inbound: bool
    prefixes: tuple[str, ...]
    others: tuple[str, ...]  # what else it admits by: subscriptions, service tags, perimeters


@dataclass
class Perimeters:
    associations: list[Association] = field(default_factory=list)
    rules: list[AccessRule] = field(default_factory=list)

    def association(self, resource_id: str) -> Association | None:
        return next((a for a in self.associations if a.resource_id == resource_id.lower()), None)


def kind(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    value = str(doc.get("type") or "").lower()
    return {ASSOCIATION_TYPE: "association", RULE_TYPE: "rule"}.get(value)


def _fields(doc: dict) -> dict:
    props = doc.get("properties")
    return {**doc, **props} if isinstance(props, dict) else doc


def _id(value: Any) -> str:
    return str(value.get("id") if isinstance(value, dict) else value or "").lower()


def read(doc: dict, into: Perimeters) -> None:
    fields = _fields(doc)
    if kind(doc) == "association":
        into.associations.append(
            Association(
                _id(fields.get("privateLinkResource")),
                _id(fields.get("profile")),
                str(fields.get("accessMode") or "Enforced"),
                str(doc.get("name") or ""),
            )
        )
        return
    rule_id = str(doc.get("id") or "")
    profile = rule_id.lower().rsplit("/accessrules/", 1)[0]
    others = [
        f"{what} {', '.join(_id(v) for v in fields.get(key) or [])}"
        for key, what in (
            ("subscriptions", "subscriptions"),
            ("serviceTags", "service tags"),
            ("networkSecurityPerimeters", "perimeters"),
        )
        if fields.get(key)
    ]
    into.rules.append(
        AccessRule(
            profile,
            str(doc.get("name") or rule_id.rsplit("/", 1)[-1]),
            str(fields.get("direction") or "").lower() == "inbound",
            tuple(str(p) for p in fields.get("addressPrefixes") or []),
            tuple(others),
        )
    )


def verdict(
    resource_id: str, address: IPv4Address, perimeters: Perimeters
) -> tuple[str, str] | None:
    """("admit" | "refuse" | "unverified" | "firewall", why), or None without an association."""
    association = perimeters.association(resource_id)
    if association is None:
        return None
    if association.mode.lower() == "audit":
        return "firewall", f"perimeter association {association.name} is in Audit mode"
    inbound = [r for r in perimeters.rules if r.profile_id == association.profile_id and r.inbound]
    for rule in inbound:
        for prefix in rule.prefixes:
            net = parse_rule(prefix)
            if net is not None and address in net:
                return "admit", f"inbound access rule {rule.name} admits {prefix}"
    maybe = [f"{r.name} ({'; '.join(r.others)})" for r in inbound if r.others]
    if maybe:
        return "unverified", (
            f"no inbound access rule of the perimeter admits {address} by address, and rule(s) "
            f"{', '.join(maybe)} admit callers by what kvlint cannot see"
        )
    if association.mode.lower() == "learning":
        return "firewall", (
            f"perimeter association {association.name} is in Learning (transition) mode and no "
            "inbound access rule admits the address, so the vault's own firewall decides"
        )
    rules = ", ".join(r.name for r in inbound) or "none"
    return "refuse", (
        f"403: the network security perimeter refuses {address}: no inbound access rule of "
        f"profile {association.profile_id.rsplit('/', 1)[-1]} admits it (inbound rules: {rules}); "
        "the vault firewall and trusted-service bypass do not apply"
    )
