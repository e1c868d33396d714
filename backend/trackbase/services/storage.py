"""The storage seam: files the app keeps (export CSVs, product documents, export bundles).

`get_storage()` gives the backend the config chooses: `S3Storage` (boto3; private objects in
S3_BUCKET, endpoint from AWS_ENDPOINT_URL so a moto server or MinIO works, presigned GETs) when
S3_BUCKET is set, else `LocalStorage`, a folder (STORAGE_DIR, default instance/storage) that every
process of one deployment must share. Keys are chosen by the app (never a user's file name):
lower-case letters, digits, `-_./`. A backend that cannot be reached raises StorageUnavailable
(an OSError, so the tasks' retry policies treat it as a passing failure).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_CHUNK = 1024 * 1024
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$")


class StoredFileMissing(FileNotFoundError):
    """No file is stored under this key (never written, deleted, or purged)."""


class StorageUnavailable(OSError):
    """The storage backend did not answer or refused the request; trying again later may succeed."""


class Storage(Protocol):
    """What every storage backend offers."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key`, replacing what was there; readers never see half a file."""

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        """Store the rest of the open file `fileobj` under `key` without reading it all into memory."""

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (the caller closes it); StoredFileMissing when there is none."""

    def delete(self, key: str) -> None:
        """Remove the file under `key`; a missing file is not an error."""

    def signed_url(
        self,
        key: str,
        expires_in: int,
        filename: str | None = None,
        content_type: str | None = None,
        disposition: str | None = None,
    ) -> str | None:
        """A URL a client can fetch the file from directly until it expires, or None when the backend
        has no such URL (the app then serves the file through its own signed endpoint). The URL answers
        with `content_type` and the `disposition` header value (or an attachment named `filename`)."""


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
        self.put_file(key, io.BytesIO(data), content_type)

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fileobj, out, _CHUNK)
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

    def signed_url(self, key, expires_in, filename=None, content_type=None, disposition=None) -> str | None:
        return None


class S3Storage:
    """Private objects in one S3 bucket (or anything that speaks S3: MinIO, a moto server)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        config = Config(
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint_url else None,
        )
        # Without an explicit endpoint boto3 reads AWS_ENDPOINT_URL itself (or talks to AWS).
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config)

    def _call(self, operation: str, **params):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise StoredFileMissing(params.get("Key", "")) from None
            raise StorageUnavailable(f"S3 {operation} failed: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 {operation} failed: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._call("put_object", Key=check_key(key), Body=data, ContentType=content_type)

    def put_file(self, key: str, fileobj: BinaryIO, content_type: str = "application/octet-stream") -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        # Multipart above 8 MB, so a big file is sent in parts from the open file, never held whole.
        transfer = TransferConfig(multipart_threshold=8 * 1024 * 1024, use_threads=False)
        try:
            self.client.upload_fileobj(
                fileobj, self.bucket, check_key(key), ExtraArgs={"ContentType": content_type}, Config=transfer
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable(f"S3 upload failed: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        return self._call("get_object", Key=check_key(key))["Body"]

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=check_key(key))  # S3 answers 204 for a missing key too

    def signed_url(self, key, expires_in, filename=None, content_type=None, disposition=None) -> str | None:
        params = {"Bucket": self.bucket, "Key": check_key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if disposition or filename:
            params["ResponseContentDisposition"] = disposition or f'attachment; filename="{filename}"'
        params["ResponseCacheControl"] = "private, no-store"
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(expires_in))


def get_storage() -> Storage:
    """The configured backend (one object per app): S3 when S3_BUCKET is set, else the local folder."""
    storage = current_app.extensions.get("trackbase.storage")
    if storage is None:
        config = current_app.config
        if config.get("S3_BUCKET"):
            storage = S3Storage(config["S3_BUCKET"], config.get("AWS_ENDPOINT_URL"), config.get("AWS_DEFAULT_REGION"))
        else:
            root = config.get("STORAGE_DIR") or os.path.join(current_app.instance_path, "storage")
            storage = LocalStorage(root)
        current_app.extensions["trackbase.storage"] = storage
    return storage
