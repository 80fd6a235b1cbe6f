"""Fabric / Synapse notebook tokens: getToken's audience is a token resource."""

from notebookutils import mssparkutils

token = mssparkutils.credentials.getToken("https://vault.azure.net/")  # expect: KV101@43 "Key Vault token resource"
storage = mssparkutils.credentials.getToken("storage")
