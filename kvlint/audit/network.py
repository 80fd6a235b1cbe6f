"""IPv4 handling shared by the firewall checks and the reachability verdict.

Key Vault IP rules are IPv4 only: a bare address means /32, a CIDR range is accepted with host
bits set (``10.0.0.5/24`` is ``10.0.0.0/24``). Key Vault sees a caller's *public* source address,
so rules in private, loopback, link-local or carrier-grade NAT space never match anything.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network

NON_PUBLIC: tuple[tuple[IPv4Network, str], ...] = (
    (IPv4Network("10.0.0.0/8"), "private (RFC 1918)"),
    (IPv4Network("172.16.0.0/12"), "private (RFC 1918)"),
    (IPv4Network("192.168.0.0/16"), "private (RFC 1918)"),
    (IPv4Network("127.0.0.0/8"), "loopback"),
    (IPv4Network("169.254.0.0/16"), "link-local"),
    (IPv4Network("100.64.0.0/10"), "carrier-grade NAT (RFC 6598)"),
)


def parse_rule(value: str) -> IPv4Network | None:
    """The IPv4 network an IP rule admits, or None when the rule is not valid IPv4."""
    text = value.strip()
    if not text or text != value or any(c not in "0123456789./" for c in text):
        return None  # quotes, spaces, IPv6, names: Key Vault never matches them
    try:
        return IPv4Network(text, strict=False)
    except ValueError:
        return None


def parse_address(value: str) -> IPv4Address:
    """A caller address (raises ValueError for anything but one IPv4 address)."""
    address = ipaddress.ip_address(value.strip())
    if not isinstance(address, IPv4Address):
        raise ValueError("Key Vault firewall rules are IPv4 only")
    return address


def non_public_kind(net: IPv4Network) -> str | None:
    """Why a rule or address can never be a public source address, or None if it can."""
    for space, kind in NON_PUBLIC:
        if net.subnet_of(space):
            return kind
    return None
