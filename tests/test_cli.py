"""The command line: every command explains itself, and errors use the documented exit codes."""

import argparse

import pytest

from analytics.cli import build_parser, main
from conftest import run_cli


def command_names() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_the_contract_commands_exist():
    assert {"init", "summary"} <= set(command_names())


@pytest.mark.parametrize("command", command_names())
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--db" in out
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices[command].description, f"{command} lacks a description"


def test_usage_errors_exit_2(capsys):
    assert main(["summary"]) == 2  # --year missing
    assert main(["no-such-command"]) == 2


def test_the_db_option_and_the_environment_variable_choose_the_database(tmp_path):
    import os
    env = dict(os.environ, POVERTY_DB=str(tmp_path / "env.duckdb"))
    assert run_cli("init", env=env).returncode == 0
    assert (tmp_path / "env.duckdb").exists()
    assert run_cli("init", "--db", str(tmp_path / "opt.duckdb"), env=env).returncode == 0
    assert (tmp_path / "opt.duckdb").exists()


def test_the_unit_summary_writes_targets_by_name_unit_and_status(demo_db_file, capsys):
    # The district's 2024 plan: 68 fewer poor households, 52 reached (at risk); 13 communes' targets below.
    assert main(["summary", "--year", "2024", "--unit", "694", "--db", str(demo_db_file)]) == 0
    out = capsys.readouterr().out
    assert "Giảm số hộ nghèo: 52 / 68 (cấp dưới / below: 68, 13/13) (Có nguy cơ)" in out
    assert "Tỷ lệ hộ nghèo: 0,25 % / 0,30 % (Đã đạt)" in out
    assert "poor_reduction" not in out and "at_risk" not in out
