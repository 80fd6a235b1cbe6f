"""One masking function for everything kvlint shows: no output ever contains a whole JWT.

A JWT (three base64url segments, or five for an encrypted JWE) is replaced by its first
characters and its length, as ``kvlint token`` shows a token: ``eyJ0eXAi… (1234 characters)``.
The command line applies :func:`mask` where text leaves the program: argparse's usage errors,
the one-line error messages, and every text written to stdout and stderr (:class:`MaskingStream`).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

SHOWN_PREFIX = 8  # characters of a token that output may show ("eyJ0eXAi…")

# A JSON object's base64url encoding starts with "eyJ" ('{"'); two or four more dot-separated
# base64url segments follow (the last, the signature, may be empty: an unsigned "alg": "none").
# Case-insensitive: an upper-cased token (a code argument echoed as "unknown rule code") is masked.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}={0,2}(?:\.[A-Za-z0-9_-]*={0,2}){2,4}", re.IGNORECASE)


def masked(token: str) -> str:
    """How one token may be shown: its first characters and its length."""
    return f"{token[:SHOWN_PREFIX]}… ({len(token)} characters)"


def mask(text: str) -> str:
    """``text`` with every whole JWT in it replaced by :func:`masked`."""
    if "eyj" not in text.lower():  # the fast path: almost all output
        return text
    return _JWT.sub(lambda match: masked(match.group(0)), text)


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
