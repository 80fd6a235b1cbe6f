"""What ``kvlint explain`` says about one cause: the :class:`Explanation`, its fix
:class:`Command` s, and the helpers every explanation uses (who called, quoting, the vault's
arguments). Built only by :mod:`kvlint.explain.diagnose`, :mod:`kvlint.explain.answers` and
:mod:`kvlint.explain.entra`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from kvlint.explain.paste import Facts
from kvlint.findings import Finding, Resource

# First-party clients a user signs in with: their app id in a token means "a user, through …"
USER_CLIENTS = {
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "the Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
    "aebc6443-996d-45c2-90f0-388ff96faa56": "Visual Studio Code",
    "04f0c124-f2bc-4f59-8241-bf6df9866bbd": "Visual Studio",
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "the Azure portal",
}
MICROSOFT_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PROPAGATION = (
    "if the grant was made in the last few minutes this may still be propagation (Azure RBAC "
    "changes can take up to 10 minutes, access-policy changes usually seconds): retry with "
    "backoff before changing anything"
)


@dataclass
class Command:
    text: str  # the shell command, values quoted
    note: str = ""
    widens: str = ""  # why this fix widens access ("" when it does not)

    def as_dict(self) -> dict[str, str]:
        return {"command": self.text, "note": self.note, "widens_access": self.widens}


@dataclass
class Explanation:
    finding: Finding
    gate: str  # sign-in, tenant, network, identity, throttling, control plane, item
    identity: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    address: str = ""
    rule: str = ""
    propagation: str = ""
    fixes: list[Command] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # what the paste lacks to say more
    quote: str = ""  # Key Vault's (or Entra's) own words, masked
    config: str | None = None  # with --input: "still refused today" / "admitted today" / …
    config_note: str = ""

    @property
    def code(self) -> str:
        return self.finding.code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.finding.name,
            "severity": self.finding.severity,
            "gate": self.gate,
            "message": self.finding.message,
            "vault": self.finding.resource.name if self.finding.resource else None,
            "identity": self.identity,
            "missing": self.missing,
            "address": self.address or None,
            "rule": self.rule or None,
            "propagation": self.propagation or None,
            "fixes": [c.as_dict() for c in self.fixes],
            "notes": self.notes,
            "unknown": self.unknown,
            "quote": self.quote or None,
            "configuration": self.config,
            "configuration_note": self.config_note or None,
        }


def q(value: str) -> str:
    return shlex.quote(value)


def vault_arg(facts: Facts, unknown: list[str]) -> str:
    if facts.vault:
        return q(facts.vault)
    unknown.append("the vault's name (the vault URL or 'Vault: …' line)")
    return "<vault-name>"


def scope_arg(facts: Facts, unknown: list[str]) -> str:
    if facts.resource:
        return q(facts.resource)
    if facts.vault:
        return f'"$(az keyvault show --name {q(facts.vault)} --query id -o tsv)"'
    unknown.append("the vault's resource id or name (for the role assignment's --scope)")
    return "<vault-resource-id>"


# The credential that gave the token, when the paste's log names it -> (who that is, type)
CREDENTIAL_KINDS = {
    "ManagedIdentityCredential": ("a managed identity", "ServicePrincipal"),
    "WorkloadIdentityCredential": (
        "an app or managed identity through workload identity",
        "ServicePrincipal",
    ),
    "ClientSecretCredential": (
        "an app registration's service principal (client secret)",
        "ServicePrincipal",
    ),
    "ClientCertificateCredential": (
        "an app registration's service principal (certificate)",
        "ServicePrincipal",
    ),
    "AzureCliCredential": ("the user (or service principal) signed in to the Azure CLI", ""),
    "AzureDeveloperCliCredential": ("the identity signed in to the Azure Developer CLI", ""),
    "AzurePowerShellCredential": ("the identity signed in to Azure PowerShell", ""),
    "VisualStudioCredential": ("the user signed in to Visual Studio", "User"),
    "VisualStudioCodeCredential": ("the user signed in to VS Code", "User"),
    "InteractiveBrowserCredential": ("a user signing in interactively", "User"),
}


def identity_of(facts: Facts) -> dict[str, str]:
    """Who really called, as far as the paste says."""
    who: dict[str, str] = {}
    if facts.oid:
        who["object_id"] = facts.oid
    if facts.appid:
        who["app_id"] = facts.appid
    if facts.tenant:
        who["tenant"] = facts.tenant
    client = USER_CLIENTS.get(facts.appid)
    if facts.caller_name == "KeyVault/ManagementPlane":
        who["kind"] = (
            "your identity, through Azure Resource Manager (Key Vault's management plane calls "
            "the data plane on the caller's behalf, as the ARM-based providers do)"
        )
        who["principal_type"] = ""
    elif facts.caller_name:
        who["kind"] = f"the managed identity of the Azure service {facts.caller_name}"
        who["principal_type"] = "ServicePrincipal"
    elif client:
        who["kind"] = f"a user signed in through {client} (app id {facts.appid})"
        who["principal_type"] = "User"
    elif facts.credential in CREDENTIAL_KINDS:
        kind, principal_type = CREDENTIAL_KINDS[facts.credential]
        who["kind"] = f"{kind} ({facts.credential} gave the token, as the paste's log says)"
        if principal_type:
            who["principal_type"] = principal_type
    elif facts.oid and facts.appid:
        who["kind"] = (
            "an application or managed identity (service principal), or a user through a "
            "third-party app"
        )
    if facts.credential and "credential" not in who:
        who["credential"] = facts.credential
    return who


def who(identity: dict[str, str]) -> str:
    if "object_id" in identity:
        return f"object id {identity['object_id']}"
    if "app_id" in identity:
        return f"app id {identity['app_id']}"
    return "an identity the paste does not name"


def finding(code: str, message: str, facts: Facts) -> Finding:
    resource = (
        Resource(facts.vault, facts.resource or facts.vault, facts.resource.split("/")[2])
        if facts.vault and facts.resource
        else Resource(facts.vault, facts.vault)
        if facts.vault
        else None
    )
    return Finding.of(code, message, resource=resource, subject=facts.oid or facts.appid)
