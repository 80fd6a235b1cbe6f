"""A local HTTPS stand-in for Azure Resource Manager, for the real SDK clients to talk to.

Routes map (method, path) to a list of responses served in order (the last one repeats) or to a
function of the request. Every request is recorded, so tests can assert exactly what was sent.
The certificate comes from a trustme CA whose bundle the clients get as ``connection_verify``.
"""

from __future__ import annotations

import argparse
import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from azure.core.credentials import AccessToken

from kvlint.audit.arm import Azure
from kvlint.audit.config import AuditConfig
from kvlint.commands import audit as command

TOKEN = "stub-arm-token"
HSM_LIST = "/providers/microsoft.keyvault/managedhsms"


@dataclass
class Request:
    method: str
    path: str  # as sent (case preserved), no query
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (malformed bodies)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    cut: int | None = None  # send only this many body bytes, then drop the connection


Route = list[Reply] | Callable[[Request], Reply]


def error(status: int, code: str, message: str, **headers: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, headers)


class FakeCredential:
    """The one test double: Entra ID does not exist here. Counts its calls."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.fail = fail

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls.append(scopes)
        if self.fail:
            raise self.fail
        return AccessToken(TOKEN, int(time.time()) + 3600)

    def close(self) -> None:
        pass


class ArmStub:
    def __init__(self, folder: Path) -> None:
        import trustme

        ca = trustme.CA()
        self.ca_path = folder / "stub-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Request] = []
        self.closing = threading.Event()  # cuts delayed replies short when the stub closes
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    json.loads(raw) if raw else None,
                    dict(self.headers.items()),
                )
                reply = stub._reply(request)
                if reply.delay and stub.closing.wait(reply.delay):
                    return
                data = reply.raw if reply.raw is not None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if reply.cut is None:
                    self.wfile.write(data)
                else:
                    self.wfile.write(data[: reply.cut])
                    self.wfile.flush()
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def add(self, method: str, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        """Serve ``replies`` in order for (method, path); a single callable handles every call."""
        key = (method.upper(), path.lower())
        if len(replies) == 1 and callable(replies[0]):
            self.routes[key] = replies[0]
        else:
            self.routes[key] = list(replies)  # type: ignore[arg-type]

    def _reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return error(401, "AuthenticationFailed", "missing or wrong bearer token")
            route = self.routes.get((request.method, request.path.lower()))
            if route is None and request.path.lower().endswith(HSM_LIST):
                return Reply(body={"value": []})  # no Managed HSMs unless a test adds some
            if route is None:
                return error(
                    404, "NoRoute", f"stub has no route for {request.method} {request.path}"
                )
            if callable(route):
                return route(request)
            return route.pop(0) if len(route) > 1 else route[0]

    def seen(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or r.path.lower() == path.lower())
        ]

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


# -- helpers shared by the audit tests ---------------------------------------------------------

READS = re.compile(
    r"^/subscriptions/[^/]+/(resourceGroups/[^/]+/)?providers/Microsoft\.KeyVault/"
    r"(vaults|managedHSMs)(/[^/]+)?"
    r"(/providers/Microsoft\.(Insights/diagnosticSettings|Authorization/roleAssignments"
    r"|Authorization/denyAssignments))?$"
    r"|^(/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/[^/]+$",
    re.IGNORECASE,
)


def list_path(sub: str, rg: str | None = None) -> str:
    middle = f"/resourceGroups/{rg}" if rg else ""
    return f"/subscriptions/{sub}{middle}/providers/Microsoft.KeyVault/vaults"


def diag_path(doc: dict) -> str:
    return doc["id"] + "/providers/Microsoft.Insights/diagnosticSettings"


def connect(stub: ArmStub, credential: FakeCredential | None = None, **options: Any) -> Azure:
    """The auditor's ARM access pointed at the stub, with fast retries (``options`` override)."""
    settings: dict[str, Any] = {
        "retry_total": 3,
        "retry_backoff_factor": 0.01,
        "retry_backoff_max": 0.05,
        "connection_timeout": 5,
        "read_timeout": 10,
        "workers": 4,
        **options,
    }
    return Azure(
        credential or FakeCredential(),
        arm_endpoint=stub.url,
        connection_verify=str(stub.ca_path),
        **settings,
    )


def connect_to(url: str, ca_path: str) -> Azure:
    """The auditor's ARM access for a stub in another process (fast retries)."""
    return Azure(
        FakeCredential(),
        arm_endpoint=url,
        connection_verify=ca_path,
        retry_total=3,
        retry_backoff_factor=0.01,
        retry_backoff_max=0.05,
    )


def audit(
    stub: ArmStub,
    tmp_path,
    *argv: str,
    settings: AuditConfig | None = None,
    credential: FakeCredential | None = None,
    full: bool = False,
    **options: Any,
) -> tuple[int, dict]:
    """Run ``kvlint audit ARGV --format json`` against the stub; (exit code, report)."""
    parser = argparse.ArgumentParser()
    command.add_arguments(parser, "audit")
    report = tmp_path / "report.json"
    args = parser.parse_args([*argv, "--format", "json", "--output-file", str(report)])
    azure = connect(stub, credential, **options)
    code = command.run(args, azure=azure, settings=settings or AuditConfig())
    document = json.loads(report.read_text())
    if not full:  # the per-vault counts and waivers have tests of their own
        document.pop("vaults", None)
        if not document.get("waived"):
            document.pop("waived", None)
    return code, document


def assert_read_only(stub: ArmStub) -> None:
    """Only GETs of the documented read paths, and POSTs of the Resource Graph query."""
    assert stub.requests
    for request in stub.requests:
        if request.method == "POST":
            assert request.path.lower() == "/providers/microsoft.resourcegraph/resources"
        else:
            assert request.method == "GET", f"{request.method} {request.path}"
            assert READS.match(request.path), request.path
        assert request.headers["Authorization"] == "Bearer stub-arm-token"


def by_vault(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in report["findings"]:
        found.setdefault(item["vault"], []).append(item["code"])
    return {name: sorted(codes) for name, codes in found.items()}
