"""KV100 unused-suppression."""

from azure.identity import DefaultAzureCredential

credential = DefaultAzureCredential()
credential.get_token("https://vault.azure.net/.default")  # noqa: KV101  # expect: KV100@59 "unused suppression for KV101"
credential.get_token("https://vault.azure.net/.default")  # noqa: E501, KV101  # expect: KV100@59 "unused suppression for KV101"
credential.get_token("https://vault.azure.net/.default")  # kvlint: ignore[KV101]  # expect: KV100@59 "unused suppression for KV101"

# ---- negatives -------------------------------------------------------------------------------
credential.get_token("https://vault.azure.net/")  # noqa: KV101
credential.get_token("https://vault.azure.net/")  # kvlint: ignore[KV101]
credential.get_token("https://vault.azure.net/.default")  # noqa: E501
credential.get_token("https://vault.azure.net/.default")  # noqa
TEXT = "a string mentioning # noqa: KV101 is not a directive"
