"""`flask org import FILE --coord-type gcj02|wgs84`."""

import json

import click
from flask.cli import AppGroup

from suishoupai.errors import InvalidInput
from suishoupai.extensions import db
from suishoupai.org import boundaries
from suishoupai.org.geo import COORD_TYPES

org_cli = AppGroup("org", help="组织架构与网格边界")


@org_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--coord-type", type=click.Choice(COORD_TYPES), required=True,
              help="the datum the file was drawn in (Chinese web maps draw GCJ-02)")
def import_command(file, coord_type):
    """Import a GeoJSON FeatureCollection of org units, all or nothing."""
    try:
        doc = json.load(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"不是有效的 JSON：{exc}") from exc
    total = len(doc.get("features") or []) if isinstance(doc, dict) else 0
    try:
        with click.progressbar(length=total, label="导入中") as bar:
            summary = boundaries.import_units(doc, coord_type, progress=lambda n: bar.update(1))
        db.session.commit()
    except InvalidInput as exc:
        db.session.rollback()
        for p in exc.details.get("problems", []):
            click.echo(f"  要素 {p.get('feature')} {p.get('code') or ''}: {p['message']}", err=True)
        raise click.ClickException(f"{exc.message}") from exc
    click.echo(f"新建 {summary['created']}，更新 {summary['updated']}：{summary['by_kind']}")
    for code in summary["repaired"]:
        click.echo(f"  已修复无效多边形（自相交等）：{code}")
    for o in summary["overlaps"]:
        click.echo(f"  重叠：{o['a']} × {o['b']} 约 {o['area_m2']} 平方米")
    for gap in summary["gaps"]:
        click.echo(f"  空隙：{gap['parent']} 下约 {gap['area_m2']} 平方米未被覆盖")
