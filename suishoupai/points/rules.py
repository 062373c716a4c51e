"""Pure rule-book logic: caps, local day and month windows, and the seeded 贡献积分细则."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: a rule's version is current from effective_from until effective_to (open when None)


@dataclass(frozen=True)
class Grant:
    """What an award may credit after the caps, and why it is less than asked, if it is."""

    points: int
    reason: str | None = None


def windows(moment: datetime) -> tuple[datetime, datetime]:
    """The UTC starts of the local day and the local month holding ``moment``."""
    local = moment.astimezone(LOCAL_TZ)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.astimezone(UTC), day.replace(day=1).astimezone(UTC)


def apply_caps(requested: int, used_today: int, used_month: int,
               daily_cap: int | None, monthly_cap: int | None) -> Grant:
    """Credit what fits under both caps; nothing left → 0 points with the cap named."""
    room = requested
    reason = None
    if daily_cap is not None and daily_cap - used_today < room:
        room = max(daily_cap - used_today, 0)
        reason = f"已达该项每日上限（{daily_cap} 分）"
    if monthly_cap is not None and monthly_cap - used_month < room:
        room = max(monthly_cap - used_month, 0)
        reason = f"已达该项每月上限（{monthly_cap} 分）"
    if reason and room > 0:
        reason += f"，本次按 {room} 分计"
    return Grant(room, reason)


def is_current(effective_from: datetime, effective_to: datetime | None, moment: datetime) -> bool:
    """Whether a rule version applies at ``moment``."""
    return effective_from <= moment and (effective_to is None or moment < effective_to)


#: the seeded 新就业群体参与基层治理贡献积分细则: code, name, points, daily cap, monthly cap,
#: needs review, riders only, description
RULE_BOOK = [
    ("report_valid", "随手拍问题经核实有效", 5, 20, 200, False, True,
     "上报的问题经网格员或社区受理为有效问题；每日最多计 20 分"),
    ("report_resolved", "上报问题办结", 3, 15, 150, False, True,
     "本人上报的问题办结销号后加计"),
    ("post_month", "认领治理岗履职满月", 30, None, 60, False, True,
     "认领小区治理岗并经社区确认当月履职；积分以岗位设定为准"),
    ("bounty_completed", "揭榜挂帅任务完成", 20, None, 300, False, True,
     "揭榜任务经社区验收通过；积分以榜单设定为准"),
    ("wish_fulfilled", "帮助群众实现微心愿", 10, 20, 100, False, True,
     "认领并完成居民微心愿"),
    ("volunteer_hour", "参加志愿服务（每小时）", 2, 8, 80, True, True,
     "参加社区组织的志愿服务，按小时计，经社区审核"),
    ("civility_persuasion", "文明劝导", 2, 6, 60, True, True,
     "劝导不文明行为（如电动车违停、楼道充电）并留存记录，经社区审核"),
]
