"""A class-based view three modules away from the vault: the view builds a service (module
layers.services.reports), whose method opens a session (module layers.infra.session), whose
method reads the secret through a ``self`` helper. KV305 / KV306 are reported at the read and
the constructions in layers/infra/session.py, naming the chain."""

from django.http import JsonResponse
from django.views import View

from layers.services.invoices import CachedInvoiceService, InvoiceService
from layers.services.reports import ReportBuilder

SHARED = ReportBuilder()  # once, at import


class ReportView(View):
    def get(self, request):
        builder = ReportBuilder()
        return JsonResponse({"rows": builder.build()})


class SharedReportView(View):
    def get(self, request):
        return JsonResponse({"rows": SHARED.rows})


class InvoiceView(View):
    def get(self, request, tenant):
        service = InvoiceService(tenant)
        return JsonResponse({"signed": bool(service.key)})


class CachedInvoiceView(View):
    def get(self, request, tenant):
        return JsonResponse({"signed": bool(CachedInvoiceService(tenant).key)})
