"""Routes: each request reaches Key Vault two modules away (KV305 / KV306 are reported at the
read and the construction in billing/secrets.py, naming the chain)."""

from flask import Flask

from billing.services.invoices import audit, cached_settings, get_settings, memo_settings, sign
from billing.services.reports import ReportService

app = Flask(__name__)
AUDIT = audit()  # once, at import
SHARED = ReportService()  # once, at import: its constructor's read is not per request


@app.route("/invoice/<tenant>")
def invoice(tenant):
    settings = get_settings(tenant)  # per request -> get_settings() -> read_secret()
    return {"ok": bool(settings)}


@app.route("/sign/<doc>")
def sign_document(doc):
    return {"signed": bool(sign(doc))}  # per request -> sign() -> signing_client()


@app.route("/report")
def report():
    return {"ok": bool(ReportService().key)}  # per request -> ReportService.__init__()


# ---- negatives -------------------------------------------------------------------------------
@app.route("/cached/<tenant>")
def cached(tenant):
    return {"ok": bool(cached_settings(tenant))}  # cached in the service


@app.route("/memo/<tenant>")
def memo(tenant):
    return {"ok": bool(memo_settings(tenant))}  # remembered in the service


@app.route("/shared")
def shared():
    return {"title": SHARED.title()}  # the shared instance: built once
