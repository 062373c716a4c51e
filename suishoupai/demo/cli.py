"""`flask demo seed`."""

import click
from flask.cli import AppGroup

from suishoupai.demo.seed import seed
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
