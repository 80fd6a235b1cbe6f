"""``kvlint token --acquire --explain --vault URL --input VAULTS``: would the identity the
credential chain produced pass the vault's gates (tenant, network, identity) from here?
(The explain face's: the token face may not use the audit, which uses the token doctor.)

The vault, its role assignments and the verdicts are the audit's (:mod:`kvlint.audit.files`,
:func:`kvlint.audit.reach.gates`): an AKV10032 (another tenant, KVT105), a firewall refusal
(KVA501) or a missing grant is predicted before the first request is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kvlint.errors import KvlintError


@dataclass
class Prediction:
    vault: str
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    checked: list[str] = field(default_factory=list)  # which gates were judged
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "vault": self.vault,
            "gates_checked": self.checked,
            "refusals": [{"code": c, "message": m} for c, m in self.verdicts],
            "note": self.note or None,
        }


def predict(claims: dict, vault_url: str, path: str, ip: str | None) -> Prediction:
    from kvlint.audit import files, reach
    from kvlint.audit.engine import _offline_evidence

    host = urlsplit(vault_url if "://" in vault_url else f"https://{vault_url}").hostname or ""
    name = host.split(".", 1)[0].lower()
    errors: list = []
    found = files.Inputs()
    files.read(path, found, tenant=None, errors=errors)
    vault = next((v for v in found.vaults if v.name.lower() == name), None)
    if vault is None:
        raise KvlintError(f"vault {name!r} is not among the {len(found.vaults)} vault(s) in {path}")
    oid, tid = claims.get("oid"), claims.get("tid")
    if not isinstance(oid, str) or not isinstance(tid, str):
        raise KvlintError("the token names no principal (no oid and tid claims)")
    who = reach.principal(oid, tid)
    caller = reach.caller(who, ip or "20.0.0.1")
    result = Prediction(vault.name, checked=["tenant", "identity"] + (["network"] if ip else []))
    for finding in reach.gates(vault, caller, _offline_evidence(found)):
        if finding.code in ("KVA501", "KVA507") and not ip:
            continue
        result.verdicts.append((finding.code, finding.message))
    if not ip:
        result.note = (
            "the network gates were not checked: pass --ip with this machine's egress address"
        )
    return result
