"""One frozen `Settings`, built at the edge (CLI flags, environment) and passed down; no globals.

Every field can be set from the environment as `JUDGEBOX_<FIELD>` (e.g.
`JUDGEBOX_PORT=1200`, `JUDGEBOX_TOKEN=...`); CLI flags win over the environment.
A value that cannot be read is a `ConfigError` naming the variable. Booleans are
`1 true yes on` or `0 false no off` (any case); anything else is an error.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgebox.vocabulary.errors import ConfigError
from judgebox.vocabulary.limits import Limits, parse_duration, parse_size


def bundled_problems_dir() -> Path:
    """The example problems shipped with judgebox (the repository's `problems/`)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "problems"
        if (candidate / "aplusb").is_dir():
            return candidate
    return here.parent / "problems"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about judgebox."""

    # server
    host: str = "127.0.0.1"
    port: int = 1100
    token: str | None = None
    no_auth: bool = False
    cors_origins: tuple[str, ...] = ()
    # Host names answered besides the loopback names and `host` ("*": any); DNS rebinding.
    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    max_code_bytes: int = 128 * 1024  # all files of a submission together
    max_inline_cases: int = 100
    heartbeat_interval: float = 15.0
    graceful_timeout: float = 10.0
    # runs
    problems_dir: Path = field(default_factory=bundled_problems_dir)
    max_active_runs: int = 2
    max_queued_runs: int = 16
    run_time_cap: float = 300.0
    runs_retention: float = 3600.0
    # POST /runs with cancelWhenUnwatched: cancelled after this long without a follower
    unwatched_grace: float = 10.0
    db_path: Path | None = None  # None: judgebox-runs.sqlite3 beside work_root (`database`)
    nats_url: str | None = None
    # scale-out: how long JetStream waits for a worker's ack before redelivering a job
    nats_ack_wait: float = 10.0
    # NATS TLS and credentials (scaleout/security.py, docs/scaleout.md)
    nats_ca: Path | None = None
    nats_cert: Path | None = None
    nats_key: Path | None = None
    nats_tls_first: bool = False
    nats_user: str | None = None
    nats_password: str | None = field(default=None, repr=False)
    nats_token: str | None = field(default=None, repr=False)
    nats_creds: Path | None = None
    nats_nkey: Path | None = None
    nats_inbox_prefix: str | None = None
    # judging
    parallelism: int = field(default_factory=lambda: os.cpu_count() or 1)
    reveal_secret: bool = False
    default_time_limit: float = 2.0
    default_memory_limit: int = 256 * 1024 * 1024
    default_output_limit: int = 64 * 1024 * 1024
    # caps on every compilation: the language's compile limits, lowered to these; 120 s is
    # the slowest language's own compile_time (crystal; kotlin, scala, haskell, nim: 60 s)
    compile_time_limit: float = 120.0
    compile_memory_limit: int = 1024 * 1024 * 1024
    visible_text_limit: int = 4096
    # the most a request's `limits` may ask for (a request above them is refused, 422)
    max_time_limit: float = 10.0
    max_memory_limit: int = 1024 * 1024 * 1024
    max_output_limit: int = 256 * 1024 * 1024
    # compile cache: a bigger compiled program is a CE; past the total, least recently
    # used entries are evicted, except those used within the grace (a run may mount them)
    artifact_size_limit: int = 32 * 1024 * 1024
    compile_cache_limit: int = 2 * 1024 * 1024 * 1024
    compile_cache_grace: float = 600.0
    # sandbox
    work_root: Path = Path("/tmp/judgebox")
    cache_dir: Path = Path("/tmp/judgebox-cache")
    uid_base: int = 61000
    uid_count: int = 64  # box uids from uid_base: one per box in use at once
    insecure: bool = False
    log_level: str = "INFO"

    @property
    def default_limits(self) -> Limits:
        """Limits for a case when the problem gives none."""
        return Limits(
            cpu_time=self.default_time_limit,
            memory=self.default_memory_limit,
            output=self.default_output_limit,
        )

    @property
    def database(self) -> Path:
        """Where finished runs are kept: `db_path`, else judgebox-runs.sqlite3 beside work_root.

        Beside, not inside: the work root holds only what a start may sweep away.
        """
        return self.db_path or self.work_root.parent / "judgebox-runs.sqlite3"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def parse_bool(text: str) -> bool:
    """`1 true yes on` or `0 false no off` (any case); ValueError for anything else."""
    word = text.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError("give one of 1, true, yes, on or 0, false, no, off")


def _whole(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError("give a whole number") from None


def _ack_wait(text: str) -> float:
    seconds = parse_duration(text)
    if not 0.5 <= seconds <= 3600:
        raise ValueError("give the ack wait in seconds, from 0.5 to 3600")
    return seconds


_CONVERTERS: dict[str, Any] = {
    "port": _whole,
    "max_body_bytes": parse_size,
    "max_code_bytes": parse_size,
    "max_inline_cases": _whole,
    "heartbeat_interval": parse_duration,
    "graceful_timeout": parse_duration,
    "max_active_runs": _whole,
    "max_queued_runs": _whole,
    "run_time_cap": parse_duration,
    "runs_retention": parse_duration,
    "unwatched_grace": parse_duration,
    "parallelism": _whole,
    "default_time_limit": parse_duration,
    "default_memory_limit": parse_size,
    "default_output_limit": parse_size,
    "compile_time_limit": parse_duration,
    "compile_memory_limit": parse_size,
    "visible_text_limit": parse_size,
    "max_time_limit": parse_duration,
    "max_memory_limit": parse_size,
    "max_output_limit": parse_size,
    "artifact_size_limit": parse_size,
    "compile_cache_limit": parse_size,
    "compile_cache_grace": parse_duration,
    "uid_base": _whole,
    "uid_count": _whole,
    "nats_ack_wait": _ack_wait,
    "problems_dir": Path,
    "work_root": Path,
    "cache_dir": Path,
    "db_path": Path,
    "nats_ca": Path,
    "nats_cert": Path,
    "nats_key": Path,
    "nats_creds": Path,
    "nats_nkey": Path,
    "nats_tls_first": parse_bool,
    "cors_origins": lambda v: tuple(x.strip() for x in v.split(",") if x.strip()),
    "allowed_hosts": lambda v: tuple(x.strip() for x in v.split(",") if x.strip()),
    "no_auth": parse_bool,
    "reveal_secret": parse_bool,
    "insecure": parse_bool,
}


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from `JUDGEBOX_*` variables, then `overrides` (None values are ignored).

    ConfigError (one line, naming the variable) for a value that cannot be read.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = environ.get(f"JUDGEBOX_{f.name.upper()}")
        if raw is not None:
            convert = _CONVERTERS.get(f.name, str)
            try:
                values[f.name] = convert(raw)
            except ValueError as exc:
                shown = raw if len(raw) <= 40 else raw[:40] + "…"
                reason = " ".join(str(exc).split())
                raise ConfigError(f"JUDGEBOX_{f.name.upper()}={shown!r}: {reason}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
