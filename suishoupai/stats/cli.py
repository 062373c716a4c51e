"""`flask stats refresh`: bring the stats facts up to date (the summary also does this on read);
`flask stats prune`: forget kept days past the horizon."""

import click
from flask.cli import AppGroup

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.run_lock import one_at_a_time
from suishoupai.stats import days, facts

stats_cli = AppGroup("stats", help="统计")


@stats_cli.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Recompute every fact (after a bulk load).")
@one_at_a_time("stats refresh")
def refresh_command(everything: bool):
    """Recompute the facts of reports changed since the last refresh, or of all reports."""
    if everything:
        click.echo(f"已重算全部 {facts.rebuild()} 件案件的统计事实")
    else:
        click.echo(f"已更新 {facts.refresh()} 件案件的统计事实")


@stats_cli.command("prune")
@one_at_a_time("stats prune")
def prune_command():
    """Forget the whole days kept for summaries that are older than STATS_KEEP_DAYS (cron, daily)."""
    removed = days.prune(utcnow())
    db.session.commit()
    click.echo(f"已清理 {removed} 条过期的按日统计")
