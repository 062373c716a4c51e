"""`flask media gc`."""

import click
from flask import current_app
from flask.cli import AppGroup

from suishoupai.extensions import db
from suishoupai.media import service
from suishoupai.run_lock import one_at_a_time

media_cli = AppGroup("media", help="照片存储")


@media_cli.command("gc")
@click.option("--orphan-hours", type=int, default=None, help="unattached uploads older than this go")
@click.option("--grace-minutes", type=int, default=None, help="rowless objects younger than this stay")
@one_at_a_time("media gc")
def gc_command(orphan_hours, grace_minutes):
    """Remove uploads never attached to a record, and stored objects without a row."""
    config = current_app.config
    rows = service.delete_orphan_rows(config["MEDIA_ORPHAN_HOURS"] if orphan_hours is None else orphan_hours)
    db.session.commit()
    objects = service.delete_rowless_objects(
        config["MEDIA_GC_GRACE_MINUTES"] if grace_minutes is None else grace_minutes)
    db.session.rollback()
    click.echo(f"删除未使用的上传 {rows} 条，无记录的存储对象 {objects} 个")
