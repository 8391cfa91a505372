"""config.toml, environment overrides and the errors a bad file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import ROOT, SettingsError, ensure_secret, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "steward.toml"
    path.write_text(text)
    return path


def test_defaults_give_an_embedded_install(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""), env={})
    assert s.database.url == f"sqlite:///{ROOT / 'var/steward.db'}"
    assert s.broker.url == "embedded" and s.web.port == 8000 and s.web.theme == "default"


def test_the_var_directory_moves_the_default_database_with_it(tmp_path: Path) -> None:
    moved = load_settings(write(tmp_path, ""), env={"STEWARD_VAR_DIR": str(tmp_path / "srv")})
    assert moved.database.url == f"sqlite:///{tmp_path / 'srv' / 'steward.db'}"
    beside = load_settings(write(tmp_path, '[database]\nurl = "sqlite:///data/steward.db"\n'),
                           env={"STEWARD_VAR_DIR": str(tmp_path / "srv")})
    assert beside.database.url == f"sqlite:///{ROOT / 'data/steward.db'}"  # not under var/: the project's


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[web]\nport = 9000\nlanguage = "nl"\n')
    s = load_settings(cfg, env={"STEWARD_WEB_PORT": "9100", "STEWARD_DATABASE_URL": "postgresql://u@h/db"})
    assert s.web.port == 9100 and s.web.language == "nl" and s.database.url == "postgresql://u@h/db"


def test_steward_config_points_at_another_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, '[log]\nlevel = "DEBUG"\n')
    assert load_settings(env={"STEWARD_CONFIG": str(cfg)}).log.level == "DEBUG"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[web]\nport = 'eighty'\n", "key 'web.port': expected an integer, got 'eighty'"),
        ("[web]\nport = 99999\n", "key 'web.port': expected 1-65535"),
        ("[web]\nlanguage = 'fr'\n", "key 'web.language': expected one of en, nl"),
        ("[database]\nurl = 'mysql://x'\n", "key 'database.url': expected sqlite:///PATH or postgresql://"),
        ("[broker]\nurl = 'kafka://x'\n", "key 'broker.url'"),
        ("[web]\nprot = 1\n", "unknown key 'web.prot'"),
        ("[nonsense]\n", "unknown section [nonsense]"),
        ("[web\nport = 1\n", "not valid TOML"),
    ],
)
def test_bad_file_names_the_file_the_key_and_the_expectation(tmp_path: Path, text: str, message: str) -> None:
    cfg = write(tmp_path, text)
    with pytest.raises(SettingsError) as err:
        load_settings(cfg, env={})
    assert str(cfg) in str(err.value) and message in str(err.value)


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="STEWARD_WEB_PORT.*expected an integer"):
        load_settings(write(tmp_path, ""), env={"STEWARD_WEB_PORT": "x"})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot be read"):
        load_settings(tmp_path / "absent.toml", env={})


def test_secret_is_generated_once_into_var(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""), env={"STEWARD_VAR_DIR": str(tmp_path / "var")})
    first = ensure_secret(s).security.secret
    assert len(first) > 40 and ensure_secret(s).security.secret == first
    assert (tmp_path / "var" / "secret").stat().st_mode & 0o077 == 0
