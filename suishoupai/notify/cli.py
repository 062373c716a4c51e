"""`flask notify run`: the outbox worker, as a long-running process or one batch (cron)."""

import signal
import threading

import click
from flask.cli import AppGroup

from suishoupai.notify.templates import setting
from suishoupai.notify.worker import run_once, worker_id

notify_cli = AppGroup("notify", help="消息通知")
#: after WeChat's API quota for the app ran out, wait this long before trying again
QUOTA_PAUSE = 60.0


@notify_cli.command("run")
@click.option("--once", is_flag=True, help="deliver one batch and exit (for cron)")
@click.option("--batch", type=click.IntRange(1, 1000), default=None, help="rows per batch [NOTIFY_BATCH]")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="seconds to wait when nothing is due")
def run_command(once, batch, interval):
    """Send due notifications as WeChat subscribe messages; safe to run several at once."""
    batch = batch or int(setting("NOTIFY_BATCH"))
    worker = worker_id()
    stopping = threading.Event()
    previous = None
    if not once and threading.current_thread() is threading.main_thread():
        # on SIGTERM finish the message in flight and mark it, rather than leave it unconfirmed
        previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while True:
            summary = run_once(batch, worker, stop=stopping.is_set)
            if summary["claimed"] or summary["reaped"] or once:
                click.echo(_line(summary))
            if once or stopping.is_set():
                return
            if summary["stopped"]:
                stopping.wait(QUOTA_PAUSE)
            elif summary["claimed"] < batch:
                stopping.wait(interval)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _line(summary) -> str:
    """One zh-CN line of what a batch did."""
    return (f"发送成功 {summary['sent']} 条，稍后重试 {summary['retry']} 条，失败 {summary['failed']} 条，"
            f"无订阅额度 {summary['no_quota']} 条，结果未知 {summary['unconfirmed'] + summary['reaped']} 条，"
            f"仅站内 {summary['skipped']} 条")
