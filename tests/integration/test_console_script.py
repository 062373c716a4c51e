"""The `suishoupai` command runs the operations commands from any directory."""

from __future__ import annotations

from click.testing import CliRunner

from suishoupai import cli, create_app
from suishoupai.extensions import db


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
    made = []

    def factory():
        """The real factory; the apps are kept so their connections are closed afterwards (a
        command's process would exit instead)."""
        made.append(create_app())
        return made[-1]

    monkeypatch.setattr(cli, "create_app", factory)
    runner = CliRunner()
    try:
        swept = runner.invoke(cli.group(), ["reports", "sweep", "--now", "2030-01-01T09:00"])
        assert swept.exit_code == 0, swept.output
        assert "超时 0 件，自动上报 0 件，自动结案 0 件" in swept.output
        verified = runner.invoke(cli.group(), ["points", "verify"])
        assert verified.exit_code == 0 and "OK 账本校验通过" in verified.output
        unknown = runner.invoke(cli.group(), ["reports", "sweeep"])
        assert unknown.exit_code == 2 and "sweeep" in unknown.output
    finally:
        for app in made:
            with app.app_context():
                db.engine.dispose()
    assert made
