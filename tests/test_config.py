import stat

import pytest

from joinedup.config import ensure_secret_key, load_settings


def test_defaults_put_sqlite_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.home == tmp_path / "joinedup-data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'joinedup-data' / 'joinedup.db'}"
    assert (settings.session_timeout_minutes, settings.session_lifetime_hours) == (30, 12)


def test_environment_overrides(tmp_path):
    settings = load_settings(
        {
            "JOINEDUP_HOME": str(tmp_path / "h"),
            "JOINEDUP_DATABASE_URL": "postgresql://u@db/x",
            "JOINEDUP_SESSION_TIMEOUT_MINUTES": "5",
            "JOINEDUP_SESSION_LIFETIME_HOURS": "8",
            "JOINEDUP_SECURE_COOKIES": "true",
        }
    )
    assert settings.home == tmp_path / "h"
    assert settings.database_url == "postgresql://u@db/x"
    assert settings.session_timeout_minutes == 5
    assert settings.session_lifetime_hours == 8
    assert settings.secure_cookies is True


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "home" / "secret.key"
    first = ensure_secret_key(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret_key(path) == first


def test_secret_keys_differ_between_installations(tmp_path):
    assert ensure_secret_key(tmp_path / "a.key") != ensure_secret_key(tmp_path / "b.key")


def test_no_proxy_is_trusted_unless_named():
    assert load_settings({}).trusted_proxies == ()
    named = load_settings({"JOINEDUP_TRUSTED_PROXIES": " 10.0.0.5, 192.168.0.0/16 ,::1,"})
    assert named.trusted_proxies == ("10.0.0.5/32", "192.168.0.0/16", "::1/128")


def test_a_proxy_that_is_not_an_address_is_refused_by_name():
    with pytest.raises(ValueError, match="JOINEDUP_TRUSTED_PROXIES: 'proxy.internal' is not an IP address"):
        load_settings({"JOINEDUP_TRUSTED_PROXIES": "10.0.0.5,proxy.internal"})
