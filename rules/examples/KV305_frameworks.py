"""KV305 and KV306 in Azure Functions, class-based views and aiohttp."""

import azure.functions as func
from aiohttp import web
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient
from django.views import View

VAULT_URL = "https://contoso.vault.azure.net"
credential = ManagedIdentityCredential()
client = SecretClient(VAULT_URL, credential)
function_app = func.FunctionApp()


def main(req: func.HttpRequest) -> func.HttpResponse:
    value = client.get_secret("greeting").value  # expect: KV305@13 "Key Vault read per request"
    return func.HttpResponse(f"length {len(value)}")


@function_app.route(route="hello")
def hello(req):
    per_call = SecretClient(VAULT_URL, credential)  # expect: KV306@16 "new SecretClient"
    per_call.get_secret("hello")  # expect: KV305@5 "Key Vault read per request"
    return func.HttpResponse("ok")


@function_app.timer_trigger(schedule="0 */5 * * * *", arg_name="timer")
def refresh(timer: func.TimerRequest) -> None:
    client.get_secret("rotated")  # a timer runs on its schedule: not per request or message


@function_app.queue_trigger(arg_name="msg", queue_name="jobs", connection="Storage")
def job(msg: func.QueueMessage) -> None:
    client.get_secret("job-key")  # expect: KV305@5 "Key Vault read per task or message" (per message: the same 429 as a route)


class OrdersView(View):
    def get(self, request):
        client.get_secret("orders-key")  # expect: KV305@9 "Key Vault read per request"
        return None

    def helper_name(self):
        return "not a view method"


async def handle(request: web.Request) -> web.Response:
    client.get_secret("aiohttp-key")  # expect: KV305@5 "Key Vault read per request"
    return web.Response(text="ok")


def order_view(request):
    # A module importing Django: a function whose first parameter is `request` is a view.
    client.get_secret("django-key")  # expect: KV305@5 "Key Vault read per request"
    return None
