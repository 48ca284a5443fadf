"""Settings: defaults, environment overrides, and start-up failures that name the bad setting."""

from pathlib import Path

import pytest

from agent.config import DEFAULT_PARTNER_ID, SettingsError, load_settings


def test_defaults_use_local_sandbox_and_a_seeded_partner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTNER_AGENT_DATA_DIR")
    settings = load_settings()
    assert settings.backend == "local"
    assert settings.catalog == "Sandbox"
    assert settings.partner_id == DEFAULT_PARTNER_ID
    assert settings.data_dir.name == "partner-agent"  # the platform's user data folder
    assert settings.sandbox_db.parent == settings.data_dir


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARTNER_AGENT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARTNER_AGENT_PARTNER_ID", "partner-stratus000002")
    monkeypatch.setenv("PARTNER_AGENT_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert (settings.data_dir, settings.partner_id, settings.log_level) == (tmp_path, "partner-stratus000002", "DEBUG")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BACKEND", "dynamo", "PARTNER_AGENT_BACKEND"),
        ("CATALOG", "Production", "PARTNER_AGENT_CATALOG"),
        ("PARTNER_ID", "partner-123", "PARTNER_AGENT_PARTNER_ID"),
        ("LOG_LEVEL", "LOUD", "PARTNER_AGENT_LOG_LEVEL"),
        ("AWS_REGION", "mars", "PARTNER_AGENT_AWS_REGION"),
    ],
)
def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(f"PARTNER_AGENT_{name}", value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert expected in str(raised.value)
    assert value in str(raised.value)


def test_production_catalog_needs_the_aws_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNER_AGENT_CATALOG", "AWS")
    with pytest.raises(SettingsError, match="PARTNER_AGENT_BACKEND=aws"):
        load_settings()
    monkeypatch.setenv("PARTNER_AGENT_BACKEND", "aws")
    assert load_settings().catalog == "AWS"
