"""`flask points verify` (the auditor's check) and `flask points seed-rules`."""

import sys
import time

import click
from flask.cli import AppGroup

from suishoupai.extensions import db
from suishoupai.points import audit, rulebook

points_cli = AppGroup("points", help="新就业群体积分")


@points_cli.command("verify")
def verify_command():
    """Check the hash chain, zero-sum transactions and cached balances; exit 1 naming the first break."""
    started = time.perf_counter()
    report = audit.verify()
    seconds = time.perf_counter() - started
    click.echo(f"交易 {report.transactions} 笔，分录 {report.postings} 条，账户 {report.accounts} 个，"
               f"用时 {seconds:.1f} 秒")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAIL {problem}", err=True)
        sys.exit(1)
    click.echo("OK 账本校验通过")


@points_cli.command("seed-rules")
def seed_rules_command():
    """Write the seeded 贡献积分细则 where a rule is missing."""
    added = rulebook.seed_rules()
    db.session.commit()
    click.echo(f"新增积分规则 {added} 条")
