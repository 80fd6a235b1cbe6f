import logging
from logging import Logger

from azure.keyvault import KeyVaultClient
from msrestazure.azure_active_directory import MSIAuthentication as MSICredentials, ServicePrincipalCredentials


class KeyVaultOAuthClient(KeyVaultClient):
    KEY_VAULT_RESOURCE_URL = 'https://vault.azure.net'

    KEY_VAULT_URL_TEMPLATE = 'https://{key_vault_name}.vault.azure.net/'
    LATEST_SECRET_VERSION = ''

    def __init__(self, client_id=None, client_secret=None, tenant_id=None, use_msi=False, logger=None, *args, **kwargs):
        self._logger = logger or logging.getLogger(KeyVaultOAuthClient.__class__.__name__)
        if not use_msi and (not client_id or not client_secret or not tenant_id):
            err = 'You should either use MSI, or pass a valid client ID, secret and tenant ID'
            self._logger.error(err)
            raise ValueError(err)
        self._using_msi = use_msi
        if use_msi:
            msi_creds = MSICredentials(resource=self.KEY_VAULT_RESOURCE_URL, client_id=client_id)
            super(KeyVaultOAuthClient, self).__init__(msi_creds, *args, **kwargs)
        else:
            adal_creds = ServicePrincipalCredentials(client_id, client_secret, tenant=tenant_id,
                                                     resource=self.KEY_VAULT_RESOURCE_URL)
            super(KeyVaultOAuthClient, self).__init__(adal_creds, *args, **kwargs)

    def get_secret_with_key_vault_name(self, key_vault_name, secret_name, secret_version=LATEST_SECRET_VERSION):
        key_vault_url = self.KEY_VAULT_URL_TEMPLATE.format(key_vault_name=key_vault_name)
        try:
            return self.get_secret(key_vault_url, secret_name, secret_version).value
        except Exception as e:
            self._logger.error('Failed retrieving secret vault={} secret={} version={} using_msi={}'.format(
                key_vault_url, secret_name, secret_version, self._using_msi
            ))
            raise e
