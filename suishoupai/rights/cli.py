"""`flask privacy retain`: the daily retention sweep, with a dry run."""

import click
from flask import current_app
from flask.cli import AppGroup

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.rights import retention
from suishoupai.run_lock import one_at_a_time

privacy_cli = AppGroup("privacy", help="个人信息：按保存期限删除或匿名化")


@privacy_cli.command("retain")
@click.option("--dry-run", is_flag=True, help="only count what is due; change nothing")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="rows per transaction")
@one_at_a_time("privacy retain")
def retain_command(dry_run: bool, batch: int):
    """Erase or anonymise personal data past its period (cron, daily); prints a count per kind."""
    now = utcnow()
    for sweep in retention.SWEEPS:
        ids = retention.due_ids(sweep, current_app.config, now)
        db.session.rollback()
        if dry_run:
            click.echo(f"{sweep.kind} {sweep.label}：到期 {len(ids)} 条（演练，未改动）")
            continue
        done = 0
        with click.progressbar(length=len(ids), label=sweep.label) as bar:
            for start in range(0, len(ids), batch):
                chunk = ids[start:start + batch]
                done += sweep.apply(chunk)
                db.session.commit()  # each batch stands alone: an interrupted run resumes where it stopped
                bar.update(len(chunk))
        click.echo(f"{sweep.kind} {sweep.label}：处理 {done} 条")
