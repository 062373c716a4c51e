"""Tell an author when content security keeps something of theirs from others (no label, no detail)."""

from __future__ import annotations

from suishoupai.moderation import events
from suishoupai.moderation.models import ModerationCheck
from suishoupai.notify.service import enqueue

#: subject type → (what it is called, the mini-program page it opens)
SUBJECTS = {"report": ("随手拍", "pages/report/detail?id={id}"),
            "wish": ("微心愿", "pages/wish/detail?id={id}")}


def on_content_risky(check: ModerationCheck, **_extra) -> None:
    """One inbox message per risky check, written with the verdict."""
    name, page = SUBJECTS[check.subject_type]
    what = "图片" if check.kind == "image" else "文字"
    enqueue(check.owner_id, "content_risky", "内容未通过审核",
            f"您在{name}中提交的{what}未通过内容安全审核，仅您本人可见，不会向他人展示。如有疑问请联系社区。",
            page.format(id=check.subject_id),
            {"subject_type": check.subject_type, "subject_id": str(check.subject_id), "title": name},
            dedupe_key=f"moderation:{check.id}:risky")


def connect() -> None:
    """Listen to content security (idempotent)."""
    events.content_risky.connect(on_content_risky, weak=False)
