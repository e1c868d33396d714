"""Configuration comes from the environment, with no secret defaults."""

from __future__ import annotations

import pytest

from trackbase import config


def test_missing_secrets_refuse_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECURITY_PASSWORD_SALT", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, SECURITY_PASSWORD_SALT"):
        config.check_secrets(config.from_environment())


def test_optional_tuning_is_read_and_typed(monkeypatch):
    monkeypatch.setenv("INVENTORY_READ_TIMEOUT", "12.5")
    monkeypatch.setenv("INVENTORY_POLL_ON_START", "false")
    cfg = config.from_environment()
    assert cfg["INVENTORY_READ_TIMEOUT"] == 12.5
    assert cfg["INVENTORY_POLL_ON_START"] is False


def test_bad_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("INVENTORY_FETCH_ATTEMPTS", "many")
    with pytest.raises(RuntimeError, match="INVENTORY_FETCH_ATTEMPTS"):
        config.from_environment()
