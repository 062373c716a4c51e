"""Turn the wishes domain's announcements into notifications (wisher and claimant are told)."""

from __future__ import annotations

from suishoupai.notify.fields import clean
from suishoupai.notify.service import enqueue
from suishoupai.wishes import events
from suishoupai.wishes.models import Wish, WishEvent

#: the mini-program page a wish's notification opens
WISH_PAGE = "pages/wish/detail?id={id}"


def _wisher(wish: Wish) -> int:
    """Who speaks for the wish: the resident, or the grid member who entered it for them."""
    return wish.wisher_id or wish.submitted_by_id


def _drafts(wish: Wish, event: WishEvent, claimant_id: int | None) -> list[tuple[int | None, str, str, str]]:
    """(recipient, kind, title, body) for one step."""
    title = f"“{clean(wish.title)}”"
    by_action = {
        "publish": [(_wisher(wish), "wish_published", "心愿已发布",
                     f"{title}已发布到心愿墙，等待爱心人士认领。")],
        "reject": [(_wisher(wish), "wish_rejected", "心愿未通过审核",
                    f"{title}未通过审核：{event.note or '请联系社区了解详情'}")],
        "claim": [(_wisher(wish), "wish_claimed", "心愿已被认领",
                   f"{title}已有志愿者认领，将尽快为您实现。")],
        "fulfil": [(_wisher(wish), "wish_fulfilled", "心愿已完成", f"{title}已完成，请确认。")],
        "expire": [(claimant_id, "wish_released", "认领已超时",
                    f"您认领的{title}超过期限未完成，已重新回到心愿墙。")],
        "confirm": [(claimant_id or wish.claimant_id, "wish_confirmed", "心愿已确认",
                     f"{title}已确认实现，感谢您的付出！{('留言：' + wish.thanks) if wish.thanks else ''}")],
    }
    return by_action.get(event.action, [])


def on_wish_event(wish: Wish, event: WishEvent, claimant_id: int | None = None, **_extra) -> None:
    """Write the step's notifications; nobody is told about their own step."""
    for user_id, kind, title, body in _drafts(wish, event, claimant_id):
        if user_id is None or user_id == event.actor_id:
            continue
        enqueue(user_id, kind, title, body, WISH_PAGE.format(id=wish.id),
                {"wish_id": str(wish.id), "title": clean(wish.title), "note": event.note or "",
                 "event_at": event.created_at},
                dedupe_key=f"wish-event:{event.id}:{kind}:{user_id}")


def connect() -> None:
    """Listen to every wish signal (idempotent)."""
    for signal in set(events.BY_ACTION.values()):
        signal.connect(on_wish_event, weak=False)
