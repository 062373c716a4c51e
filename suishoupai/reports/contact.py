"""The reporter's phone for the staff handling a case: never in a list or detail, only through this
recorded step."""

from __future__ import annotations

from suishoupai import crypto
from suishoupai.auth.models import User
from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.privacy import access
from suishoupai.reports.lifecycle import Party, available_actions
from suishoupai.reports.queries import case_of, get_visible, parties_of


def reveal_reporter(actor: Actor, report_id: int) -> dict:
    """The reporter's name and full phone for staff with a step open on the case; recorded."""
    report = get_visible(actor, report_id)
    parties = parties_of(actor, report) - {Party.REPORTER}
    if not report.is_open or not parties or not available_actions(case_of(report), parties):
        raise Conflict("只有正在处置该案件的工作人员可以查看反映人电话", code="report.reveal_not_allowed",
                       details={"status": report.status})
    reporter = db.session.get(User, report.reporter_id)
    phone = crypto.decrypt(reporter.phone_enc) if reporter.phone_enc else None
    if phone:
        place = db.session.get(OrgUnit, report.grid_id or report.community_id)
        access.record(actor, subject_user_id=reporter.id, subject_kind="report", subject_id=report.id,
                      fields=["phone"], reason="report.reporter_contact", path=place.path)
    return {"name": reporter.display_name, "phone": phone}
