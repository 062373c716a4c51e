"""Stats endpoints: the summary, the trend and the per-unit figures as JSON, each also as an xlsx
workbook or a CSV table."""

from urllib.parse import quote

from flask import Response

from suishoupai.extensions import Blueprint, errors
from suishoupai.org.actor import current_actor
from suishoupai.stats import schemas, series, service, tables

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="统计")
BINARY = {"type": "string", "format": "binary"}


def _file(body: bytes, mimetype: str, summary: dict, suffix: str, title: str) -> Response:
    """A download named after scope and window (ASCII name, and the Chinese one for clients that read it)."""
    scope, start, end = summary["scope"], summary["from"], summary["to"]
    stem = f"stats-{scope['kind']}-{scope['id']}-{start:%Y%m%d}-{end:%Y%m%d}{suffix}"
    name = f"{scope['name']}{title}统计-{start:%Y%m%d}-{end:%Y%m%d}.{stem.rsplit('.', 1)[1]}"
    disposition = f"attachment; filename=\"{stem}\"; filename*=UTF-8''{quote(name)}"
    # the type as given: `mimetype=` would append a second charset to a text type that names one
    return Response(body, content_type=mimetype, headers={"Content-Disposition": disposition})


@blp.route("/summary")
@errors(403, 404)
@blp.arguments(schemas.SummaryArgs, location="query")
@blp.response(200, schemas.Summary)
def summary(args):
    """Counts by status and category, rates with their definitions, hours; per grid and department."""
    return service.summary(current_actor(), args)


@blp.route("/export.xlsx")
@errors(403, 404)
@blp.arguments(schemas.SummaryArgs, location="query")
@blp.response(200, BINARY, content_type=tables.XLSX_TYPE)
def export_xlsx(args):
    """The summary as a workbook: one sheet per table, Chinese headers, definitions included."""
    figures = service.summary(current_actor(), args)
    return _file(tables.to_xlsx(tables.tables(figures)), tables.XLSX_TYPE, figures, ".xlsx", "")


@blp.route("/export.csv")
@errors(403, 404)
@blp.arguments(schemas.CsvArgs, location="query")
@blp.response(200, BINARY, content_type=tables.CSV_TYPE)
def export_csv(args):
    """One table of the summary as CSV (UTF-8 with BOM, for Excel), chosen by ?table=."""
    figures = service.summary(current_actor(), args)
    table = next(t for t in tables.tables(figures) if t.key == args["table"])
    return _file(tables.to_csv(table), tables.CSV_TYPE, figures, f"-{table.key}.csv", table.title)


#: the tables of the trend and the per-unit figures: (key, title, first column)
_TREND = ("trend", "趋势", "时段")
_LEVELS = {"street": "按街道", "community": "按社区", "grid": "按网格", "department": "按部门"}
_LEVEL_HEADS = {"street": "街道", "community": "社区", "grid": "网格", "department": "部门"}


def _trend_table(args) -> tuple[dict, tables.Table]:
    figures = series.trend(current_actor(), args)
    key, title, first = _TREND
    return figures, tables.figures_table(key, title, first, figures["points"])


def _units_table(args) -> tuple[dict, tables.Table]:
    figures = series.units(current_actor(), args)
    level = args["level"]
    table = tables.figures_table(f"units-{level}", _LEVELS[level], _LEVEL_HEADS[level], figures["rows"])
    return figures, table


@blp.route("/trend")
@errors(403, 404)
@blp.arguments(schemas.TrendArgs, location="query")
@blp.response(200, schemas.Trend)
def trend(args):
    """The scope's counts, rates and hours per day, week or month (Beijing calendar) of the window."""
    return series.trend(current_actor(), args)


@blp.route("/trend.xlsx")
@errors(403, 404)
@blp.arguments(schemas.TrendArgs, location="query")
@blp.response(200, BINARY, content_type=tables.XLSX_TYPE)
def trend_xlsx(args):
    """The trend as a workbook (one sheet, definitions on a second)."""
    figures, table = _trend_table(args)
    return _file(tables.to_xlsx([table, tables.definitions_table(figures)]), tables.XLSX_TYPE, figures,
                 "-trend.xlsx", "趋势")


@blp.route("/trend.csv")
@errors(403, 404)
@blp.arguments(schemas.TrendArgs, location="query")
@blp.response(200, BINARY, content_type=tables.CSV_TYPE)
def trend_csv(args):
    """The trend as CSV (UTF-8 with BOM)."""
    figures, table = _trend_table(args)
    return _file(tables.to_csv(table), tables.CSV_TYPE, figures, "-trend.csv", "趋势")


@blp.route("/units")
@errors(403, 404)
@blp.arguments(schemas.UnitsArgs, location="query")
@blp.response(200, schemas.Units)
def units(args):
    """The figures of every street, community or grid under the scope, or of its departments, ranked."""
    return series.units(current_actor(), args)


@blp.route("/units.xlsx")
@errors(403, 404)
@blp.arguments(schemas.UnitsArgs, location="query")
@blp.response(200, BINARY, content_type=tables.XLSX_TYPE)
def units_xlsx(args):
    """The per-unit figures as a workbook (one sheet, definitions on a second)."""
    figures, table = _units_table(args)
    return _file(tables.to_xlsx([table, tables.definitions_table(figures)]), tables.XLSX_TYPE, figures,
                 f"-{table.key}.xlsx", table.title)


@blp.route("/units.csv")
@errors(403, 404)
@blp.arguments(schemas.UnitsArgs, location="query")
@blp.response(200, BINARY, content_type=tables.CSV_TYPE)
def units_csv(args):
    """The per-unit figures as CSV (UTF-8 with BOM)."""
    figures, table = _units_table(args)
    return _file(tables.to_csv(table), tables.CSV_TYPE, figures, f"-{table.key}.csv", table.title)
