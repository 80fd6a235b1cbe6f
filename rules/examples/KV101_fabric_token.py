"""Fabric / Synapse notebook tokens: getToken's audience is a token resource."""

from notebookutils import mssparkutils

token = mssparkutils.credentials.getToken("https://vault.azure.net/")  # expect: KV101@43 "Key Vault token resource", KV105@9 "access token captured once at module level and"
storage = mssparkutils.credentials.getToken("storage")  # expect: KV105@11 "access token for Azure Storage captured once at"
