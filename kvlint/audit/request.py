"""What one audit is asked to do: a typed request, built by the command line or by a caller.

:class:`AuditRequest` is the audit domain's only input (besides the injectable Azure access and
settings); :meth:`AuditRequest.validate` refuses contradictory requests with one line that
names the options, since those are how users spell them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kvlint.errors import KvlintError

SUBSCRIPTION = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$", re.I)
CLOUDS = ("public", "china", "usgov")


@dataclass(frozen=True)
class AuditRequest:
    # where the vaults come from: exactly one kind
    subscriptions: tuple[str, ...] = ()
    all_subscriptions: bool = False
    management_groups: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # exported JSON files, '-' for stdin
    parameters: str | None = None  # an ARM parameters file for the templates among the inputs
    iac_only: bool = False  # read only infrastructure code among the inputs, skip the rest
    # narrowing and signing in
    resource_group: str | None = None
    vault: str | None = None
    tenant: str | None = None
    cloud: str = "public"
    diagnostics: bool = True
    timeout: float = 300.0  # one ARM request, every retry and wait included
    # reachability: would this caller get in?
    principal: str | None = None
    token: str | None = None  # JWT, @FILE or '-'
    ip: str | None = None
    permissions: tuple[str, ...] = ()
    subnet: str | None = None
    trusted_service: bool = False
    groups: tuple[str, ...] = ()  # object ids of groups the caller is a member of
    item: str | None = None  # the secret, key or certificate the caller reads (item scopes)

    @property
    def live(self) -> bool:
        return not self.inputs

    def validate(self) -> None:
        chosen = [
            name
            for name, on in (
                ("--subscription", bool(self.subscriptions)),
                ("--all-subscriptions", self.all_subscriptions),
                ("--management-group", bool(self.management_groups)),
                ("--input", bool(self.inputs)),
            )
            if on
        ]
        if self.iac_only and not self.inputs and len(chosen) == 0:
            return  # the pre-commit hook with no file staged: nothing to do
        if self.iac_only and not self.inputs:
            raise KvlintError("--iac-only reads files: give them with --input or as arguments")
        if len(chosen) != 1:
            raise KvlintError(
                "choose one source: --subscription SUB, --all-subscriptions, "
                "--management-group MG or --input FILE"
                + (f" (got {', '.join(chosen)})" if chosen else "")
            )
        for sub in self.subscriptions:
            if not SUBSCRIPTION.match(sub):
                raise KvlintError(f"--subscription {sub!r} is not a subscription id (a GUID)")
        if self.cloud not in CLOUDS:
            raise KvlintError(f"--cloud must be one of {', '.join(CLOUDS)}")
        if not self.timeout > 0:
            raise KvlintError("--timeout must be a positive number of seconds")
        if self.principal and self.token:
            raise KvlintError("give --principal or --token, not both: they name the same caller")
        if self.inputs.count("-") > 1:
            raise KvlintError("--input - can be given once (stdin is read once)")
        if self.token == "-" and "-" in self.inputs:
            raise KvlintError("--token - and --input - cannot both read stdin; use @FILE for one")
        who = "--token" if self.token else "--principal"
        if (self.principal or self.token) and not self.ip:
            raise KvlintError(f"{who} and --ip go together: who calls, and from where")
        if self.ip and not (self.principal or self.token) and not self.inputs:
            raise KvlintError(
                "--principal and --ip go together: who calls, and from where (--ip alone is "
                "the address infrastructure code given with --input is deployed from)"
            )
        if self.parameters and not self.inputs:
            raise KvlintError("--parameters applies to ARM templates given with --input")
        extras = self.permissions or self.subnet or self.trusted_service or self.groups
        if (extras or self.item) and not self.ip:
            raise KvlintError(
                "--permission, --subnet, --group, --item and --trusted-service need "
                "--principal and --ip (or --token and --ip)"
            )
