"""The agent's own Ed25519 key: made on first run, kept in a 0600 file, never sent anywhere but as a public JWK.

It signs two kinds of short JWTs: an *assertion* (who the agent is, 60 s, for opening its own missions) and a *DPoP
proof* (RFC 9449) for every use of a passport bound to the key, so a stolen passport is useless without the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import ConfigurationError

DEFAULT_KEY_DIR = Path.home() / ".mandate" / "keys"
ASSERTION_SECONDS = 60


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class AgentKey:
    """An agent's key pair and what enrollment said about it."""

    agent_id: str
    private_key: Ed25519PrivateKey
    issuer: str | None = None
    tenant_id: str | None = None
    path: Path | None = None

    @classmethod
    def generate(cls, agent_id: str) -> AgentKey:
        return cls(agent_id, Ed25519PrivateKey.generate())

    @property
    def public_jwk(self) -> dict[str, str]:
        raw = self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}

    @property
    def thumbprint(self) -> str:
        """RFC 7638: the key's id on the server and in a bound passport's ``cnf.jkt``."""
        jwk = self.public_jwk
        return b64url(hashlib.sha256(_compact({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]})).digest())

    @property
    def enrolled(self) -> bool:
        return self.issuer is not None

    def sign(self, header: dict[str, Any], payload: dict[str, Any]) -> str:
        signing_input = b64url(_compact(header)) + "." + b64url(_compact(payload))
        return signing_input + "." + b64url(self.private_key.sign(signing_input.encode("ascii")))

    def assertion(self) -> str:
        """Who this agent is, for 60 seconds, to this issuer only (private_key_jwt style)."""
        if self.issuer is None:
            raise ConfigurationError(f"agent {self.agent_id}'s key is not enrolled yet")
        now = int(time.time())
        return self.sign(
            {"alg": "EdDSA", "typ": "JWT", "kid": self.thumbprint},
            {
                "iss": self.agent_id,
                "sub": self.agent_id,
                "aud": self.issuer,
                "iat": now,
                "exp": now + ASSERTION_SECONDS,
                "jti": str(uuid.uuid4()),
            },
        )

    def proof(self, method: str, url: str, access_token: str) -> str:
        """A DPoP proof for one request: its method, its URL without query or fragment, the passport's hash."""
        scheme, netloc, path, _, _ = urlsplit(url)
        return self.sign(
            {"alg": "EdDSA", "typ": "dpop+jwt", "jwk": self.public_jwk},
            {
                "htm": method.upper(),
                "htu": urlunsplit((scheme, netloc, path, "", "")),
                "ath": b64url(hashlib.sha256(access_token.encode("ascii")).digest()),
                "iat": int(time.time()),
                "jti": str(uuid.uuid4()),
            },
        )

    # ---- the key file ------------------------------------------------------------------------------------------------

    @staticmethod
    def file_for(agent_id: str, key_dir: Path) -> Path:
        if not agent_id or "/" in agent_id or agent_id.startswith("."):
            raise ConfigurationError(f"not an agent id: {agent_id!r}")
        return key_dir / f"{agent_id}.json"

    @classmethod
    def load(cls, agent_id: str, key_dir: Path) -> AgentKey | None:
        path = cls.file_for(agent_id, key_dir)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        if stat.st_mode & 0o077:
            raise ConfigurationError(f"{path} is readable by others (mode {stat.st_mode & 0o777:o}): chmod 600 it")
        data = json.loads(path.read_text())
        private_key = serialization.load_pem_private_key(data["private_key"].encode(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise ConfigurationError(f"{path} does not hold an Ed25519 key")
        return cls(agent_id, private_key, data.get("issuer"), data.get("tenant_id"), path)

    def save(self, key_dir: Path) -> Path:
        """Written whole or not at all, with mode 0600 from the start (never a moment readable by others)."""
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.file_for(self.agent_id, key_dir)
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        body = json.dumps(
            {
                "agent_id": self.agent_id,
                "key_id": self.thumbprint,
                "issuer": self.issuer,
                "tenant_id": self.tenant_id,
                "private_key": pem,
            },
            indent=2,
        )
        fd, tmp = tempfile.mkstemp(dir=key_dir, prefix=".key-")  # mkstemp creates it 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.path = path
        return path


class AssertionAuth:
    """An agent authenticating as itself: a fresh 60 s assertion per attempt."""

    def __init__(self, key: AgentKey) -> None:
        self.key = key

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key.assertion()}"}


class PassportAuth:
    """A passport: bound to the agent's key (DPoP, a fresh proof per attempt) or, without a key, a bearer token."""

    def __init__(self, token: str, key: AgentKey | None) -> None:
        self.token = token
        self.key = key

    def headers(self, method: str, url: str) -> dict[str, str]:
        if self.key is None:
            return {"authorization": f"Bearer {self.token}"}
        return {"authorization": f"DPoP {self.token}", "dpop": self.key.proof(method, url, self.token)}

    def __repr__(self) -> str:
        return f"PassportAuth(bound={self.key is not None})"
