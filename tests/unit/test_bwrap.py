"""The bubblewrap command line of a box (pure): isolation flags, mounts, environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from judgebox.sandbox.bwrap import (
    BOX_DIR,
    BWRAP,
    EMPTY_FILE,
    SUPERVISOR_IN_BOX,
    BoxLayout,
    Mount,
    box_env,
    bwrap_argv,
    synthetic_etc_files,
)

# bwrap options this module may use, with how many arguments each takes.
ARITY = {
    "--unshare-user": 0, "--unshare-pid": 0, "--unshare-net": 0, "--unshare-ipc": 0,
    "--unshare-uts": 0, "--unshare-cgroup": 0, "--disable-userns": 0,
    "--die-with-parent": 0, "--new-session": 0, "--as-pid-1": 0, "--clearenv": 0,
    "--hostname": 1, "--proc": 1, "--dev": 1, "--size": 1, "--perms": 1, "--tmpfs": 1,
    "--dir": 1, "--remount-ro": 1, "--chdir": 1, "--seccomp": 1, "--info-fd": 1,
    "--ro-bind": 2, "--bind": 2, "--symlink": 2, "--setenv": 2, "--mqueue": 1,
}  # fmt: skip

LAYOUT = BoxLayout(
    supervisor=Path("/w/bin/supervisor-abc"),
    synthetic_etc=Path("/w/p1-2/etc-61000"),
    mounts=(Mount(Path("/w/runs/r1"), "/box"), Mount(Path("/w/runs/r1/out"), "/out", True)),
    tmp_size=32 * 1024 * 1024,
    env={"JAVA_TOOL_OPTIONS": "-Xss64m"},
)


def parse(argv: list[str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Split a bwrap argv into (option, args...) tuples and the command after `--`."""
    assert argv[0] == BWRAP
    options: list[tuple[str, ...]] = []
    i = 1
    while argv[i] != "--":
        name = argv[i]
        assert name in ARITY, f"unexpected bwrap option {name}: add it to this test on purpose"
        options.append((name, *argv[i + 1 : i + 1 + ARITY[name]]))
        i += 1 + ARITY[name]
    return options, argv[i + 1 :]


def build(layout: BoxLayout = LAYOUT, seccomp_fd: int | None = 7) -> list[tuple[str, ...]]:
    options, command = parse(
        bwrap_argv(
            layout, sock_fd=5, seccomp_fd=seccomp_fd, info_fd=9, existing=["/etc/ld.so.cache"]
        )
    )
    assert command == [SUPERVISOR_IN_BOX, "5"]
    return options


@pytest.mark.parametrize(
    "flag",
    [
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup", "--disable-userns", "--new-session", "--as-pid-1", "--clearenv",
    ],
)  # fmt: skip
def test_every_isolation_flag_is_there(flag: str) -> None:
    assert (flag,) in build()


def test_the_owner_pidfd_replaces_die_with_parent() -> None:
    """With a pidfd to watch, bwrap must not kill its outer process mid-start (it would
    leave the child waiting for ever); without one, the parent-death signal is all there is."""
    assert ("--die-with-parent",) in build()  # no owner_fd
    watched, command = parse(
        bwrap_argv(LAYOUT, sock_fd=5, seccomp_fd=7, info_fd=9, owner_fd=11, existing=[])
    )
    assert ("--die-with-parent",) not in watched
    assert command == [SUPERVISOR_IN_BOX, "5", "11"]


def test_usr_is_read_only_and_the_root_is_remounted_read_only_after_every_mount() -> None:
    options = build()
    assert ("--ro-bind", "/usr", "/usr") in options
    remount = options.index(("--remount-ro", "/"))
    last_mount = max(i for i, o in enumerate(options) if o[0] in ("--bind", "--ro-bind"))
    assert remount > last_mount


def test_tmp_is_a_size_capped_tmpfs() -> None:
    options = build()
    tmpfs = options.index(("--tmpfs", "/tmp"))
    assert options[tmpfs - 2 : tmpfs] == [("--size", str(32 * 1024 * 1024)), ("--perms", "1777")]


def test_mounts_keep_their_mode_and_nothing_else_of_the_host_is_bound() -> None:
    binds = [o for o in build() if o[0] in ("--bind", "--ro-bind")]
    assert ("--ro-bind", "/w/runs/r1", "/box") in binds
    assert ("--bind", "/w/runs/r1/out", "/out") in binds
    writable = [o for o in binds if o[0] == "--bind"]
    assert writable == [("--bind", "/w/runs/r1/out", "/out")]
    sources = {o[1] for o in binds}
    etc = {f"/w/p1-2/etc-61000/{n}" for n in synthetic_etc_files(61000)}
    assert sources == {"/usr", "/w/runs/r1", "/w/runs/r1/out", "/w/bin/supervisor-abc",
                       "/etc/ld.so.cache"} | etc  # fmt: skip
    assert ("--ro-bind", "/w/bin/supervisor-abc", SUPERVISOR_IN_BOX) in binds


def test_host_etc_paths_that_do_not_exist_are_left_out() -> None:
    binds = {o[1] for o in build() if o[0] == "--ro-bind"}
    assert "/etc/ld.so.cache" in binds
    assert "/etc/alternatives" not in binds  # not in `existing`


def test_relative_mount_sources_become_absolute() -> None:
    layout = BoxLayout(Path("/s"), Path("/e"), mounts=(Mount(Path("runs/r1"), BOX_DIR),))
    binds = [o for o in build(layout) if o[0] == "--ro-bind" and o[2] == BOX_DIR]
    assert len(binds) == 1 and Path(binds[0][1]).is_absolute()


def test_environment_is_cleared_and_minimal() -> None:
    options = build()
    env = {o[1]: o[2] for o in options if o[0] == "--setenv"}
    assert env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                   "TMPDIR": "/tmp", "JAVA_TOOL_OPTIONS": "-Xss64m"}  # fmt: skip
    assert options.index(("--clearenv",)) < min(
        i for i, o in enumerate(options) if o[0] == "--setenv"
    )


def test_seccomp_fd_is_passed_only_when_given() -> None:
    assert ("--seccomp", "7") in build(seccomp_fd=7)
    assert not [o for o in build(seccomp_fd=None) if o[0] == "--seccomp"]
    assert ("--info-fd", "9") in build()


def test_box_env_extras_override_defaults() -> None:
    assert box_env({"HOME": "/box"})["HOME"] == "/box"
    assert set(box_env({})) == {"PATH", "HOME", "LANG", "TMPDIR"}


def test_synthetic_etc_names_the_box_uid_and_resolves_nothing_remote() -> None:
    files = synthetic_etc_files(61007)
    assert "judge:x:61007:61007:" in files["passwd"]
    assert "shadow" not in files
    assert files["nsswitch.conf"].splitlines() == ["passwd: files", "group: files", "hosts: files"]
    assert files["resolv.conf"] == ""


def test_dev_is_read_only_after_its_shm_and_mqueue_mounts() -> None:
    options = build()
    dev = options.index(("--dev", "/dev"))
    shm = options.index(("--tmpfs", "/dev/shm"))
    mqueue = options.index(("--mqueue", "/dev/mqueue"))
    remount = options.index(("--remount-ro", "/dev"))
    assert dev < shm < remount and dev < mqueue < remount
    assert not [o for o in options[remount:] if len(o) > 1 and o[-1].startswith("/dev/")]


def test_dev_shm_is_a_size_capped_tmpfs() -> None:
    layout = BoxLayout(Path("/s"), Path("/e"), shm_size=8 * 1024 * 1024)
    options = build(layout)
    shm = options.index(("--tmpfs", "/dev/shm"))
    assert options[shm - 2 : shm] == [("--size", str(8 * 1024 * 1024)), ("--perms", "1777")]


def test_proc_cmdline_is_masked_with_an_empty_file() -> None:
    options = build()
    mask = ("--ro-bind", f"/w/p1-2/etc-61000/{EMPTY_FILE}", "/proc/cmdline")
    assert options.index(mask) > options.index(("--proc", "/proc"))
    assert synthetic_etc_files(61000)[EMPTY_FILE] == ""


def test_the_owner_pidfd_follows_the_socket_when_given() -> None:
    argv = bwrap_argv(LAYOUT, sock_fd=5, seccomp_fd=None, info_fd=9, owner_fd=11)
    assert parse(argv)[1] == [SUPERVISOR_IN_BOX, "5", "11"]
