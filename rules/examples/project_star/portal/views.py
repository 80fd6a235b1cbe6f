"""Django class-based views that mention no Key Vault word: the helper comes in through a star
import of a first-party module."""

from django.http import JsonResponse
from django.views import View

from portal.analytics import *  # noqa: F403


class Dashboard(View):
    def get(self, request):
        key = Analytics().api_key()  # noqa: F405
        return JsonResponse({"ok": bool(key)})
