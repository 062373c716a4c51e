"""`flask demo seed` and `flask demo history`."""

import time

import click
from flask.cli import AppGroup

from suishoupai.demo import history as past
from suishoupai.demo.seed import seed
from suishoupai.errors import DomainError
from suishoupai.extensions import db

demo_cli = AppGroup("demo", help="演示数据")


@demo_cli.command("seed")
def seed_command():
    """Build (or refresh) the demo district, grids and accounts."""
    result = seed()
    db.session.commit()
    lat, lng = result["centre"]
    click.echo(f"演示数据就绪：{result['grids']} 个网格，重叠 {len(result['import']['overlaps'])}，"
               f"空隙 {len(result['import']['gaps'])}")
    click.echo(f"演示中心点（GCJ-02）：lat={lat} lng={lng} → {result['community']}"
               f" {result['centre_grid']}")
    click.echo("演示账号（dev-login 的 openid）：demo-resident demo-resident-2 demo-rider "
               "demo-volunteer demo-grid-member demo-community-admin demo-street-admin "
               "demo-district-admin demo-department")


@demo_cli.command("history")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 400),
              help="How many days of past to replay, ending now.")
def history_command(days: int):
    """Replay the demo district's past (cases, wishes, rider points) through the services, once."""
    if past.made():
        click.echo("演示历史已存在，未重复生成")
        return
    started = time.perf_counter()
    try:
        made = past.build(days)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    seconds = time.perf_counter() - started
    click.echo(f"演示历史：{days} 天，案件 {made['cases']} 件，用时 {seconds:.1f} 秒")
    tally = (f"{k} {v}" for k, v in made.items() if k not in ("made", "days", "cases"))
    click.echo("  " + "，".join(tally))
