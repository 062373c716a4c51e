"""`flask wishes sweep` (run by cron)."""

import click
from flask.cli import AppGroup

from suishoupai.extensions import db
from suishoupai.wishes.service import sweep

wishes_cli = AppGroup("wishes", help="微心愿")


@wishes_cli.command("sweep")
def sweep_command():
    """Release overdue claims and confirm unanswered fulfilments."""
    result = sweep()
    db.session.commit()
    click.echo(f"超时释放认领 {result['released']} 个，自动确认 {result['confirmed']} 个")
