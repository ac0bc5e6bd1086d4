"""`write_atomically`: many writers at once, a planted link, a failed write."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest

from judgebox.vocabulary.files import write_atomically


def test_writers_at_once_each_replace_the_whole_file_and_leave_nothing(tmp_path: Path) -> None:
    target = tmp_path / "entry.json"
    writers = 8
    barrier = Barrier(writers)

    def write(n: int) -> None:
        barrier.wait()
        for _ in range(50):
            write_atomically(target, str(n).encode() * 1000)

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    text = target.read_text()
    assert text == text[0] * 1000  # one writer's whole content, never a mix
    assert os.listdir(tmp_path) == ["entry.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_link_at_the_target_is_replaced_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    target = tmp_path / "entry"
    target.symlink_to(victim)
    write_atomically(target, b"new", 0o600)
    assert victim.read_text() == "keep"
    assert not target.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "entry"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["entry"]
