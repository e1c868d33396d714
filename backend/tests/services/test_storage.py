"""services/storage: the local folder backend behind the storage seam."""

from __future__ import annotations

from contextlib import closing
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from trackbase.services.storage import (
    LocalStorage,
    S3Storage,
    StorageUnavailable,
    StoredFileMissing,
    check_key,
    get_storage,
)


def test_put_open_delete_round_trip(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("exports/1-abc.csv", b"a,b\n1,2\n", "text/csv")
    with storage.open("exports/1-abc.csv") as stream:
        assert stream.read() == b"a,b\n1,2\n"
    storage.put("exports/1-abc.csv", b"replaced")
    with storage.open("exports/1-abc.csv") as stream:
        assert stream.read() == b"replaced"
    storage.delete("exports/1-abc.csv")
    with pytest.raises(StoredFileMissing):
        storage.open("exports/1-abc.csv")
    storage.delete("exports/1-abc.csv")  # deleting what is gone is fine
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []  # no temporary file left behind


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../up.csv", "a/../../b", "a//b", "Upper.csv", "a b", "a/./b"])
def test_keys_outside_the_folder_or_not_chosen_by_the_app_are_refused(tmp_path, key):
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        LocalStorage(tmp_path).put(key, b"x")


def test_local_storage_has_no_direct_url(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("a.csv", b"x")
    assert storage.signed_url("a.csv", 60, "a.csv") is None


def test_the_app_uses_its_configured_folder(app):
    storage = get_storage()
    assert isinstance(storage, LocalStorage) and str(storage.root) == app.config["STORAGE_DIR"]
    assert get_storage() is storage


# ---------------------------------------------------------------- S3 against a moto server over HTTP
def test_s3_is_chosen_when_a_bucket_is_configured(s3_storage, app):
    assert isinstance(s3_storage, S3Storage) and s3_storage.bucket == app.config["S3_BUCKET"]
    assert get_storage() is s3_storage


def test_s3_put_open_delete_round_trip(s3_storage, moto_s3):
    s3_storage.put("documents/abc", b"%PDF-1.4 bytes", "application/pdf")
    with closing(s3_storage.open("documents/abc")) as stream:
        assert stream.read() == b"%PDF-1.4 bytes"
    head = moto_s3.client().head_object(Bucket=s3_storage.bucket, Key="documents/abc")
    assert head["ContentType"] == "application/pdf"
    s3_storage.delete("documents/abc")
    with pytest.raises(StoredFileMissing):
        s3_storage.open("documents/abc")
    s3_storage.delete("documents/abc")  # deleting what is gone is fine


def test_s3_put_file_streams_a_big_file_in_parts(s3_storage, moto_s3, tmp_path):
    big = tmp_path / "big.bin"
    chunk = bytes(range(256)) * 4096  # 1 MiB
    with big.open("wb") as out:
        for _ in range(9):  # above the 8 MB multipart threshold
            out.write(chunk)
    with big.open("rb") as stream:
        s3_storage.put_file("documents/big", stream, "application/octet-stream")
    head = moto_s3.client().head_object(Bucket=s3_storage.bucket, Key="documents/big")
    assert head["ContentLength"] == 9 * len(chunk)
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload: two parts


def test_s3_objects_are_private(s3_storage, moto_s3):
    s3_storage.put("documents/private", b"secret research")
    anonymous = requests.get(f"{moto_s3.url}/{s3_storage.bucket}/documents/private", timeout=5)
    assert anonymous.status_code == 403
    acl = moto_s3.client().get_object_acl(Bucket=s3_storage.bucket, Key="documents/private")
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in acl["Grants"])


def test_s3_presigned_url_serves_the_file_with_the_asked_headers_for_minutes(s3_storage):
    s3_storage.put("documents/signed", b"hello")
    url = s3_storage.signed_url("documents/signed", 60, content_type="text/plain", disposition="inline")
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200 and answer.content == b"hello"
    assert answer.headers["Content-Type"] == "text/plain"
    assert answer.headers["Content-Disposition"] == "inline"
    # moto does not enforce the expiry; the signed query says it (S3 and MinIO refuse after it)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Signature"][0]


def test_s3_down_raises_storage_unavailable(s3_storage, moto_s3):
    s3_storage.put("documents/kept", b"x")
    moto_s3.stop()
    try:
        with pytest.raises(StorageUnavailable):
            s3_storage.delete("documents/kept")
        with pytest.raises(StorageUnavailable):
            s3_storage.put("documents/other", b"x")
    finally:
        moto_s3.start()
    with closing(s3_storage.open("documents/kept")) as stream:
        assert stream.read() == b"x"


def test_s3_refuses_keys_not_chosen_by_the_app(s3_storage):
    with pytest.raises(ValueError):
        s3_storage.put("../escape", b"x")
