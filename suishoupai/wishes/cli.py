"""`flask wishes sweep` (run by cron)."""

import click
from flask.cli import AppGroup

from suishoupai.cli_options import now_option
from suishoupai.extensions import db
from suishoupai.run_lock import one_at_a_time
from suishoupai.wishes.service import sweep

wishes_cli = AppGroup("wishes", help="微心愿")


@wishes_cli.command("sweep")
@now_option
@one_at_a_time("wishes sweep")
def sweep_command(now):
    """Release overdue claims and confirm unanswered fulfilments."""
    result = sweep(now)
    db.session.commit()
    click.echo(f"超时释放认领 {result['released']} 个，自动确认 {result['confirmed']} 个")
