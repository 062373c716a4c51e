"""The summary as tables with Chinese headers, and those tables as an xlsx workbook or a CSV file (pure)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from suishoupai.stats.definitions import HOURS, NOTES, RATES

#: ?table= → sheet title; the workbook holds them all, in this order
TABLES = {"overview": "总览", "grids": "按网格", "departments": "按部门", "categories": "按类别",
          "statuses": "按状态", "definitions": "口径说明"}
COUNTS = (("cases", "案件数"), ("rejected", "驳回（不计入）"), ("valid", "有效案件"), ("open", "在办"),
          ("overdue_open", "在办超时"))
BASIS = {"case": "案件", "clock": "处置时钟"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
#: a cell starting with one of these is a formula to Excel (CSV injection): such text gets a leading '
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Percent(float):
    """A rate in a cell: written as a percentage, in the CSV as text Excel reads back as a number."""


def _pct(value: float | None) -> Percent | None:
    """Mark a rate for percentage display."""
    return None if value is None else Percent(value)


@dataclass(frozen=True)
class Table:
    """One sheet: its key, title, headers and rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]


def _time(value: datetime) -> str:
    """A timestamp as offices read it."""
    return value.isoformat(timespec="seconds")


def _overview(s: dict) -> Table:
    """Scope, window, counts, rates with their counts and wording, hours."""
    t = s["totals"]
    scope = f"{s['scope']['kind']}:{s['scope']['id']}"
    rows: list[list] = [["统计范围", s["scope"]["name"], None, None, scope],
                        ["起（含）", _time(s["from"]), None, None, None],
                        ["止（不含）", _time(s["to"]), None, None, None],
                        ["统计时刻", _time(s["as_of"]), None, None, None]]
    rows += [[label, t[key], None, None, None] for key, label in COUNTS]
    for d in RATES:
        r = t["rates"][d.key]
        rows.append([d.name, _pct(r["value"]), r["numerator"], r["denominator"],
                     f"分子：{d.numerator}；分母：{d.denominator}"])
    for key, h in HOURS.items():
        rows.append([f"{h['name']} 均值", t["hours"][key]["mean"], None, t["hours"][key]["n"], h["measure"]])
        rows.append([f"{h['name']} 中位数", t["hours"][key]["median"], None, t["hours"][key]["n"],
                     h["measure"]])
        rows.append([f"{h['name']} p90", t["hours"][key]["p90"], None, t["hours"][key]["n"], h["measure"]])
    return Table("overview", TABLES["overview"], ["指标", "数值", "分子", "分母", "口径"], rows)


def _figure_headers(first: str) -> list[str]:
    """Headers of a per-row figures table."""
    headers = [first] + [label for _, label in COUNTS]
    for d in RATES:
        headers += [d.name, f"{d.name}分子", f"{d.name}分母", f"{d.name}排名"]
    for h in HOURS.values():
        headers += [f"{h['name']} 均值", f"{h['name']} 中位数", f"{h['name']} p90", f"{h['name']} 样本数"]
    return headers


def _figure_row(name: str, f: dict) -> list:
    """One row of figures in header order."""
    row = [name] + [f[key] for key, _ in COUNTS]
    for d in RATES:
        r = f["rates"][d.key]
        row += [_pct(r["value"]), r["numerator"], r["denominator"], r["rank"]]
    for key in HOURS:
        hours = f["hours"][key]
        row += [hours["mean"], hours["median"], hours["p90"], hours["n"]]
    return row


def _figures(key: str, first: str, items: list[dict], title: str | None = None) -> Table:
    """A per-grid, per-department, per-category (or per-unit, per-period: ``title``) table."""
    return Table(key, title or TABLES[key], _figure_headers(first),
                 [_figure_row(i["name"], i) for i in items])


def figures_table(key: str, title: str, first: str, items: list[dict]) -> Table:
    """A table of figure rows outside the summary's workbook (the trend, the units of a level)."""
    return _figures(key, first, items, title)


def tables(s: dict) -> list[Table]:
    """Every table of a summary, in workbook order."""
    return [
        _overview(s),
        _figures("grids", "网格", s["by_grid"]),
        _figures("departments", "部门", s["by_department"]),
        _figures("categories", "类别", s["by_category"]),
        Table("statuses", TABLES["statuses"], ["状态", "状态代码", "案件数"],
              [[b["label"], b["status"], b["count"]] for b in s["by_status"]]),
        definitions_table(s),
    ]


def definitions_table(s: dict) -> Table:
    """How each figure of an answer is counted, and the answer's notes."""
    return Table("definitions", TABLES["definitions"],
                 ["指标", "统计单位", "分子", "分母", "排除", "未评价的案件", "排名最小样本"],
                 [[d["name"], BASIS[d["basis"]], d["numerator"], d["denominator"], d["exclusions"],
                   d["unrated"], d["min_sample"]] for d in s["definitions"]]
                 + [[h["name"], BASIS["clock"], h["measure"], None, None, None, None]
                    for h in s["hours_definitions"]]
                 + [["说明", None, note, None, None, None, None] for note in s.get("notes", NOTES)])


def _text(value: str) -> str:
    """Text made safe for a spreadsheet: no control characters, and never read as a formula."""
    # lone surrogates (possible in JSON input) cannot be written as UTF-8
    value = ILLEGAL_CHARACTERS_RE.sub("", value.encode("utf-8", "replace").decode("utf-8"))
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _csv_cell(value) -> object:
    """Empty for None, "95.00%" for a rate, safe text, the value otherwise."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{value * 100:.2f}%"
    return _text(value) if isinstance(value, str) else value


def _xlsx_cell(value) -> object:
    """Plain float for a rate (formatted after), safe text, the value otherwise."""
    if isinstance(value, Percent):
        return float(value)
    return _text(value) if isinstance(value, str) else value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM (so Excel opens Chinese as such), CRLF rows, rates as percentages."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: list[Table]) -> bytes:
    """One worksheet per table, header row bold and frozen, rates formatted as percentages."""
    book = Workbook()
    book.remove(book.active)
    for table in sheets:
        sheet = book.create_sheet(table.title)
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table.rows:
            sheet.append([_xlsx_cell(v) for v in values])
            for cell, value in zip(sheet[sheet.max_row], values, strict=False):
                if isinstance(value, Percent):
                    cell.number_format = "0.00%"
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
