"""Grid boundaries with a history: each grid's polygon per revision, the revision that routed each
report, the revisions listed, and an import's effect shown before it is applied (API and CLI)."""

import json

import pytest
from shapely import affinity, from_geojson
from sqlalchemy import func, select

from suishoupai.extensions import db
from suishoupai.org.models import BoundaryRevision, GridGeometry, OrgUnit
from suishoupai.reports.models import Report
from tests.helpers.reports import CENTRE, Case

DA = "demo-district-admin"


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


def _moved_doc(app, report_id: int) -> tuple[dict, str]:
    """A file redrawing the report's grid 2 km east (so the report's spot leaves it), and its code."""
    with app.app_context():
        grid = db.session.get(OrgUnit, db.session.get(Report, report_id).grid_id)
        parent = db.session.get(OrgUnit, grid.parent_id).code
        shifted = affinity.translate(from_geojson(grid.geometry), xoff=0.02)
        feature = {"type": "Feature", "geometry": json.loads(json.dumps(shifted.__geo_interface__)),
                   "properties": {"code": grid.code, "name": grid.name, "kind": grid.kind, "parent": parent}}
        return {"type": "FeatureCollection", "features": [feature]}, grid.code


def _counts(app) -> tuple[int, int, str]:
    """(revisions, kept boundaries, the centre grid's geometry) straight from the database."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(BoundaryRevision)),
                db.session.scalar(select(func.count()).select_from(GridGeometry)),
                db.session.scalar(select(func.min(OrgUnit.geometry)).where(OrgUnit.kind == "grid")))


def _import(case, doc, dry_run: bool):
    """POST the file as the district admin."""
    return case.client.post("/api/v1/admin/org/import", json=doc, headers=case.h(DA),
                            query_string={"coord_type": "wgs84", "dry_run": str(dry_run).lower()})


def test_dry_run_shows_the_effect_and_writes_nothing_then_the_import_keeps_history(case, app, tmp_path):
    """A redrawn grid: the dry run names it as changed and the open case that would leave it, and
    changes nothing; the CLI's --dry-run says the same; the real import keeps the old boundary with its
    validity, lists the new revision, and the report keeps the revision that routed it."""
    rid = case.file().json["id"]
    revisions = case.client.get("/api/v1/admin/boundaries/revisions", headers=case.h(DA)).json["items"]
    routed_by = revisions[0]["id"]
    assert case.get(DA, rid).json["grid_revision_id"] == routed_by
    assert "grid_revision_id" not in case.get("demo-resident", rid).json

    doc, code = _moved_doc(app, rid)
    before = _counts(app)
    preview = _import(case, doc, dry_run=True)
    assert preview.status_code == 200, preview.json
    effect = preview.json["effect"]
    assert preview.json["dry_run"] is True and (effect["added"], effect["changed"]) == ([], [code])
    assert effect["removed"] == [] and effect["open_cases_moved"] >= 1
    assert (rid, code) in [(m["report_id"], m["from"]) for m in effect["moved"]]
    assert code not in effect["unlisted"] and effect["unlisted"]  # its siblings, left as they are
    assert _counts(app) == before

    path = tmp_path / "grid.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cli = app.test_cli_runner().invoke(
        args=["org", "import", str(path), "--coord-type", "wgs84", "--dry-run"])
    assert cli.exit_code == 0, cli.output
    assert "预览（未写入）" in cli.output and f"变更网格：{code}" in cli.output
    assert f"案件 {rid}：{code}" in cli.output
    assert _counts(app) == before

    applied = _import(case, doc, dry_run=False)
    assert applied.status_code == 200, applied.json
    new = applied.json["revision_id"]
    assert applied.json["dry_run"] is False and new > routed_by
    listed = case.client.get("/api/v1/admin/boundaries/revisions", headers=case.h(DA)).json["items"]
    assert (listed[0]["id"], listed[0]["grids_redrawn"]) == (new, 1)
    with app.app_context():
        grid_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    history = case.client.get(f"/api/v1/admin/grids/{grid_id}/boundaries", headers=case.h(DA)).json
    assert len(history) == 2
    old, current = history
    assert old["valid_to"] == current["valid_from"] and current["valid_to"] is None
    assert current["revision_id"] == new and old["geometry"] != current["geometry"]
    # the report keeps the revision that routed it; a report filed now records the new one
    assert case.get(DA, rid).json["grid_revision_id"] == routed_by
    later = case.file(location=CENTRE, category="noise").json["id"]
    assert case.get(DA, later).json["grid_revision_id"] == new


def test_revisions_are_for_admins(case):
    """Residents and grid members are refused the revision list; a bad page size is a 422."""
    for who in ("demo-resident", "demo-grid-member"):
        resp = case.client.get("/api/v1/admin/boundaries/revisions", headers=case.h(who))
        assert resp.status_code == 403 and resp.json["error"]["code"]
    bad = case.client.get("/api/v1/admin/boundaries/revisions", query_string={"limit": 0}, headers=case.h(DA))
    assert bad.status_code == 422
