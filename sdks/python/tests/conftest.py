"""A real Mandate for the SDK's tests: the embedded server built by ``npm run build``, on loopback, with a throwaway CA
its credential proxy trusts and an HTTPS upstream on loopback serving a certificate from that CA. Nothing on the
Mandate side is mocked: every test talks HTTP to the server the product ships.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from mandate import Mandate

ROOT = Path(__file__).resolve().parents[3]
MAIN = ROOT / "dist" / "apps" / "mandate" / "src" / "main.js"
ADMIN_KEY = "mandate-sdk-tests-admin-key-0123456789abcdef"
SECRET = "sk_test_upstream_secret_never_in_the_agent"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Certificates:
    dir: Path
    ca_file: Path
    cert_file: Path
    key_file: Path


def make_certificates() -> Certificates:
    """The project's one throwaway-CA maker (scripts/test-ca.js), its files copied into a dir of the tests' own."""
    script = "const c = require(process.argv[1]).makeTestCertificates(); console.log(JSON.stringify(c))"
    out = subprocess.run(["node", "-e", script, str(ROOT / "scripts" / "test-ca.js")], check=True, capture_output=True, text=True)
    made = json.loads(out.stdout)
    target = Path(tempfile.mkdtemp(prefix="mandate-sdk-ca-"))
    (target / "ca.pem").write_text(made["caPem"])
    (target / "server.pem").write_text(made["certPem"])
    (target / "server.key").write_text(made["keyPem"])
    return Certificates(target, target / "ca.pem", target / "server.pem", target / "server.key")


class MandateServer:
    """The embedded Mandate process: started, awaited on /readyz, killed (-9 if asked) and started again on its data."""

    def __init__(self, certificates: Certificates) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="mandate-sdk-data-"))
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "MANDATE_DATA_DIR": str(self.data_dir),
            "MANDATE_ADMIN_KEY": ADMIN_KEY,
            "MANDATE_PROXY_CA_FILE": str(certificates.ca_file),
            "LOG_LEVEL": "warn",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not MAIN.exists():
            raise RuntimeError(f"{MAIN} is missing: run `npm run build` at the repository root first")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(["node", str(MAIN)], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Mandate exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a process that is starting: there is no event to await
        raise RuntimeError(f"Mandate did not become ready in 60 s:\n{self.tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def restart(self, sig: int = signal.SIGKILL) -> None:
        self.stop(sig)
        self.start()

    def tail(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except FileNotFoundError:
            return ""


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Upstream:
    """An HTTPS API on loopback, as the credential proxy's upstream: it answers what it received, and keeps it."""

    url: str
    received: list[Received] = field(default_factory=list)


def start_upstream(certificates: Certificates) -> tuple[Upstream, ThreadingHTTPServer]:
    port = free_port()
    upstream = Upstream(f"https://localhost:{port}")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            upstream.received.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            authorized = self.headers.get("authorization") == f"Bearer {SECRET}"
            payload = json.dumps(
                {"ok": authorized, "method": self.command, "path": self.path, "body": body.decode() if body else None}
            ).encode()
            self.send_response(200 if authorized else 401)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.cert_file, certificates.key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return upstream, httpd


@pytest.fixture(scope="session")
def certificates() -> Iterator[Certificates]:
    made = make_certificates()
    yield made
    shutil.rmtree(made.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server(certificates: Certificates) -> Iterator[MandateServer]:
    mandate = MandateServer(certificates)
    mandate.start()
    yield mandate
    mandate.stop()
    # The data and the log go with the session (a failing start says the log's tail in its error).
    shutil.rmtree(mandate.data_dir, ignore_errors=True)
    mandate.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def upstream(certificates: Certificates) -> Iterator[Upstream]:
    up, httpd = start_upstream(certificates)
    yield up
    httpd.shutdown()


@dataclass
class Tenant:
    id: str
    key: str
    operator: Mandate


@pytest.fixture
def tenant(server: MandateServer, upstream: Upstream) -> Iterator[Tenant]:
    """A tenant of the test's own, its admin key in an operator client, and the loopback upstream registered as the
    service ``echo`` (its secret is what the upstream wants; the agent never sees it)."""
    with Mandate(server.url, api_key=ADMIN_KEY) as admin:
        created = admin.tenants.create(f"sdk-{uuid.uuid4().hex[:8]}")
    operator = Mandate(server.url, api_key=created.admin_key.key)
    operator.services.register("echo", hosts=["localhost"], internal_hosts=["localhost"], secret=SECRET)
    yield Tenant(created.tenant_id, created.admin_key.key, operator)
    operator.close()


AgentFactory = Callable[..., Mandate]


@pytest.fixture
def make_agent(tenant: Tenant, server: MandateServer, tmp_path: Path) -> Iterator[AgentFactory]:
    """An agent registered by the operator, and its runtime (``Mandate(agent_id=...)``) enrolled with a one-time token:
    the runtime holds its own key (in the test's temp dir) and no operator key. Other keyword arguments go to the
    runtime (``http_client=``, ``retry=``)."""
    runtimes: list[Mandate] = []

    def make(
        mode: str = "logged", services: tuple[str, ...] = ("echo", "slack", "stripe"), name: str = "agent", **options: Any
    ) -> Mandate:
        agent = tenant.operator.agents.register(name, accountability_mode=mode, allowed_services=list(services))  # type: ignore[arg-type]
        token = tenant.operator.agents.enrollment_token(agent.id).token
        runtime = Mandate(server.url, agent_id=agent.id, key_dir=tmp_path / "keys", enrollment_token=token, **options)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()
