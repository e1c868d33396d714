"""Trackers and logs over HTTP: validation per type, ownership, conversion, stats, CSV import."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import headers_for


def create(client, headers, **fields):
    body = {"name": "Weight", "type": "numeric", "settings": {"unit": "kg"}} | fields
    response = client.post("/api/trackers", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracker"]


def add_log(client, headers, tracker_id, value, **fields):
    return client.post(f"/api/trackers/{tracker_id}/logs", json={"value": value} | fields, headers=headers)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- trackers


def test_create_tracker_answers_it_with_an_empty_summary(client, auth_headers):
    tracker = create(client, auth_headers)
    assert tracker["name"] == "Weight" and tracker["settings"] == {"unit": "kg"}
    assert tracker["frequency"] == "daily" and tracker["reminders"] is True
    assert tracker["log_count"] == 0 and tracker["last_log"] is None and tracker["due"] is True


def test_duplicate_tracker_name_is_409(client, auth_headers):
    create(client, auth_headers)
    response = client.post("/api/trackers", json={"name": "Weight", "type": "boolean"}, headers=auth_headers)
    assert response.status_code == 409
    assert "name" in response.get_json()["error"]["fields"]


def test_same_name_is_fine_for_another_user(client, auth_headers, make_user):
    create(client, auth_headers)
    create(client, headers_for(make_user()))


@pytest.mark.parametrize(
    "body, field",
    [
        ({"type": "numeric"}, "name"),
        ({"name": "x"}, "type"),
        ({"name": "x", "type": "colour"}, "type"),
        ({"name": "x", "type": "numeric", "frequency": "yearly"}, "frequency"),
        ({"name": "x", "type": "choice"}, "settings"),
        ({"name": "x", "type": "choice", "settings": {"options": ["only"]}}, "settings"),
        ({"name": "x", "type": "rating", "settings": {"scale": 11}}, "settings"),
        ({"name": "x", "type": "numeric", "settings": {"min": 5, "max": 1}}, "settings"),
        ({"name": "x", "type": "boolean", "settings": {"unit": "kg"}}, "settings"),
        ({"name": "x", "type": "numeric", "product_id": 999999}, "product_id"),
        ({"name": "   ", "type": "numeric"}, "name"),
        ({"name": "x", "type": "numeric", "colour": "red"}, "colour"),
    ],
)
def test_bad_tracker_input_is_400_naming_the_field(client, auth_headers, body, field):
    response = client.post("/api/trackers", json=body, headers=auth_headers)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_non_json_tracker_body_is_415(client, auth_headers):
    response = client.post("/api/trackers", data="name=x", headers=auth_headers)
    assert response.status_code == 415


def test_tracker_can_point_at_a_product(client, auth_headers, db):
    from trackbase.models import Product

    product = Product(name="Beanie", source="member")
    db.session.add(product)
    db.session.commit()
    tracker = create(client, auth_headers, product_id=product.id)
    assert tracker["product_id"] == product.id


def test_other_user_gets_404_for_tracker(client, auth_headers, make_user):
    tracker = create(client, auth_headers)
    log = add_log(client, auth_headers, tracker["id"], 70).get_json()["log"]
    other = headers_for(make_user())
    base = f"/api/trackers/{tracker['id']}"
    assert client.get(base, headers=other).status_code == 404
    assert client.patch(base, json={"name": "Mine"}, headers=other).status_code == 404
    assert client.delete(base, headers=other).status_code == 404
    assert client.get(f"{base}/logs", headers=other).status_code == 404
    assert add_log(client, other, tracker["id"], 1).status_code == 404
    assert client.patch(f"{base}/logs/{log['id']}", json={"value": 1}, headers=other).status_code == 404
    assert client.delete(f"{base}/logs/{log['id']}", headers=other).status_code == 404
    assert client.get(f"{base}/stats", headers=other).status_code == 404
    assert client.post("/api/trackers/export", json={"tracker_ids": [tracker["id"]]}, headers=other).status_code == 404
    assert client.get(base, headers=auth_headers).get_json()["tracker"]["log_count"] == 1


def test_trackers_need_a_token(client):
    assert client.get("/api/trackers").status_code == 401


def test_dashboard_lists_trackers_with_last_value_due_state_and_sparkline(client, auth_headers):
    weight = create(client, auth_headers)
    create(client, auth_headers, name="Meditated", type="boolean", settings={})
    for value in (71, 70.5, 70):
        assert add_log(client, auth_headers, weight["id"], value).status_code == 201
    body = client.get("/api/trackers", headers=auth_headers).get_json()
    assert body["total"] == 2
    by_name = {t["name"]: t for t in body["items"]}
    assert by_name["Weight"]["due"] is False and by_name["Meditated"]["due"] is True
    assert by_name["Weight"]["last_log"]["value"] == 70 and by_name["Weight"]["last_log"]["display"] == "70 kg"
    assert by_name["Weight"]["sparkline"] == [71, 70.5, 70]


def test_dashboard_cache_is_invalidated_by_a_log_write(client, auth_headers):
    tracker = create(client, auth_headers)
    assert client.get("/api/trackers", headers=auth_headers).get_json()["items"][0]["log_count"] == 0
    add_log(client, auth_headers, tracker["id"], 80)
    assert client.get("/api/trackers", headers=auth_headers).get_json()["items"][0]["log_count"] == 1


def test_archived_trackers_are_hidden_unless_asked_for(client, auth_headers):
    tracker = create(client, auth_headers)
    client.patch(f"/api/trackers/{tracker['id']}", json={"archived": True}, headers=auth_headers)
    assert client.get("/api/trackers", headers=auth_headers).get_json()["total"] == 0
    archived = client.get("/api/trackers?archived=true", headers=auth_headers).get_json()
    assert archived["total"] == 1 and archived["items"][0]["due"] is False
    assert client.get("/api/trackers?archived=maybe", headers=auth_headers).status_code == 400


def test_delete_tracker_removes_it_and_its_logs(client, auth_headers, db):
    from trackbase.models import TrackerLog

    tracker = create(client, auth_headers)
    add_log(client, auth_headers, tracker["id"], 1)
    assert client.delete(f"/api/trackers/{tracker['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/trackers/{tracker['id']}", headers=auth_headers).status_code == 404
    assert db.session.query(TrackerLog).count() == 0


# ---------------------------------------------------------------- logs: every type's validation


@pytest.mark.parametrize(
    "kind, settings, good, answer, bad",
    [
        ("numeric", {"unit": "kg", "min": 0, "max": 300}, "72.5", 72.5, [-1, 301, "heavy", True, None, "nan"]),
        ("boolean", {}, "yes", True, ["maybe", 2, None, 0.5]),
        ("choice", {"options": ["Tea", "Coffee"]}, "coffee", "Coffee", ["Water", 1, None, ""]),
        ("rating", {"scale": 5}, 4, 4, [0, 6, 3.5, "four", True]),
        ("duration", {}, "1h 29m", 5340, ["-5m", "soon", "1h 1h", True, -1, 400 * 86400]),
        ("text", {}, "  Slept well  ", "Slept well", ["", "   ", 12, "x" * 2001]),
    ],
)
def test_each_type_validates_its_values(client, auth_headers, kind, settings, good, answer, bad):
    tracker = create(client, auth_headers, name=f"T {kind}", type=kind, settings=settings)
    response = add_log(client, auth_headers, tracker["id"], good)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["log"]["value"] == answer
    for value in bad:
        response = add_log(client, auth_headers, tracker["id"], value)
        assert response.status_code == 400, (kind, value)
        assert "value" in response.get_json()["error"]["fields"]


def test_duration_accepts_seconds_and_answers_seconds(client, auth_headers):
    tracker = create(client, auth_headers, name="Sleep", type="duration", settings={})
    assert add_log(client, auth_headers, tracker["id"], 5400).get_json()["log"]["value"] == 5400
    assert add_log(client, auth_headers, tracker["id"], "7:30").get_json()["log"]["value"] == 27000


def test_log_missing_value_is_400(client, auth_headers):
    tracker = create(client, auth_headers)
    response = client.post(f"/api/trackers/{tracker['id']}/logs", json={"note": "x"}, headers=auth_headers)
    assert response.status_code == 400 and "value" in response.get_json()["error"]["fields"]


def test_log_timestamp_defaults_to_now_and_takes_an_offset(client, auth_headers):
    tracker = create(client, auth_headers)
    before = datetime.now(UTC) - timedelta(seconds=2)
    stamped = add_log(client, auth_headers, tracker["id"], 1).get_json()["log"]
    assert datetime.fromisoformat(stamped["timestamp"]) >= before
    offset = add_log(client, auth_headers, tracker["id"], 2, timestamp="2026-01-05T10:00:00+02:00").get_json()["log"]
    assert offset["timestamp"] == "2026-01-05T08:00:00+00:00"


def test_naive_log_timestamp_is_read_in_the_users_timezone(client, auth_headers, user, db):
    user.timezone = "America/New_York"
    db.session.commit()
    tracker = create(client, auth_headers)
    log = add_log(client, auth_headers, tracker["id"], 1, timestamp="2026-07-01T08:00:00").get_json()["log"]
    assert log["timestamp"] == "2026-07-01T12:00:00+00:00"


@pytest.mark.parametrize(
    "stamp", ["yesterday", "2026-13-01T00:00:00Z", "2999-01-01T00:00:00Z", "1900-01-01T00:00:00Z", 5]
)
def test_bad_log_timestamp_is_400(client, auth_headers, stamp):
    tracker = create(client, auth_headers)
    response = add_log(client, auth_headers, tracker["id"], 1, timestamp=stamp)
    assert response.status_code == 400 and "timestamp" in response.get_json()["error"]["fields"]


def test_edit_and_delete_a_log(client, auth_headers):
    tracker = create(client, auth_headers)
    log = add_log(client, auth_headers, tracker["id"], 70, note="morning").get_json()["log"]
    url = f"/api/trackers/{tracker['id']}/logs/{log['id']}"
    edited = client.patch(url, json={"value": 69.5, "note": "after run"}, headers=auth_headers).get_json()["log"]
    assert edited["value"] == 69.5 and edited["note"] == "after run" and edited["timestamp"] == log["timestamp"]
    assert client.patch(url, json={"value": "x"}, headers=auth_headers).status_code == 400
    assert client.get(url, headers=auth_headers).get_json()["log"]["value"] == 69.5
    assert client.delete(url, headers=auth_headers).status_code == 204
    assert client.get(url, headers=auth_headers).status_code == 404


def test_logs_are_paginated_newest_first_and_filtered_by_range(client, auth_headers):
    tracker = create(client, auth_headers)
    for day in range(1, 8):
        add_log(client, auth_headers, tracker["id"], day, timestamp=f"2026-01-0{day}T12:00:00Z")
    page = client.get(f"/api/trackers/{tracker['id']}/logs?per_page=3&page=2", headers=auth_headers).get_json()
    assert page["total"] == 7 and [entry["value"] for entry in page["items"]] == [4, 3, 2]
    ranged = client.get(
        f"/api/trackers/{tracker['id']}/logs?from=2026-01-03&to=2026-01-04", headers=auth_headers
    ).get_json()
    assert [entry["value"] for entry in ranged["items"]] == [4, 3]
    assert client.get(f"/api/trackers/{tracker['id']}/logs?from=soon", headers=auth_headers).status_code == 400
    assert client.get(f"/api/trackers/{tracker['id']}/logs?per_page=0", headers=auth_headers).status_code == 400


# ---------------------------------------------------------------- type changes


def test_type_change_converts_every_log_when_all_fit(client, auth_headers):
    tracker = create(client, auth_headers, name="Done", type="boolean", settings={})
    add_log(client, auth_headers, tracker["id"], True)
    add_log(client, auth_headers, tracker["id"], False)
    response = client.patch(f"/api/trackers/{tracker['id']}", json={"type": "numeric"}, headers=auth_headers)
    assert response.status_code == 200 and response.get_json()["tracker"]["type"] == "numeric"
    values = sorted(
        entry["value"]
        for entry in client.get(f"/api/trackers/{tracker['id']}/logs", headers=auth_headers).get_json()["items"]
    )
    assert values == [0, 1]


def test_type_change_to_text_keeps_durations_readable(client, auth_headers):
    tracker = create(client, auth_headers, name="Sleep", type="duration", settings={})
    add_log(client, auth_headers, tracker["id"], "1h 29m")
    client.patch(f"/api/trackers/{tracker['id']}", json={"type": "text"}, headers=auth_headers)
    assert (
        client.get(f"/api/trackers/{tracker['id']}/logs", headers=auth_headers).get_json()["items"][0]["value"]
        == "5340"
    )


def test_type_change_that_would_lose_logs_is_409_and_changes_nothing(client, auth_headers):
    tracker = create(client, auth_headers, name="Mood", type="text", settings={})
    add_log(client, auth_headers, tracker["id"], "4")
    add_log(client, auth_headers, tracker["id"], "grumpy")
    response = client.patch(
        f"/api/trackers/{tracker['id']}", json={"type": "rating", "name": "Renamed"}, headers=auth_headers
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conversion_refused" and "1 of 2 logs" in error["message"] and "grumpy" in error["message"]
    unchanged = client.get(f"/api/trackers/{tracker['id']}", headers=auth_headers).get_json()["tracker"]
    assert unchanged["type"] == "text" and unchanged["name"] == "Mood" and unchanged["log_count"] == 2


def test_narrowing_settings_below_existing_logs_is_409(client, auth_headers):
    tracker = create(client, auth_headers, name="Stars", type="rating", settings={"scale": 10})
    add_log(client, auth_headers, tracker["id"], 9)
    response = client.patch(f"/api/trackers/{tracker['id']}", json={"settings": {"scale": 5}}, headers=auth_headers)
    assert response.status_code == 409 and "settings" in response.get_json()["error"]["fields"]


def test_rename_to_a_taken_name_is_409(client, auth_headers):
    create(client, auth_headers)
    other = create(client, auth_headers, name="Steps")
    response = client.patch(f"/api/trackers/{other['id']}", json={"name": "Weight"}, headers=auth_headers)
    assert response.status_code == 409


# ---------------------------------------------------------------- stats


def test_stats_buckets_streaks_trend_in_the_users_timezone(client, auth_headers, user, db):
    user.timezone = "Europe/Helsinki"
    db.session.commit()
    tracker = create(client, auth_headers)
    # 23:30 UTC on Jan 1 is 01:30 on Jan 2 in Helsinki.
    for stamp, value in [("2026-01-01T10:00:00Z", 80), ("2026-01-01T23:30:00Z", 79), ("2026-01-03T10:00:00Z", 78)]:
        add_log(client, auth_headers, tracker["id"], value, timestamp=stamp)
    stats = client.get(
        f"/api/trackers/{tracker['id']}/stats?from=2026-01-01&to=2026-01-03", headers=auth_headers
    ).get_json()["stats"]
    assert [b["label"] for b in stats["buckets"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert [b["count"] for b in stats["buckets"]] == [1, 1, 1]
    assert stats["count"] == 3 and stats["min"] == 78 and stats["max"] == 80 and stats["sum"] == 237
    assert stats["streak"]["longest"] == 3
    assert stats["trend"]["slope_per_day"] < 0 and stats["trend"]["r2"] > 0.9
    assert stats["last"]["value"] == 78 and stats["distribution"] is None


def test_stats_distribution_for_choice(client, auth_headers):
    tracker = create(
        client, auth_headers, name="Drink", type="choice", settings={"options": ["Tea", "Coffee", "Water"]}
    )
    for value in ("Tea", "Tea", "Coffee"):
        add_log(client, auth_headers, tracker["id"], value)
    stats = client.get(f"/api/trackers/{tracker['id']}/stats", headers=auth_headers).get_json()["stats"]
    assert stats["distribution"] == [
        {"value": "Tea", "count": 2},
        {"value": "Coffee", "count": 1},
        {"value": "Water", "count": 0},
    ]
    assert stats["trend"] is None and stats["min"] is None


def test_stats_cache_is_invalidated_by_a_log_write(client, auth_headers):
    tracker = create(client, auth_headers)
    url = f"/api/trackers/{tracker['id']}/stats?bucket=week"
    assert client.get(url, headers=auth_headers).get_json()["stats"]["count"] == 0
    add_log(client, auth_headers, tracker["id"], 1)
    assert client.get(url, headers=auth_headers).get_json()["stats"]["count"] == 1


@pytest.mark.parametrize(
    "query",
    ["bucket=year", "from=tomorrow", "from=2026-02-01&to=2026-01-01", "from=2000-01-01&to=2026-01-01&bucket=day"],
)
def test_bad_stats_query_is_400(client, auth_headers, query):
    tracker = create(client, auth_headers)
    assert client.get(f"/api/trackers/{tracker['id']}/stats?{query}", headers=auth_headers).status_code == 400


# ---------------------------------------------------------------- CSV import


def upload(client, headers, text: str, name: str = "logs.csv"):
    return client.post(
        "/api/trackers/import",
        data={"file": (io.BytesIO(text.encode()), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_import_adds_every_row(client, auth_headers):
    create(client, auth_headers)
    create(client, auth_headers, name="Sleep", type="duration", settings={})
    csv_text = (
        "tracker,timestamp,value,note\nWeight,2026-01-01T07:00:00Z,80.5,\nSleep,2026-01-01T07:00:00Z,7h 30m,good\n"
    )
    response = upload(client, auth_headers, csv_text)
    assert response.status_code == 201
    assert response.get_json() == {"imported": 2, "skipped_duplicates": 0, "trackers": {"Weight": 1, "Sleep": 1}}


def test_import_with_a_bad_row_imports_nothing_and_names_each_row(client, auth_headers, db):
    from trackbase.models import TrackerLog

    create(client, auth_headers)
    csv_text = (
        "tracker,timestamp,value\n"
        "Weight,2026-01-01T07:00:00Z,80\n"
        "Weight,2026-01-02T07:00:00Z,heavy\n"
        "Nope,2026-01-03T07:00:00Z,1\n"
        "Weight,someday,1\n"
    )
    response = upload(client, auth_headers, csv_text)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"row 3.value", "row 4.tracker", "row 5.timestamp"}
    assert db.session.query(TrackerLog).count() == 0


@pytest.mark.parametrize("text", ["name,when\nWeight,1\n", "tracker,timestamp,value\n", "\xff\xfe"])
def test_import_of_an_unusable_file_is_400(client, auth_headers, text):
    create(client, auth_headers)
    assert upload(client, auth_headers, text).status_code == 400


def test_import_needs_multipart(client, auth_headers):
    assert client.post("/api/trackers/import", json={"file": "x"}, headers=auth_headers).status_code == 415
    response = client.post("/api/trackers/import", data={}, headers=auth_headers, content_type="multipart/form-data")
    assert response.status_code == 400


def test_reimporting_the_same_rows_skips_them(client, auth_headers):
    create(client, auth_headers)
    csv_text = "tracker,timestamp,value\nWeight,2026-01-01T07:00:00Z,80\n"
    upload(client, auth_headers, csv_text)
    assert upload(client, auth_headers, csv_text).get_json()["skipped_duplicates"] == 1


def test_another_users_tracker_names_are_not_importable(client, auth_headers, make_user):
    create(client, auth_headers)
    other = headers_for(make_user())
    response = upload(client, other, "tracker,timestamp,value\nWeight,2026-01-01T07:00:00Z,80\n")
    assert response.status_code == 422


# ---------------------------------------------------------------- preferences, reports input


def test_preferences_default_on_and_can_be_turned_off(client, auth_headers):
    assert client.get("/api/tracking/preferences", headers=auth_headers).get_json()["preferences"] == {
        "reminder_emails": True,
        "monthly_reports": True,
    }
    body = client.patch("/api/tracking/preferences", json={"monthly_reports": False}, headers=auth_headers).get_json()
    assert body["preferences"] == {"reminder_emails": True, "monthly_reports": False}
    assert (
        client.patch("/api/tracking/preferences", json={"monthly_reports": "no"}, headers=auth_headers).status_code
        == 400
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"period": "forever"},
        {"period": "custom"},
        {"period": "last_month", "format": "pdf"},
        {"period": "custom", "from": "2026-02-01", "to": "2026-01-01"},
    ],
)
def test_bad_report_request_is_400(client, auth_headers, body):
    assert client.post("/api/reports", json=body, headers=auth_headers).status_code == 400


@pytest.mark.parametrize("token", ["", "garbage"])
def test_bad_email_link_tokens_are_400(client, token):
    assert client.get(f"/api/trackers/quick-log?token={token}").status_code == 400
    assert client.post("/api/trackers/quick-log", json={"token": token or "x"}).status_code == 400
    assert client.get(f"/api/tracking/unsubscribe?token={token}").status_code == 400
    assert client.post("/api/tracking/unsubscribe", json={"token": token or "x"}).status_code == 400


def test_export_download_of_someone_elses_job_is_404(client, auth_headers):
    assert client.get("/api/trackers/exports/12345", headers=auth_headers).status_code == 404
    assert client.get("/api/trackers/exports/12345").status_code == 401
    assert client.get("/api/trackers/exports/12345?signature=forged").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "bad \ud800 text", "type": "text"}, "name"),
        ({"name": "x", "type": "text", "description": "nul \x00"}, "description"),
        ({"name": "x", "type": "numeric", "product_id": -34359738369}, "product_id"),
        ({"name": "x", "type": "numeric", "product_id": 2**40}, "product_id"),
        ({"name": "x", "type": "choice", "settings": {"options": ["a\ud800", "b"]}}, "settings"),
    ],
)
def test_text_the_database_cannot_store_and_out_of_range_ids_are_400(client, auth_headers, body, field):
    response = client.post("/api/trackers", json=body, headers=auth_headers)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("value", ["\ud800", "a\x00b", 10**400])
def test_unstorable_log_values_are_400(client, auth_headers, value):
    tracker = create(
        client, auth_headers, name="Any", type="text" if isinstance(value, str) else "numeric", settings={}
    )
    response = add_log(client, auth_headers, tracker["id"], value)
    assert response.status_code == 400


def test_import_row_with_a_nul_note_is_reported(client, auth_headers):
    create(client, auth_headers)
    response = upload(client, auth_headers, "tracker,timestamp,value,note\nWeight,2026-01-01T07:00:00Z,80,a\x00b\n")
    assert response.status_code == 422 and "row 2.note" in response.get_json()["error"]["fields"]


def test_import_restores_text_that_export_escaped(client, auth_headers):
    client.post("/api/trackers", json={"name": "Journal", "type": "text", "frequency": "daily"}, headers=auth_headers)
    response = upload(client, auth_headers, "tracker,timestamp,value,note\nJournal,2026-01-02T03:04:00Z,'=1+1,'@home\n")
    assert response.status_code in (200, 201), response.json
    tracker_id = client.get("/api/trackers", headers=auth_headers).json["items"][0]["id"]
    log = client.get(f"/api/trackers/{tracker_id}/logs", headers=auth_headers).json["items"][0]
    assert (log["value"], log["note"]) == ("=1+1", "@home")


# ---------------------------------------------------------------- manual order


def names(client, headers):
    return [t["name"] for t in client.get("/api/trackers", headers=headers).get_json()["items"]]


def test_manual_order_is_persisted_and_cleared(client, auth_headers):
    ids = {name: create(client, auth_headers, name=name)["id"] for name in ("Alpha", "Beta", "Gamma")}
    assert names(client, auth_headers) == ["Alpha", "Beta", "Gamma"]
    answer = client.put("/api/trackers/order", json={"ids": [ids["Gamma"], ids["Alpha"]]}, headers=auth_headers)
    assert answer.status_code == 200
    assert answer.get_json() == {"order": {"ids": [ids["Gamma"], ids["Alpha"]], "manual": True}}
    assert names(client, auth_headers) == ["Gamma", "Alpha", "Beta"]  # the unlisted one follows
    items = client.get("/api/trackers", headers=auth_headers).get_json()["items"]
    assert [t["position"] for t in items] == [0, 1, None]
    create(client, auth_headers, name="Aardvark")  # new trackers come after the ordered ones
    assert names(client, auth_headers) == ["Gamma", "Alpha", "Aardvark", "Beta"]
    # ordering a part (one page of the dashboard) keeps the others' manual order after it
    client.put("/api/trackers/order", json={"ids": [ids["Beta"]]}, headers=auth_headers)
    assert names(client, auth_headers) == ["Beta", "Gamma", "Alpha", "Aardvark"]
    cleared = client.put("/api/trackers/order", json={"ids": []}, headers=auth_headers)
    assert cleared.get_json()["order"]["manual"] is False
    assert names(client, auth_headers) == ["Aardvark", "Alpha", "Beta", "Gamma"]


def test_nobody_orders_another_users_trackers(client, auth_headers, make_user):
    mine = create(client, auth_headers, name="Mine")["id"]
    other = headers_for(make_user())
    theirs = create(client, other, name="Theirs")["id"]
    answer = client.put("/api/trackers/order", json={"ids": [theirs, mine]}, headers=auth_headers)
    assert answer.status_code == 400 and "ids" in answer.get_json()["error"]["fields"]
    assert client.get("/api/trackers", headers=other).get_json()["items"][0]["position"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": "1"}, {"ids": [1, 1]}, {"ids": ["a"]}, {"ids": [0]}, {"ids": [1], "extra": 1}, {"ids": [None]}],
)
def test_bad_order_bodies_are_400(client, auth_headers, body):
    create(client, auth_headers, name="Alpha")
    answer = client.put("/api/trackers/order", json=body, headers=auth_headers)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "validation_error"


def test_order_needs_sign_in(client):
    assert client.put("/api/trackers/order", json={"ids": []}).status_code == 401


def test_import_over_the_row_cap_is_413_in_words(client, auth_headers):
    create(client, auth_headers)
    rows = "Weight,2026-01-01T07:00:00Z,80\n" * 100_001
    response = upload(client, auth_headers, "tracker,timestamp,value\n" + rows)
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "The CSV has more than 100,000 rows; split it into files of at most 100,000 rows."
    )


def test_import_of_thousands_of_rows_with_a_bom_is_accepted(client, auth_headers):
    create(client, auth_headers)
    rows = "".join(f"Weight,2026-01-01T07:{i // 60 % 60:02d}:{i % 60:02d}Z,80\n" for i in range(3600))
    response = upload(client, auth_headers, "\ufefftracker,timestamp,value\n" + rows)
    assert response.status_code == 201 and response.get_json()["imported"] == 3600


def test_import_over_the_size_cap_is_413_before_parsing(client, app, auth_headers):
    create(client, auth_headers)
    app.config["IMPORT_MAX_MB"] = 1
    try:
        response = upload(
            client, auth_headers, "tracker,timestamp,value\n" + "Weight,2026-01-01T07:00:00Z,80\n" * 40_000
        )
    finally:
        app.config.pop("IMPORT_MAX_MB")
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "The CSV is larger than 1 MB; split it into smaller files and import each."
    )


def test_import_with_bad_utf8_after_the_first_rows_is_400(client, auth_headers):
    create(client, auth_headers)
    raw = b"tracker,timestamp,value\n" + b"Weight,2026-01-01T07:00:00Z,80\n" * 5000 + b"Weight,\xff\xfe,1\n"
    response = client.post(
        "/api/trackers/import",
        data={"file": (io.BytesIO(raw), "logs.csv")},
        headers=auth_headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["file"] == "The file is not UTF-8 text."
