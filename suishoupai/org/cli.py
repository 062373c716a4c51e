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
@click.option("--dry-run", is_flag=True,
              help="show the effect (grids added, changed; open cases moved) and write nothing")
def import_command(file, coord_type, dry_run):
    """Import a GeoJSON FeatureCollection of org units, all or nothing."""
    try:
        doc = json.load(file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"不是有效的 JSON：{exc}") from exc
    total = len(doc.get("features") or []) if isinstance(doc, dict) else 0
    try:
        with click.progressbar(length=total, label="导入中") as bar:
            summary = boundaries.import_units(doc, coord_type, progress=lambda n: bar.update(1),
                                              dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except InvalidInput as exc:
        db.session.rollback()
        for p in exc.details.get("problems", []):
            click.echo(f"  要素 {p.get('feature')} {p.get('code') or ''}: {p['message']}", err=True)
        raise click.ClickException(f"{exc.message}") from exc
    effect = summary["effect"]
    if dry_run:
        click.echo("预览（未写入）：")
    click.echo(f"新建 {summary['created']}，更新 {summary['updated']}：{summary['by_kind']}")
    click.echo(f"网格：新增 {len(effect['added'])}，变更 {len(effect['changed'])}，删除 0"
               f"（文件未列出、保持原边界 {len(effect['unlisted'])}）")
    for code in effect["added"]:
        click.echo(f"  新增网格：{code}")
    for code in effect["changed"]:
        click.echo(f"  变更网格：{code}")
    click.echo(f"所在网格将改变的在办案件：{effect['open_cases_moved']} 件")
    for moved in effect["moved"]:
        click.echo(f"  案件 {moved['report_id']}：{moved['from'] or '无网格'} → {moved['to'] or '无网格'}")
    for code in summary["repaired"]:
        click.echo(f"  已修复无效多边形（自相交等）：{code}")
    for o in summary["overlaps"]:
        click.echo(f"  重叠：{o['a']} × {o['b']} 约 {o['area_m2']} 平方米")
    for gap in summary["gaps"]:
        click.echo(f"  空隙：{gap['parent']} 下约 {gap['area_m2']} 平方米未被覆盖")
