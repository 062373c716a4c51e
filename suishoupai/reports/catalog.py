"""The category catalog (分类限期) and the working-day calendar, both editable by admins."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached

from suishoupai import versioned
from suishoupai.errors import Conflict, InvalidInput, NotFound
from suishoupai.extensions import db
from suishoupai.org.models import Department
from suishoupai.reports.deadlines import Calendar
from suishoupai.reports.models import CalendarDay, Category

#: code, name, accept (amount, unit), resolve (amount, unit), default department code, straight to it
DEFAULT_CATEGORIES = [
    ("sanitation", "环境卫生", (4, "hours"), (2, "workdays"), None, False),
    ("garbage", "垃圾堆放", (4, "hours"), (1, "workdays"), None, False),
    ("cityscape", "市容秩序", (8, "hours"), (3, "workdays"), "DEMO-CG", False),
    ("street_vending", "占道经营", (4, "hours"), (2, "workdays"), "DEMO-CG", False),
    ("fire_lane", "消防通道堵塞", (1, "hours"), (4, "hours"), "DEMO-XF", False),
    ("ebike_charging", "电动车违规充电", (1, "hours"), (8, "hours"), "DEMO-XF", False),
    ("street_light", "路灯照明", (8, "hours"), (3, "workdays"), "DEMO-CG", False),
    ("road_damage", "道路设施损坏", (8, "hours"), (5, "workdays"), "DEMO-ZJ", False),
    ("manhole", "井盖缺失", (1, "hours"), (8, "hours"), "DEMO-CG", False),
    ("greenery", "园林绿化", (1, "workdays"), (5, "workdays"), None, False),
    ("noise", "噪音扰民", (2, "hours"), (2, "workdays"), None, False),
    ("illegal_building", "违章搭建", (1, "workdays"), (10, "workdays"), "DEMO-ZJ", True),
    ("property", "物业问题", (1, "workdays"), (5, "workdays"), None, False),
    ("other", "其他", (1, "workdays"), (5, "workdays"), None, False),
]


def seed_categories() -> int:
    """Create the default catalog where missing (department codes are the demo district's)."""
    existing = set(db.session.scalars(select(Category.code)))
    departments = {d.code: d.id for d in db.session.scalars(select(Department))}
    created = 0
    for order, (code, name, accept, resolve, dept, direct) in enumerate(DEFAULT_CATEGORIES):
        if code in existing:
            continue
        db.session.add(Category(
            code=code, name=name, accept_amount=accept[0], accept_unit=accept[1],
            resolve_amount=resolve[0], resolve_unit=resolve[1],
            default_department_id=departments.get(dept) if dept else None,
            route_to_department=direct and dept in departments, sort_order=order))
        created += 1
    db.session.flush()
    if created:
        versioned.bump(CATEGORIES)
    return created


def active_categories() -> list[Category]:
    """The categories residents can file under, in display order."""
    return list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order, Category.id)))


def all_categories() -> list[Category]:
    """The whole catalog, for admins."""
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


#: the version counter (suishoupai.versioned) of the category catalog
CATEGORIES = "categories"


def _read_catalog() -> dict[str, Category]:
    """Every active category by code, as detached copies that no session holds: shared by the
    threads of a process, read-only, and merged into a session before use."""
    copies = {}
    for row in db.session.execute(select(*Category.__table__.c).where(Category.active.is_(True))).mappings():
        category = Category(**row)
        make_transient_to_detached(category)
        copies[category.code] = category
    return copies


def by_code(code: str) -> Category:
    """An active category (from this process's copy of the catalog, rebuilt when an admin changes
    it); unknown codes are a 422 on the field."""
    copy = versioned.cached(CATEGORIES, _read_catalog).get(code)
    if copy is None:
        raise InvalidInput("问题分类不存在", code="report.unknown_category",
                           details={"fields": {"category": ["未知的分类"]}})
    # the session gets its own instance, without SQL; the shared copy is never attached
    return db.session.merge(copy, load=False)


def _check_department(department_id: int | None) -> None:
    """A default department must exist."""
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise NotFound("部门不存在", code="org.department_not_found")


def create_category(data: dict) -> Category:
    """Add a category to the catalog."""
    if db.session.scalars(select(Category).where(Category.code == data["code"])).first():
        raise Conflict("分类编码已存在", code="report.category_exists")
    _check_department(data.get("default_department_id"))
    category = Category(**data)
    db.session.add(category)
    db.session.flush()
    versioned.bump(CATEGORIES)
    return category


def update_category(code: str, changes: dict) -> Category:
    """Change a category's name, deadlines, department or status."""
    category = db.session.scalars(select(Category).where(Category.code == code)).first()
    if category is None:
        raise NotFound("问题分类不存在", code="report.category_not_found")
    _check_department(changes.get("default_department_id"))
    # the schema checks the order when both factors come; a change of one is checked against the other
    community = changes.get("escalate_community_factor", category.escalate_community_factor)
    if changes.get("escalate_street_factor", category.escalate_street_factor) <= community:
        raise InvalidInput("上报街道的倍数须大于上报社区的倍数", code="validation_error",
                           details={"fields": {"escalate_street_factor": ["须大于上报社区的倍数"]}})
    for key, value in changes.items():
        setattr(category, key, value)
    db.session.flush()
    versioned.bump(CATEGORIES)
    return category


#: the version counter (suishoupai.versioned) of the calendar's exceptions
CALENDAR = "calendar"


def _read_calendar() -> Calendar:
    """The calendar as the database holds it now."""
    return Calendar(overrides=dict(db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()))


def calendar() -> Calendar:
    """The working-day calendar with the configured holidays and make-up days (a per-process copy,
    rebuilt when an admin changes a day)."""
    return versioned.cached(CALENDAR, _read_calendar)


def set_day(day: date, is_workday: bool | None, note: str | None) -> None:
    """Mark a day as holiday or make-up working day; None removes the exception."""
    row = db.session.get(CalendarDay, day)
    if is_workday is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarDay(day=day, is_workday=is_workday, note=note))
    else:
        row.is_workday, row.note = is_workday, note
    db.session.flush()
    versioned.bump(CALENDAR)


def calendar_days(year: int) -> list[CalendarDay]:
    """The exceptions configured for a year."""
    return list(db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)))
