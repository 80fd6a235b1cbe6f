"""Reading and decoding an access token (base64url, no signature check, no network).

The token is never kept whole: a :class:`Token` holds the decoded header and claims, the first
characters and the length, and error messages show no more (:mod:`kvlint.redact`).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from kvlint import keyvault
from kvlint.errors import KvlintError
from kvlint.redact import SHOWN_PREFIX

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_AUTHORIZATION = re.compile(r"authorization\s*:\s*(?:bearer\s+)?([A-Za-z0-9._~+/=-]+)", re.I)
_BEARER = re.compile(r"^bearer(\s+|$)", re.I)
_JSON_TOKEN_KEYS = ("accessToken", "access_token", "token")


@dataclass(frozen=True)
class Token:
    """A decoded JWT. Only a short prefix of the encoded form is kept, for display."""

    header: dict[str, Any]
    claims: dict[str, Any]
    prefix: str
    length: int

    @property
    def redacted(self) -> str:
        return f"{self.prefix}… ({self.length} characters)"  # as redact.masked shows it


@dataclass(frozen=True)
class VaultTarget:
    host: str
    cloud: keyvault.Cloud
    audience: str


def read_input(value: str | None, stdin: TextIO | None = None) -> str:
    """The text behind a token argument: the value itself, ``-``/nothing (stdin) or ``@FILE``."""
    if value is None or value == "-":
        stream = stdin if stdin is not None else sys.stdin
        if stream is None or (value is None and stream.isatty()):
            raise KvlintError(
                "no token given: pass it as an argument, '-' to read stdin, @FILE, or use --acquire"
            )
        return stream.read()
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise KvlintError(f"cannot read token file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise KvlintError(f"cannot read token file {path}: not a text file") from None
    return value


def _shown(text: str) -> str:
    """How an input may appear in a message: a JWT-looking prefix, never the whole value."""
    if text.startswith("eyJ"):
        return f"input '{text[:SHOWN_PREFIX]}…', {len(text)} characters"
    return f"input of {len(text)} characters"


def _extract(text: str) -> str:
    """The bare JWT inside raw text, a Bearer value, a header line or token-response JSON."""
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise KvlintError(
                f"not a JWT: {_shown(text)} starts with '{{' but is not JSON"
            ) from None
        found = (
            [document.get(key) for key in _JSON_TOKEN_KEYS] if isinstance(document, dict) else []
        )
        token = next((value for value in found if isinstance(value, str)), None)
        if token is None:
            keys = " / ".join(_JSON_TOKEN_KEYS)
            raise KvlintError(f"not a JWT: the JSON input has no {keys} field")
        text = token.strip()
    header = _AUTHORIZATION.search(text)
    if header:
        return header.group(1)
    text = text.strip("'\"").strip()
    text = _BEARER.sub("", text, count=1)
    return "".join(text.strip("'\"").split())  # a token wrapped over several lines


def _decode_segment(segment: str, what: str, text: str) -> dict[str, Any]:
    unpadded = segment.rstrip("=")
    if not _SEGMENT.fullmatch(segment) or len(unpadded) % 4 == 1:
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not base64url")
    raw = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise KvlintError(f"not a JWT ({_shown(text)}): the {what} is not a JSON object")
    return value


def parse(text: str) -> Token:
    """Decode a token given as text (see :func:`_extract` for the accepted wrappings)."""
    jwt = _extract(text)
    if not jwt:
        raise KvlintError("no token given: the input is empty")
    parts = jwt.split(".")
    if len(parts) == 5:
        raise KvlintError(
            f"not a JWT ({_shown(jwt)}): five parts is an encrypted token (JWE); "
            "Key Vault access tokens are signed JWTs with three parts"
        )
    if len(parts) != 3:
        raise KvlintError(
            f"not a JWT ({_shown(jwt)}): expected three dot-separated parts "
            f"(header.payload.signature), found {len(parts)}"
        )
    header = _decode_segment(parts[0], "header", jwt)
    claims = _decode_segment(parts[1], "payload", jwt)
    return Token(header=header, claims=claims, prefix=jwt[:SHOWN_PREFIX], length=len(jwt))


def load(value: str | None, stdin: TextIO | None = None) -> Token:
    """Read and decode a token argument: ``JWT``, ``Bearer JWT``, ``-``, ``@FILE``."""
    return parse(read_input(value, stdin))


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""


def vault_target(url: str) -> VaultTarget:
    """The host, cloud and required audience of a vault or Managed HSM URL (or bare host)."""
    text = url.strip()
    host = _host(text if "//" in text else "https://" + text)
    found = keyvault.audience_for_host(host)
    if found is None:
        raise KvlintError(
            f"not a Key Vault or Managed HSM URL: {url!r} (e.g. https://myvault.vault.azure.net)"
        )
    return VaultTarget(host=host, cloud=found[0], audience=found[1])
