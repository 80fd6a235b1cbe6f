"""A star import from a third-party module says nothing about what `Analytics` is: unknown stays
unknown, even though a first-party class has the same name."""

from django.http import JsonResponse
from django.views import View
from vendor_sdk.helpers import *  # noqa: F403


class Other(View):
    def get(self, request):
        return JsonResponse({"ok": bool(Analytics().api_key())})  # noqa: F405
