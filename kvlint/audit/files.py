"""Vaults from exported JSON (``--input``): the encodings and shapes users hand kvlint."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kvlint.audit.model import ReadError, Vault, is_vault_document, read_vault
from kvlint.errors import KvlintError

# -- exported files --------------------------------------------------------------------------


def _documents(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("value", "data"):  # an ARM page, a Resource Graph response
            if isinstance(data.get(key), list) and not is_vault_document(data):
                return data[key]
        return [data]
    raise KvlintError(
        "the input must hold a vault object, a list of vaults, an ARM page "
        '{"value": [...]} or Resource Graph rows'
    )


def decode_input(raw: bytes | str, path: str) -> str:
    """Exported JSON as text: UTF-8 (with or without a BOM) or UTF-16 (what Windows PowerShell's
    ``>`` writes; with a BOM, or told apart by its zero bytes as RFC 8259 section 8.1 allows)."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(raw) >= 2 and raw[0] and not raw[1]:
        encoding = "utf-16-le"
    elif len(raw) >= 2 and not raw[0] and raw[1]:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = encoding[:6].upper()  # UTF-8, UTF-16, UTF-32
        raise KvlintError(
            f"{path}: not {name} text (undecodable byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}); export the JSON as UTF-8 or UTF-16"
        ) from None


def file_vaults(
    path: str, *, tenant: str | None, errors: list[ReadError], stdin: Any = None
) -> list[Vault]:
    """Vaults from exported JSON: one vault, a list, {"value": [...]}, or Resource Graph rows."""
    try:
        if path == "-":
            stream = stdin or sys.stdin
            raw = getattr(stream, "buffer", stream).read()
        else:
            raw = Path(path).read_bytes()
    except OSError as exc:
        raise KvlintError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = decode_input(raw, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KvlintError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    vaults = []
    for index, doc in enumerate(_documents(data)):
        if isinstance(doc, dict) and doc.get("type") and not is_vault_document(doc):
            errors.append(
                ReadError(
                    str(doc.get("id") or f"{path}[{index}]"),
                    f"not a Key Vault (type {doc.get('type')})",
                )
            )
            continue
        vault = read_vault(doc, errors, tenant)
        if vault:
            vaults.append(vault)
    return vaults
