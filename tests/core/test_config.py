"""Settings: the shipped file, errors that name the key and line, env and flag precedence."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from floor_app.config import (
    DEFAULT_DB_PATH,
    PROJECT_ROOT,
    ConfigError,
    Settings,
    load_settings,
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value)


def test_shipped_config_loads_and_equals_the_defaults() -> None:
    shipped = load_settings(PROJECT_ROOT / "config.toml")
    assert shipped.model_dump() == Settings(base_dir=PROJECT_ROOT).model_dump()


def test_shipped_config_names_every_key_with_a_comment() -> None:
    lines = (PROJECT_ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    for section, model in Settings.model_fields.items():
        if section == "base_dir":
            continue
        header = lines.index(f"[{section}]")
        for key in model.annotation.model_fields:  # type: ignore[union-attr]
            at = next(
                (i for i in range(header + 1, len(lines)) if lines[i].startswith(f"{key} =")),
                None,
            )
            assert at is not None, f"{section}.{key} missing from config.toml"
            assert lines[at - 1].startswith("#"), f"{section}.{key} has no comment above it"


def test_empty_file_is_all_defaults(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""))
    assert s.hub.id == "HUB-1"
    assert s.database_url() == f"sqlite:///{DEFAULT_DB_PATH}"


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ('[hub]\nname = "x"\n\n[serve]\nport = "eighty"\n', 5, "serve.port"),
        ("[printer]\nkind = 'file'\ndpi = 600\n", 3, "printer.dpi"),
        ("[hub]\nid = 'H'\nnmae = 'typo'\n", 3, "hub.nmae: unknown key"),
        ("[hub]\nid = 'H'\n\n[bogus]\nx = 1\n", 4, "bogus: unknown section"),
        ("[grades.dispositions]\nA = 'restock'\nB = 'burn'\nC = 'send_to_dc'\nD = 'refurbish'\n"
         "F = 'liquidate'\n", 3, "grades.dispositions.B"),
        ("[grades]\nscale = ['A', 'B', 'C', 'D', 'F']\nkeys = { '1' = 'A', '9' = 'Z' }\n", 3,
         "grades.keys.9"),
        ("[matching]\npolicy = 'default'\ndefault_min_grade = 'Q'\n", 3,
         "matching.default_min_grade"),
        ("[scanner]\nrma_pattern = '^RMA-(['\n", 2, "scanner.rma_pattern"),
        ("[sync]\nbatch_size = 0\n", 2, "sync.batch_size"),
        ("[matching]\ncancellation_risk_per_day = 2.5\n", 2, "matching.cancellation_risk_per_day"),
        ("base_dir = '/etc'\n", 1, "base_dir: unknown key"),
        ("[grades]\nscale = ['A', 'B']\ndispositions = { A = 'restock', B = 'recycle' }\n"
         "checklist_caps = {}\n\n[grades.keys]\n'1' = 'A'\n'9' = 'Z'\n", 8, "grades.keys.9"),
        ("hub.id = 'H'\nhub.name = 7\n", 2, "hub.name"),
    ],
)  # fmt: skip
def test_bad_value_names_key_and_line(tmp_path: Path, body: str, line: int, needle: str) -> None:
    path = write(tmp_path, body)
    message = error_of(path)
    assert f"{path}:{line}:" in message
    assert needle in message


def test_bad_disposition_message_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "[grades]\ndispositions = { A = 'burn' }\n")
    message = error_of(path)
    assert f"{path}:2:" in message
    assert "restock_open_box" in message


def test_wrong_type_message_shows_the_value(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[station]\nundo_window_seconds = 'soon'\n"))
    assert "station.undo_window_seconds" in message and "'soon'" in message


def test_every_error_is_reported(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, "[hub]\nid = ''\n[serve]\nport = 0\n"))
    assert "hub.id" in message and "serve.port" in message
    assert len(message.splitlines()) == 2


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[hub]\nid = 'ok'\nname = unquoted words\n")
    message = error_of(path)
    assert str(path) in message and "line 3" in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[hub]\nid = 'FILE-HUB'\nname = 'From file'\n")
    monkeypatch.setenv("FLOOR_HUB__ID", "ENV-HUB")
    monkeypatch.setenv("FLOOR_SYNC__BATCH_SIZE", "42")
    s = load_settings(path)
    assert s.hub.id == "ENV-HUB"
    assert s.hub.name == "From file"  # the rest of the section still comes from the file
    assert s.sync.batch_size == 42


def test_bad_environment_value_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOOR_SERVE__PORT", "not-a-port")
    message = error_of(write(tmp_path, "[serve]\nport = 8000\n"))
    assert "environment FLOOR_SERVE__PORT" in message and "serve.port" in message


def test_floor_config_variable_and_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_cfg = tmp_path / "env"
    flag_cfg = tmp_path / "flag"
    env_cfg.mkdir()
    flag_cfg.mkdir()
    write(env_cfg, "[hub]\nid = 'ENV-CFG'\n")
    write(flag_cfg, "[hub]\nid = 'FLAG-CFG'\n")
    monkeypatch.setenv("FLOOR_CONFIG", str(env_cfg / "config.toml"))
    assert load_settings().hub.id == "ENV-CFG"
    assert load_settings(flag_cfg / "config.toml").hub.id == "FLAG-CFG"


def test_config_in_current_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "[hub]\nid = 'CWD-HUB'\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().hub.id == "CWD-HUB"


def test_db_flag_wins_over_floor_db_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[database]\nurl = 'sqlite:////file/hub.sqlite'\n")
    assert load_settings(path).database_url() == "sqlite:////file/hub.sqlite"
    monkeypatch.setenv("FLOOR_DB", "sqlite:////env/hub.sqlite")
    assert load_settings(path).database_url() == "sqlite:////env/hub.sqlite"
    got = load_settings(path, db_url="postgresql+psycopg://u@h/db").database_url()
    assert got == "postgresql+psycopg://u@h/db"


def test_relative_sqlite_path_is_read_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg_dir = tmp_path / "etc"
    cfg_dir.mkdir()
    path = write(cfg_dir, "[database]\nurl = 'sqlite:///data/hub.sqlite'\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(path).database_url() == f"sqlite:///{cfg_dir / 'data' / 'hub.sqlite'}"


def test_relative_db_flag_is_read_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg_dir = tmp_path / "etc"
    cfg_dir.mkdir()
    path = write(cfg_dir, "")
    monkeypatch.chdir(tmp_path)
    got = load_settings(path, db_url="sqlite:///here.sqlite").database_url()
    assert got == f"sqlite:///{tmp_path / 'here.sqlite'}"


def test_memory_and_absolute_urls_are_untouched(tmp_path: Path) -> None:
    s = Settings(base_dir=tmp_path)
    s.database.url = "sqlite:///:memory:"
    assert s.database_url() == "sqlite:///:memory:"
    s.database.url = "sqlite:////abs/x.sqlite"
    assert s.database_url() == "sqlite:////abs/x.sqlite"


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = Settings(base_dir=tmp_path)
    monkeypatch.setenv("FLOOR_HQ_TOKEN", "secret")
    assert s.sync.resolved_token() == "secret"
    s.sync.token = "inline"
    assert s.sync.resolved_token() == "inline"


def test_cli_reports_a_bad_config_with_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from floor_app.cli import main

    path = write(tmp_path, "[serve]\nport = 'x'\n")
    assert main(["init", "--config", str(path), "--db", f"sqlite:///{tmp_path}/h.sqlite"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2:" in err and "serve.port" in err
