"""The language table's parsed TOML is kept in the probe cache (issue 17) and follows the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from judgebox.languages.table import load_languages
from judgebox.vocabulary.errors import LanguageTableError
from judgebox.vocabulary.probe_cache import ProbeCache

TABLE = Path(__file__).resolve().parents[2] / "src/judgebox/languages/languages.toml"


def test_a_cached_table_is_the_parsed_one_and_a_changed_file_is_read_again(
    tmp_path: Path,
) -> None:
    table = tmp_path / "languages.toml"
    table.write_text(TABLE.read_text())
    cache = ProbeCache(tmp_path / "probes")
    parsed = load_languages(table)
    assert load_languages(table, cache=cache) == parsed  # a miss: parsed and stored
    assert (tmp_path / "probes" / "languages-toml.json").is_file()
    assert load_languages(table, cache=cache) == parsed  # a hit
    # another name for C: the file changes (size, mtime), so the cache entry no longer holds
    table.write_text(table.read_text().replace('name = "C (GCC)"', 'name = "C, cached?"'))
    os.utime(table, ns=(1, 1))
    assert load_languages(table, cache=cache)["c"].name == "C, cached?"


def test_a_broken_table_is_an_error_even_when_a_good_one_was_cached(tmp_path: Path) -> None:
    table = tmp_path / "languages.toml"
    table.write_text(TABLE.read_text())
    cache = ProbeCache(tmp_path / "probes")
    load_languages(table, cache=cache)
    table.write_text(table.read_text() + "\n[languages.c\n")
    with pytest.raises(LanguageTableError, match="not valid TOML"):
        load_languages(table, cache=cache)
