"""Stats endpoints: the summary as JSON, and the same figures as an xlsx workbook or a CSV table."""

from urllib.parse import quote

from flask import Response

from suishoupai.extensions import Blueprint, errors
from suishoupai.org.actor import current_actor
from suishoupai.stats import schemas, service, tables

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
