"""The storage seam: files the app keeps (export CSVs today; documents and export bundles later).

`get_storage()` gives the backend the config chooses. Today that is `LocalStorage`, a folder
(STORAGE_DIR, default instance/storage) that every process of one deployment must share; an
S3 backend (boto3, presigned GETs) becomes a second class here, chosen when S3_BUCKET is set.
Keys are chosen by the app (never a user's file name): lower-case letters, digits, `-_./`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class StoredFileMissing(FileNotFoundError):
    """No file is stored under this key (never written, deleted, or purged)."""


class Storage(Protocol):
    """What every storage backend offers."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key`, replacing what was there; readers never see half a file."""

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        """Store what `fileobj` holds from its position on, copied in chunks (never read whole into memory)."""

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (the caller closes it); StoredFileMissing when there is none."""

    def delete(self, key: str) -> None:
        """Remove the file under `key`; a missing file is not an error."""

    def signed_url(self, key: str, expires_in: int, filename: str | None = None) -> str | None:
        """A URL a client can fetch the file from directly until it expires, or None when the backend
        has no such URL (the app then serves the file through its own signed endpoint)."""


def check_key(key: str) -> str:
    """The key itself when it is one the app may use; ValueError otherwise (no absolute paths, no `..`)."""
    if not _KEY.match(key or "") or any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files in a folder on this machine (or a volume all processes mount)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fileobj, out, 1024 * 1024)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StoredFileMissing(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def signed_url(self, key: str, expires_in: int, filename: str | None = None) -> str | None:
        return None


def get_storage() -> Storage:
    """The configured backend (one object per app)."""
    storage = current_app.extensions.get("trackbase.storage")
    if storage is None:
        root = current_app.config.get("STORAGE_DIR") or os.path.join(current_app.instance_path, "storage")
        storage = current_app.extensions["trackbase.storage"] = LocalStorage(root)
    return storage
