"""The `steward` command, run as a real process, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

STEWARD = str(Path(sys.executable).parent / "steward")


@pytest.fixture
def run(fresh_db: str, tmp_path: Path):
    """Run `steward ARGS` against the test's fresh database; returns CompletedProcess."""
    cfg = tmp_path / "steward.toml"
    cfg.write_text(f'[database]\nurl = "{fresh_db}"\n[log]\nlevel = "WARNING"\n')
    env = {**os.environ, "STEWARD_CONFIG": str(cfg), "STEWARD_VAR_DIR": str(tmp_path / "var")}

    def steward(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([STEWARD, *args], env=env, input=input, capture_output=True,
                              text=True, timeout=120)

    return steward


def test_init_is_idempotent_and_prints_the_admin_login(run) -> None:
    first = run("init")
    assert first.returncode == 0, first.stderr
    assert "installed: core" in first.stdout and "admin login: admin / password: " in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    again = run("init")
    assert again.returncode == 0, again.stderr
    assert "installed" not in again.stdout and f"password: {password}" in again.stdout
    listing = run("modules", "list")
    assert listing.returncode == 0
    assert any(line.split()[:3] == ["core", "0.1.0", "installed"] for line in listing.stdout.splitlines())


def test_uninstalling_core_fails_with_one_clear_line(run) -> None:
    run("init")
    result = run("modules", "uninstall", "core", "--yes")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: module 'core' cannot be uninstalled"


def test_unknown_module_and_unknown_role_are_named(run) -> None:
    run("init")
    result = run("modules", "install", "nosuch", "--yes")
    assert result.returncode == 1 and "no module named 'nosuch'" in result.stderr
    result = run("users", "create", "jan", "--password", "longenough", "--role", "wizard")
    assert result.returncode == 1 and "unknown role(s) wizard" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_users_create_adds_a_user_with_roles(run) -> None:
    run("init")
    result = run("users", "create", "jan", "--password", "longenough", "--role", "technician",
                 "--name", "Jan de Vries")
    assert result.returncode == 0, result.stderr
    assert "created user jan" in result.stdout
    dup = run("users", "create", "jan", "--password", "longenough", "--role", "technician")
    assert dup.returncode == 1 and "already exists" in dup.stderr


def test_a_malformed_config_stops_with_file_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[web]\nport = 'eighty'\n")
    result = subprocess.run([STEWARD, "--config", str(cfg), "modules", "list"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {cfg}: key 'web.port': expected an integer, got 'eighty'"


def test_serve_refuses_an_uninitialised_database(run) -> None:
    result = run("serve", "--port", "8999")
    assert result.returncode == 1 and "not initialised: run 'steward init'" in result.stderr


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["serve"], ["migrate"], ["demo"], ["modules"], ["modules", "list"],
     ["modules", "install"], ["modules", "upgrade"], ["modules", "uninstall"], ["users", "create"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run([STEWARD, *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Usage: steward" in result.stdout
