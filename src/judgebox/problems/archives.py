"""A problem's zip of test data (DMOJ's `archive:`), extracted once into a cache folder.

The zip is the package's, so hostile: a member naming an absolute path or `..`, a
symlink, a device, more than MAX_MEMBERS members, or more than MAX_BYTES of data once
inflated (counted while inflating, not taken from the headers) refuses the whole archive
with a ProblemPackageError. The folder is named by the zip's SHA-256 and is built under a
temporary name, then renamed into place: a half-extracted archive is never used, and two
loads at once both end with the same folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from judgebox.vocabulary.errors import ProblemPackageError

MAX_ZIP_BYTES = 1024 * 1024 * 1024
MAX_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 20_000
_CHUNK = 1 << 20


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _member_path(zip_file: Path, info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's safe relative path; None for a folder entry."""
    name = info.filename
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or "\\" in name or ".." in path.parts or ":" in name:
        raise ProblemPackageError(f"{zip_file}: member {name!r} leaves the archive; refused")
    mode = info.external_attr >> 16
    if mode and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ProblemPackageError(
            f"{zip_file}: member {name!r} is a symlink or special file; only plain files "
            "are read from an archive"
        )
    if info.is_dir():
        return None
    parts = [p for p in path.parts if p not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


def extract_archive(zip_file: Path, cache_root: Path) -> Path:
    """The folder holding the archive's files (extracted now, or before)."""
    if not zip_file.is_file() or zip_file.is_symlink():
        raise ProblemPackageError(f"{zip_file}: the archive is missing (or is a symlink)")
    if zip_file.stat().st_size > MAX_ZIP_BYTES:
        raise ProblemPackageError(f"{zip_file}: over {MAX_ZIP_BYTES >> 30} GiB; not extracted")
    target = cache_root / _digest(zip_file)[:32]
    if target.is_dir():
        return target
    cache_root.mkdir(parents=True, exist_ok=True, mode=0o755)
    building = Path(tempfile.mkdtemp(prefix=".extracting-", dir=cache_root))
    try:
        _extract(zip_file, building)
        _readable(building)
        try:
            os.rename(building, target)
        except OSError:
            if not target.is_dir():  # not another load's finished copy: a real failure
                raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(building)
    return target


def _readable(root: Path) -> None:
    """Folders 0755 and files 0644 whatever the umask: the boxes' uids read the cases."""
    root.chmod(0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755, follow_symlinks=False)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644, follow_symlinks=False)


def _extract(zip_file: Path, into: Path) -> None:
    try:
        archive = zipfile.ZipFile(zip_file)
    except (zipfile.BadZipFile, OSError) as error:
        raise ProblemPackageError(f"{zip_file}: not a zip archive ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ProblemPackageError(
                f"{zip_file}: {len(members)} members, over the {MAX_MEMBERS} judgebox reads"
            )
        total = 0
        for info in members:
            relative = _member_path(zip_file, info)
            if relative is None:
                continue
            destination = into.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                fd = os.open(destination, flags, 0o644)
            except FileExistsError:
                raise ProblemPackageError(
                    f"{zip_file}: member {info.filename!r} is in the archive twice"
                ) from None
            try:
                with os.fdopen(fd, "wb") as out, archive.open(info) as source:
                    while chunk := source.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_BYTES:
                            raise ProblemPackageError(
                                f"{zip_file}: inflates to over {MAX_BYTES >> 30} GiB; refused"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
                raise ProblemPackageError(
                    f"{zip_file}: member {info.filename!r} cannot be read ({error})"
                ) from None
            except NotImplementedError as error:  # an unsupported compression method
                raise ProblemPackageError(
                    f"{zip_file}: member {info.filename!r}: {error}"
                ) from None
