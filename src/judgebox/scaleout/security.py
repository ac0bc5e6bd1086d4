"""How a node proves who it is to NATS and checks who NATS is: TLS and credentials from Settings.

    JUDGEBOX_NATS_CA / --nats-ca          CA file that signed the server's certificate
    JUDGEBOX_NATS_CERT, _KEY              this node's client certificate and key (mutual TLS)
    JUDGEBOX_NATS_TLS_FIRST               TLS before the INFO line (nats-server ≥ 2.10.4's
                                          handshake_first); off by default
    JUDGEBOX_NATS_USER, _PASSWORD         user/password authorization
    JUDGEBOX_NATS_TOKEN                   token authorization
    JUDGEBOX_NATS_CREDS                   a .creds file (JWT + NKey seed, decentralized auth)
    JUDGEBOX_NATS_NKEY                    a file holding an NKey seed (SU…)
    JUDGEBOX_NATS_INBOX_PREFIX            reply subjects' prefix (default _INBOX), so that a
                                          server config can give each role its own inboxes

Every file is checked before connecting, so that a typo is one clear line, not a
TLS or authorization error from deep inside nats-py. `docs/nats-server.conf.example`
is the server side of these options.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from judgebox.settings import Settings
from judgebox.vocabulary.errors import JudgeboxError


def uses_tls(settings: Settings) -> bool:
    """Whether the connection is TLS (a tls:// URL or any TLS file given)."""
    url = settings.nats_url or ""
    return url.startswith("tls://") or any(
        (settings.nats_ca, settings.nats_cert, settings.nats_key, settings.nats_tls_first)
    )


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The client TLS context, or None for a plain connection; JudgeboxError on a bad file."""
    if not uses_tls(settings):
        return None
    if (settings.nats_cert is None) != (settings.nats_key is None):
        raise JudgeboxError("give both --nats-cert and --nats-key (the client certificate and key)")
    for label, path in (("--nats-ca", settings.nats_ca), ("--nats-cert", settings.nats_cert),
                        ("--nats-key", settings.nats_key)):  # fmt: skip
        _readable(label, path)
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        if settings.nats_ca is not None:
            context.load_verify_locations(cafile=str(settings.nats_ca))
        if settings.nats_cert is not None and settings.nats_key is not None:
            context.load_cert_chain(str(settings.nats_cert), str(settings.nats_key))
    except ssl.SSLError as exc:
        raise JudgeboxError(f"the NATS TLS files cannot be used: {exc.reason or exc}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `nats.connect` for TLS and authorization (none: a bare URL)."""
    options: dict[str, Any] = {}
    context = tls_context(settings)
    if context is not None:
        options["tls"] = context
        options["tls_handshake_first"] = settings.nats_tls_first
    ways = [name for name, given in (
        ("--nats-user", settings.nats_user), ("--nats-token", settings.nats_token),
        ("--nats-creds", settings.nats_creds), ("--nats-nkey", settings.nats_nkey),
    ) if given]  # fmt: skip
    if len(ways) > 1:
        raise JudgeboxError(f"give one way to authenticate to NATS, not {' and '.join(ways)}")
    if settings.nats_password and not settings.nats_user:
        raise JudgeboxError("--nats-password needs --nats-user")
    if settings.nats_user:
        options["user"] = settings.nats_user
        options["password"] = settings.nats_password or ""
    elif settings.nats_token:
        options["token"] = settings.nats_token
    elif settings.nats_creds or settings.nats_nkey:
        _need_nkeys()
        if settings.nats_creds:
            options["user_credentials"] = _readable("--nats-creds", settings.nats_creds)
        else:
            options["nkeys_seed"] = _readable("--nats-nkey", settings.nats_nkey)
    if settings.nats_inbox_prefix:
        options["inbox_prefix"] = settings.nats_inbox_prefix
    return options


def describe(settings: Settings) -> str:
    """How this node connects, for the log (never a secret)."""
    parts = ["TLS" if uses_tls(settings) else "no TLS"]
    if settings.nats_cert:
        parts.append("client certificate")
    if settings.nats_user:
        parts.append(f"user {settings.nats_user}")
    elif settings.nats_token:
        parts.append("token")
    elif settings.nats_creds:
        parts.append("creds file")
    elif settings.nats_nkey:
        parts.append("NKey")
    else:
        parts.append("no credentials")
    return ", ".join(parts)


def _readable(label: str, path: Path | None) -> str:
    if path is None:
        return ""
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise JudgeboxError(f"{label} {path}: {exc.strerror or exc}") from exc
    return str(path)


def _need_nkeys() -> None:
    try:
        import nkeys  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError as exc:
        raise JudgeboxError(
            "NKey and .creds authentication need the `nkeys` package: pip install 'nats-py[nkeys]'"
        ) from exc
