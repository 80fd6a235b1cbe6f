"""A service whose constructor calls a factory of another module (layers.infra.keys), which
calls the accessor (layers.infra.accessor): built per request by a route, the read is too."""

from layers.infra.keys import cached_key, signing_key


class InvoiceService:
    def __init__(self, tenant):
        self.tenant = tenant
        self.key = signing_key(tenant)


class CachedInvoiceService:
    def __init__(self, tenant):
        self.key = cached_key(tenant)
