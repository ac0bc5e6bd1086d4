"""The one place `Settings` become a `SandboxConfig` (server, CLI and worker all call this).

It lives in judging/ because `settings` and `sandbox` are peers that may not import
each other; judging is the lowest layer that sees both.
"""

from __future__ import annotations

from judgebox.sandbox import Sandbox, SandboxConfig
from judgebox.settings import Settings


def sandbox_config(settings: Settings) -> SandboxConfig:
    """The sandbox host's configuration for these settings."""
    return SandboxConfig(
        work_root=settings.work_root,
        uid_base=settings.uid_base,
        uid_count=settings.uid_count,
        insecure=settings.insecure,
    )


def open_sandbox(settings: Settings) -> Sandbox:
    """Open the sandbox host as the settings say (logs the isolation line)."""
    return Sandbox.open(sandbox_config(settings))
