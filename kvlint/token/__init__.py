"""``kvlint token``'s domain: decode an access token offline and say why Key Vault would reject it.

The token is decoded locally (base64url, no signature check, no network) and is never printed:
output and error messages show at most its first characters and its length.

- :mod:`kvlint.token.decode`: :func:`load` reads a token argument (raw JWT, ``Bearer …``, an
  ``Authorization:`` header line, ``az account get-access-token`` JSON, ``-`` for stdin,
  ``@FILE``) and returns a :class:`Token`;
- :mod:`kvlint.token.diagnose`: ``diagnose()`` checks decoded claims against Key Vault's
  expectations and returns findings (KVT101 to KVT105), shared with ``kvlint audit --token``;
- :mod:`kvlint.token.acquire`: ``--acquire`` (``DefaultAzureCredential``);
- :mod:`kvlint.token.examine`: one run as a typed :class:`~kvlint.token.examine.TokenRequest`.

Rendering lives in :mod:`kvlint.report.token`, the options in :mod:`kvlint.commands.token`.
"""

from kvlint.token.decode import Token, VaultTarget, load, parse, vault_target
from kvlint.token.diagnose import DEFAULT_SKEW, tenant_mismatch

__all__ = [
    "DEFAULT_SKEW",
    "Token",
    "VaultTarget",
    "load",
    "parse",
    "tenant_mismatch",
    "vault_target",
]
