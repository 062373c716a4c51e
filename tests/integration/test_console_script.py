"""The `suishoupai` command runs the operations commands from any directory."""

from __future__ import annotations

from click.testing import CliRunner

from suishoupai.cli import group


def test_operations_commands_run_from_another_directory(migrated, tmp_path, monkeypatch):
    """From a directory with no wsgi.py and no FLASK_APP, `suishoupai reports sweep` and
    `suishoupai points verify` find the app through the factory and run against the configured
    database; an unknown command is refused by name."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLASK_APP", raising=False)
    env = {"SUISHOUPAI_ENV": "development", "SUISHOUPAI_DATABASE_URL": migrated,
           "SUISHOUPAI_MEDIA_ROOT": str(tmp_path / "media")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    swept = runner.invoke(group(), ["reports", "sweep", "--now", "2030-01-01T09:00"])
    assert swept.exit_code == 0, swept.output
    assert "超时 0 件，自动上报 0 件，自动结案 0 件" in swept.output
    verified = runner.invoke(group(), ["points", "verify"])
    assert verified.exit_code == 0 and "OK 账本校验通过" in verified.output
    unknown = runner.invoke(group(), ["reports", "sweeep"])
    assert unknown.exit_code == 2 and "sweeep" in unknown.output
