"""`flask points sweep` (run by cron): close bounties past their deadline."""

import click
from flask.cli import with_appcontext

from suishoupai.cli_options import now_option
from suishoupai.extensions import db
from suishoupai.offers.bounties import sweep
from suishoupai.run_lock import one_at_a_time


@click.command("sweep")
@with_appcontext
@now_option
@one_at_a_time("points sweep")
def sweep_command(now):
    """Close open bounties past their deadline; claims never completed expire."""
    result = sweep(now)
    db.session.commit()
    click.echo(f"截止关闭揭榜任务 {result['closed']} 个，未完成的揭榜 {result['expired_claims']} 个已过期")
