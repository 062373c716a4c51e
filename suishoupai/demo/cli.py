"""`flask demo seed [--history]`."""

import time

import click
from flask.cli import AppGroup

from suishoupai.demo import history as past
from suishoupai.demo.seed import seed
from suishoupai.extensions import db

demo_cli = AppGroup("demo", help="演示数据")


@demo_cli.command("seed")
@click.option("--history", is_flag=True,
              help="Also replay a past (cases, wishes, rider points) through the services, once.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 400),
              help="How many days of past --history replays, ending now.")
def seed_command(history: bool, days: int):
    """Build (or refresh) the demo district, grids and accounts; with --history, its past too."""
    result: dict = {}
    if history and not past.made():
        # the district is built at the opening of its past, so rules and accounts predate it
        started = time.perf_counter()
        made = past.build(days, before_start=lambda: result.update(seed()))
        seconds = time.perf_counter() - started
        click.echo(f"演示历史：{days} 天，案件 {made['cases']} 件，用时 {seconds:.1f} 秒")
        tally = (f"{k} {v}" for k, v in made.items() if k not in ("made", "days", "cases"))
        click.echo("  " + "，".join(tally))
    else:
        result.update(seed())
        if history:
            click.echo("演示历史已存在，未重复生成")
    db.session.commit()
    lat, lng = result["centre"]
    click.echo(f"演示数据就绪：{result['grids']} 个网格，重叠 {len(result['import']['overlaps'])}，"
               f"空隙 {len(result['import']['gaps'])}")
    click.echo(f"演示中心点（GCJ-02）：lat={lat} lng={lng} → {result['community']}"
               f" {result['centre_grid']}")
    click.echo("演示账号（dev-login 的 openid）：demo-resident demo-resident-2 demo-rider "
               "demo-volunteer demo-grid-member demo-community-admin demo-street-admin "
               "demo-district-admin demo-department")
