"""Settings from the environment: every value read right, or one clear ConfigError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import judgebox.settings
from judgebox.judging.sandbox_setup import sandbox_config
from judgebox.settings import Settings, settings_from_env
from judgebox.vocabulary.errors import ConfigError, UsageError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("on", True), ("ON", True), ("yes", True), ("1", True), ("true", True), (" True ", True),
     ("off", False), ("no", False), ("0", False), ("false", False), ("FALSE", False)],
)  # fmt: skip
def test_boolean_words_read_right(raw: str, expected: bool) -> None:
    for name in ("INSECURE", "NO_AUTH", "REVEAL_SECRET"):
        settings = settings_from_env({f"JUDGEBOX_{name}": raw})
        assert getattr(settings, name.lower()) is expected, (name, raw)


@pytest.mark.parametrize("raw", ["maybe", "", "2", "enabled", "y"])
def test_any_other_boolean_is_an_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="JUDGEBOX_INSECURE") as error:
        settings_from_env({"JUDGEBOX_INSECURE": raw})
    assert "on" in error.value.message and "off" in error.value.message


def test_a_malformed_number_is_a_usage_error_naming_the_variable() -> None:
    with pytest.raises(UsageError) as error:  # ConfigError is a UsageError: exit status 2
        settings_from_env({"JUDGEBOX_PORT": "abc"})
    assert isinstance(error.value, ConfigError)
    message = error.value.message
    assert message.startswith("JUDGEBOX_PORT='abc'") and "whole number" in message
    assert "\n" not in message


def test_a_malformed_size_or_duration_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="JUDGEBOX_DEFAULT_MEMORY_LIMIT='lots'"):
        settings_from_env({"JUDGEBOX_DEFAULT_MEMORY_LIMIT": "lots"})
    with pytest.raises(ConfigError, match="JUDGEBOX_RUN_TIME_CAP"):
        settings_from_env({"JUDGEBOX_RUN_TIME_CAP": "forever"})


def test_the_database_path_documented_is_the_one_used() -> None:
    settings = Settings(work_root=Path("/srv/jb/work"))
    assert settings.database == Path("/srv/jb/judgebox-runs.sqlite3")
    assert Settings(db_path=Path("/d/runs.db")).database == Path("/d/runs.db")
    # every database file name settings.py mentions (its comments too) is that one
    source = Path(judgebox.settings.__file__).read_text()
    assert set(re.findall(r"[\w./<>-]*\.sqlite3", source)) == {"judgebox-runs.sqlite3"}


def test_the_uid_budget_is_a_setting_the_sandbox_uses() -> None:
    settings = settings_from_env({"JUDGEBOX_UID_COUNT": "200", "JUDGEBOX_UID_BASE": "62000"})
    config = sandbox_config(settings)
    assert (config.uid_base, config.uid_count) == (62000, 200)
    assert sandbox_config(Settings()).uid_count == 64


def test_the_nats_ack_wait_is_a_setting() -> None:
    assert Settings().nats_ack_wait == 10.0
    assert settings_from_env({"JUDGEBOX_NATS_ACK_WAIT": "2.5"}).nats_ack_wait == 2.5
    with pytest.raises(ConfigError, match="JUDGEBOX_NATS_ACK_WAIT='0'"):
        settings_from_env({"JUDGEBOX_NATS_ACK_WAIT": "0"})


def test_flags_win_over_the_environment() -> None:
    settings = settings_from_env({"JUDGEBOX_PORT": "1200"}, port=1300, host=None)
    assert (settings.port, settings.host) == (1300, "127.0.0.1")
