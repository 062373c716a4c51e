"""`flask moderation run`: retry pending checks, as a long-running process or one batch (cron)."""

import os
import socket
import threading
import uuid

import click
from flask import current_app
from flask.cli import AppGroup

from suishoupai.moderation.worker import run_once

moderation_cli = AppGroup("moderation", help="内容安全")


def worker_id() -> str:
    """Who holds a lease: host, process and a nonce."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@moderation_cli.command("run")
@click.option("--once", is_flag=True, help="one batch and exit (for cron)")
@click.option("--batch", type=click.IntRange(1, 1000), default=None, help="rows per batch [MODERATION_BATCH]")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=10.0, show_default=True,
              help="seconds to wait when nothing is due")
def run_command(once, batch, interval):
    """Ask the provider again about texts and photos still pending; safe to run several at once."""
    batch = batch or current_app.config["MODERATION_BATCH"]
    worker, idle = worker_id(), threading.Event()
    while True:
        summary = run_once(worker, batch)
        if summary["claimed"] or once:
            click.echo(f"通过 {summary['pass']} 条，人工复核 {summary['review']} 条，"
                       f"不予展示 {summary['risky']} 条，图片已提交 {summary['submitted']} 条，"
                       f"稍后重试 {summary['retry']} 条")
        if once:
            return
        if summary["claimed"] < batch:
            idle.wait(interval)
