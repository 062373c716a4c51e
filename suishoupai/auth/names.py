"""How a person is named: their registered real name where they gave one (rider, volunteer, staff),
else the display name they set; on public boards a real name is masked to its surname (王**)."""

from __future__ import annotations

import unicodedata

#: what a person who gave no name at all is shown as
FALLBACK = "微信用户"
#: display names nobody may take: the fallback itself and the staff titles people trust
RESERVED = frozenset({FALLBACK, "管理员", "系统", "网格员", "社区", "街道", "城管", "工作人员", "客服"})


def shown(real_name: str | None, nickname: str | None) -> str:
    """The name staff and the person's own views show."""
    return real_name or nickname or FALLBACK


def mask(name: str) -> str:
    """王小明 → 王**: the surname and one star per further character (at least one)."""
    return name[0] + "*" * max(len(name) - 1, 1)


def public(real_name: str | None, nickname: str | None) -> str:
    """The name a public board or ranking shows: a real name masked, else the chosen display name
    masked the same way (a nickname is often a real name too), else the fallback."""
    name = real_name or nickname
    return mask(name) if name else FALLBACK


def refusal(name: str) -> str | None:
    """Why a display name the person typed cannot be used, or None (it arrives stripped)."""
    if not name:
        return "不能为空"
    if any(unicodedata.category(ch)[0] in ("C", "Z") and ch != " " for ch in name):
        return "不能包含控制字符或特殊空白"
    if name in RESERVED or name.startswith(FALLBACK):
        return "该名称不可使用"
    return None
