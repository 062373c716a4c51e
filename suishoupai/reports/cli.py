"""`flask reports sweep` (run by cron) and `flask reports seed-categories`."""

import click
from flask.cli import AppGroup

from suishoupai.cli_options import now_option
from suishoupai.extensions import db
from suishoupai.reports import catalog
from suishoupai.reports.sweep import sweep
from suishoupai.run_lock import one_at_a_time

reports_cli = AppGroup("reports", help="随手拍")


@reports_cli.command("sweep")
@now_option
@one_at_a_time("reports sweep")
def sweep_command(now):
    """Mark overdue cases, escalate by category rule, close unanswered resolved cases."""
    result = sweep(now)
    click.echo(f"超时 {result['overdue']} 件，自动上报 {result['escalated']} 件，"
               f"自动结案 {result['closed']} 件")


@reports_cli.command("seed-categories")
def seed_categories_command():
    """Create the default category catalog where missing."""
    created = catalog.seed_categories()
    db.session.commit()
    click.echo(f"新增分类 {created} 个")
