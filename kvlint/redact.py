"""One masking module for everything kvlint shows: no output ever contains a whole JWT or a
secret value.

- A JWT is recognised by its structure, not by a prefix: three base64url segments (five for an
  encrypted JWE) whose first decodes to a JSON object, whatever whitespace leads it (a header
  ``{ "alg"…`` encodes as ``eyAi…``, not ``eyJ…``). An upper-cased copy (a code argument echoed
  as "unknown rule code") cannot be decoded; dotted segments of base64 letters long enough to be
  one are masked too. A token is shown as its first characters and its length, as
  ``kvlint token`` shows it: ``eyJ0eXAi… (1234 characters)``.
- Secret values quoted from a file (a source line the full report shows, a message): a storage
  or Service Bus ``AccountKey=`` / ``SharedAccessKey=``, a SAS ``sig=``, an Entra ID client
  secret (``xxx8Q~…``), the value given to ``client_secret`` / ``password``: ``••••`` instead.

The command line applies :func:`mask` where text leaves the program: argparse's usage errors,
the one-line error messages, and every text written to stdout and stderr (:class:`MaskingStream`).
The full report marks a span under a masked source line with :func:`spans` (carets stay under
what they mark).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, TextIO

SHOWN_PREFIX = 8  # characters of a token that output may show ("eyJ0eXAi…")
HIDDEN = "••••"

# A candidate: a word of base64url letters, then two or four more dot-separated segments (the
# last, the signature, may be empty: an unsigned "alg": "none"). Anchored at a word start, so
# a long word is scanned once.
_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_\-.])[A-Za-z0-9_-]{8,}={0,2}(?:\.[A-Za-z0-9_-]*={0,2}){2,4}(?![A-Za-z0-9_-])"
)
_SECRETS = re.compile(
    r"(?P<key>(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=)"
    r"(?P<value>[A-Za-z0-9+/%_\-]{16,}={0,2}(?:%3[dD]){0,2})"
    r"|(?<![A-Za-z0-9_~.-])(?P<client>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})"
    r"(?![A-Za-z0-9_~.-])"
    r"|(?P<assign>\b(?:client_secret|clientSecret|password|AZURE_CLIENT_SECRET)\b\s*[=:]\s*"
    r"[rRbBuU]?(?P<quote>['\"]))(?P<literal>[^'\"\s]{8,})(?P=quote)",
)


def masked(token: str) -> str:
    """How one token may be shown: its first characters and its length."""
    return f"{token[:SHOWN_PREFIX]}… ({len(token)} characters)"


def is_jwt(text: str) -> bool:
    """Whether ``text`` has a JWT's (or JWE's) structure: 3 or 5 base64url segments, the
    first a JSON object."""
    parts = text.split(".")
    if len(parts) not in (3, 5) or len(parts[0]) < 8:
        return False
    return _json_header(parts[0]) or _shouted(parts)


def _json_header(segment: str) -> bool:
    raw = segment.rstrip("=")
    try:
        data = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        return False
    return data.lstrip(b" \t\r\n").startswith(b"{")


def _shouted(parts: list[str]) -> bool:
    """An upper-cased token (its header no longer decodes): long segments, no lower case."""
    head, body = parts[0], parts[1]
    return (
        len(head) >= 16
        and len(body) >= 16
        and not any(c.islower() for c in head + body)
        and any(c.isalpha() for c in head)
    )


def spans(text: str) -> list[tuple[int, int, str]]:
    """Where ``text`` holds a token or a secret value: (start, end, what to show instead),
    in order, not overlapping."""
    found: list[tuple[int, int, str]] = []
    if "." in text:
        for match in _CANDIDATE.finditer(text):
            if is_jwt(match.group(0)):
                found.append((match.start(), match.end(), masked(match.group(0))))
    if "=" in text or "Q~" in text or ":" in text:
        for match in _SECRETS.finditer(text):
            group = next(g for g in ("value", "client", "literal") if match.group(g) is not None)
            start, end = match.span(group)
            if not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, HIDDEN))
    return sorted(found)


_FRAGMENT = re.compile(r"(?<![A-Za-z0-9_\-.])[A-Za-z0-9_-]{12,}={0,2}(?:\.[A-Za-z0-9_-]*={0,2})?")


def mask(text: str, fragments: bool = False, instead: str | None = None) -> str:
    """``text`` with every whole JWT and every secret value in it replaced (by ``instead`` if
    given); with ``fragments`` (text a service wrote about a token), a lone header or payload
    segment too."""
    found = spans(text)
    if fragments:
        for match in _FRAGMENT.finditer(text):
            start, end = match.span()
            if _json_header(match.group(0).split(".")[0]) and not any(
                s < end and start < e for s, e, _ in found
            ):
                found.append((start, end, masked(match.group(0))))
        found.sort()
    if not found:
        return text
    out, position = [], 0
    for start, end, shown in found:
        out += [text[position:start], shown if instead is None else instead]
        position = end
    out.append(text[position:])
    return "".join(out)


class MaskingStream:
    """A text stream that masks JWTs in everything written to it (stdout and stderr).

    Binary output (``.buffer``: the fixed source ``--fix -`` returns, the user's own bytes) passes
    through unchanged.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(mask(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
