"""services/storage: the local folder backend behind the storage seam."""

from __future__ import annotations

import pytest

from trackbase.services.storage import LocalStorage, StoredFileMissing, check_key, get_storage


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
