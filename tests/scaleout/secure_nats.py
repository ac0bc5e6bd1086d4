"""A nats-server run from docs/nats-server.conf.example: TLS certificates made here, two users.

The certificates are made with the `openssl` command line (a CA, the server's
certificate for 127.0.0.1, one client certificate per role, and a client
certificate from another CA that the server must refuse). The example config is
used as shipped, only its paths, port and store are put in: so the tests check
the permissions that operators copy.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "nats-server.conf.example"
API_USER = "judgebox-api"
WORKER_USER = "judgebox-worker"


@dataclass(frozen=True)
class Certificates:
    """PEM files made for one secure nats-server."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    rogue_cert: Path  # signed by another CA
    rogue_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _signed(directory: Path, name: str, ca: str, subject: str, extensions: str) -> None:
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}-key.pem",
             "-out", f"{name}.csr", "-subj", subject, cwd=directory)  # fmt: skip
    (directory / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}-key.pem",
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f"{name}.ext",
             "-out", f"{name}-cert.pem", cwd=directory)  # fmt: skip


def make_certificates(directory: Path) -> Certificates:
    """A CA, a server certificate for 127.0.0.1/localhost, a client one, a rogue client one."""
    directory.mkdir(parents=True, exist_ok=True)
    for ca in ("ca", "rogue-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{ca}-key.pem",
                 "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN=judgebox test {ca}",
                 cwd=directory)  # fmt: skip
    _signed(
        directory,
        "server",
        "ca",
        "/CN=nats test server",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    _signed(directory, "client", "ca", "/CN=judgebox node", "extendedKeyUsage=clientAuth\n")
    _signed(directory, "rogue", "rogue-ca", "/CN=rogue", "extendedKeyUsage=clientAuth\n")
    return Certificates(
        directory / "ca.pem", directory / "server-cert.pem", directory / "server-key.pem",
        directory / "client-cert.pem", directory / "client-key.pem",
        directory / "rogue-cert.pem", directory / "rogue-key.pem",
    )  # fmt: skip


class SecureSetup:
    """Certificates, passwords, the rendered config and each role's JUDGEBOX_NATS_* env."""

    def __init__(self, directory: Path, port: int, store: Path) -> None:
        self.certs = make_certificates(directory / "pki")
        # nats-server parses a variable's value: one starting with a digit would be a number.
        self.passwords = {user: f"pw{secrets.token_hex(12)}" for user in (API_USER, WORKER_USER)}
        text = EXAMPLE.read_text()
        for shipped, mine in (
            ("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{port}"),
            ("/var/lib/judgebox-nats", str(store)),
            ("/etc/nats/server-cert.pem", str(self.certs.server_cert)),
            ("/etc/nats/server-key.pem", str(self.certs.server_key)),
            ("/etc/nats/ca.pem", str(self.certs.ca)),
        ):
            assert shipped in text, shipped
            text = text.replace(shipped, mine)
        self.config = directory / "nats-server.conf"
        self.config.write_text(text)
        self.url = f"tls://127.0.0.1:{port}"

    def server_env(self) -> dict[str, str]:
        """nats-server's environment: the passwords the config refers to."""
        return {"JUDGEBOX_API_PASSWORD": self.passwords[API_USER],
                "JUDGEBOX_WORKER_PASSWORD": self.passwords[WORKER_USER]}  # fmt: skip

    def tls_env(self) -> dict[str, str]:
        """JUDGEBOX_NATS_* of the client certificate."""
        return {"JUDGEBOX_NATS_CA": str(self.certs.ca),
                "JUDGEBOX_NATS_CERT": str(self.certs.client_cert),
                "JUDGEBOX_NATS_KEY": str(self.certs.client_key)}  # fmt: skip

    def role_env(self, user: str) -> dict[str, str]:
        """Everything a node of this role needs in its environment."""
        inbox = "_INBOX_api" if user == API_USER else "_INBOX_worker"
        return {**self.tls_env(), "JUDGEBOX_NATS_USER": user,
                "JUDGEBOX_NATS_PASSWORD": self.passwords[user],
                "JUDGEBOX_NATS_INBOX_PREFIX": inbox}  # fmt: skip
