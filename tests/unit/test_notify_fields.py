"""Subscribe message values fitted to WeChat's per-type limits (pure functions, no app)."""

from datetime import UTC, datetime

import pytest

from suishoupai.notify.fields import clean, field_type, fill, fit, shorten, when


def test_field_type_is_the_key_without_its_number():
    """thing12 → thing; character_string3 → character_string."""
    assert field_type("thing12") == "thing"
    assert field_type("character_string3") == "character_string"
    assert field_type("time") == "time"


def test_shorten_counts_characters_and_marks_the_cut():
    """Twenty Chinese characters are twenty, not sixty bytes; the cut ends with one ellipsis."""
    text = "小区东门垃圾堆放三天无人清理，气味很大影响居民出行"
    assert len(text) > 20
    cut = shorten(text, 20)
    assert len(cut) == 20 and cut.endswith("…") and cut[:-1] == text[:19]
    assert shorten("正好二十个字" * 2, 20) == "正好二十个字" * 2
    assert shorten("abcdef", 3, ellipsis=False) == "abc"


def test_clean_makes_one_line_without_emoji_or_controls():
    """Newlines, tabs and runs of spaces collapse; emoji and control characters go."""
    assert clean("  垃圾\n\t堆放  😀三天\x00 ") == "垃圾 堆放 三天"


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("thing1", "小区东门垃圾堆放三天无人清理，气味很大影响居民出行",
     "小区东门垃圾堆放三天无人清理，气味很大…"),
    ("thing2", "", "无"),
    ("thing3", None, "无"),
    ("character_string4", "RPT-" + "9" * 40, "RPT-" + "9" * 28),
    ("number5", "第 12 号", "12"),
    ("phrase6", "已受理（网格员）", "已受理网格"),
    ("phrase7", "ok", "无"),
    ("name8", "欧阳网格员王小明同志你好", "欧阳网格员王小明同志"),
    ("name9", "Alexander Hamilton Washington", "Alexander Hamilton W"),
    ("phone_number10", "+86 138-0000-1234（办公室）转 8888", "+86 138-0000-1234"),
    ("letter11", "x" * 40, "x" * 32),
    ("car_number12", "浙A12345挂号", "浙A12345挂"),
])
def test_fit_by_type(key, value, expected):
    """Each type gets its own limit, character set and empty-value placeholder."""
    assert fit(key, value) == expected


def test_times_are_shown_in_beijing_time_in_wechats_format():
    """UTC 2026-05-01 16:05 is 2026年5月2日 00:05 in Beijing; date keys drop the time."""
    moment = datetime(2026, 5, 1, 16, 5, tzinfo=UTC)
    assert when(moment) == "2026年5月2日 00:05"
    assert fit("time3", moment) == "2026年5月2日 00:05"
    assert fit("date4", moment.isoformat()) == "2026年5月2日"
    assert fit("time5", None) == "-"
    assert fit("time6", "明天上午") == "明天上午"


def test_fill_builds_the_data_object_from_sources():
    """Template keys take their source values; a missing source gets the type's placeholder."""
    data = fill({"thing1": "title", "time2": "created_at", "thing3": "nowhere"},
                {"title": "新派单：垃圾堆放", "created_at": datetime(2026, 1, 1, tzinfo=UTC)})
    assert data == {"thing1": {"value": "新派单：垃圾堆放"}, "time2": {"value": "2026年1月1日 08:00"},
                    "thing3": {"value": "无"}}
