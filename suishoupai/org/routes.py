"""Locating a spot, and the admin views of the tree and its grids."""

from flask import current_app

from suishoupai.auth.models import ADMIN_ROLES, STAFF_ROLES, Role
from suishoupai.extensions import Blueprint, errors
from suishoupai.org import boundaries, handover, revisions, schemas, service
from suishoupai.org.actor import current_actor, require_role
from suishoupai.org.models import OrgUnit
from suishoupai.pagination import PageArgs, keyset_page, page_of
from suishoupai.web import writes

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="网格与组织架构")


@blp.route("/grids/locate")
@errors(404)
@blp.arguments(schemas.LocateArgs, location="query")
@blp.response(200, schemas.Located)
def locate(args):
    """The grid, community and on-duty member for a spot."""
    current_actor()
    return service.locate(args["lat"], args["lng"], args["coord_type"],
                          current_app.config["ROUTING_POLICY"])


@blp.route("/admin/org")
@errors(403)
@blp.response(200, schemas.TreeNode(many=True))
def org_tree():
    """The part of the org tree the caller may see."""
    return service.org_tree(require_role(*STAFF_ROLES))


@blp.route("/admin/grids")
@errors(403, 404)
@blp.arguments(schemas.GridArgs, location="query")
@blp.response(200, page_of(schemas.Grid))
def list_grids(args):
    """Grids with their GeoJSON boundary in the requested coordinate type."""
    actor = require_role(*STAFF_ROLES)
    if args.get("community") is not None:
        service.community_in_reach(actor, args["community"])
    page = keyset_page(service.grids_stmt(actor, args.get("community")), [OrgUnit.id],
                       args["limit"], args["cursor"])
    page["items"] = [service.grid_view(g, args["coord_type"]) for g in page["items"]]
    return page


@blp.route("/admin/grids/<id:grid_id>")
@errors(403, 404)
@blp.arguments(schemas.CoordArgs, location="query")
@blp.response(200, schemas.Grid)
def get_grid(args, grid_id):
    """One grid with its boundary and members."""
    grid = service.grid_in_scope(require_role(*STAFF_ROLES), grid_id)
    return service.grid_view(grid, args["coord_type"])


@blp.route("/admin/org/import", methods=["POST"])
@errors(403, 404)
@blp.arguments(schemas.ImportArgs, location="query")
@blp.arguments(schemas.FeatureCollection)
@writes(idempotent=True)
@blp.response(200, schemas.ImportSummary)
def import_org(args, doc):
    """Import units and boundaries from GeoJSON (all or nothing)."""
    actor = require_role(Role.DISTRICT_ADMIN, Role.STREET_ADMIN)
    return boundaries.import_units(doc, args["coord_type"], under=actor, dry_run=args["dry_run"])


@blp.route("/admin/boundaries/revisions")
@errors(403)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(schemas.RevisionOut))
def boundary_revisions(args):
    """Boundary revisions, newest first, with how many grids each redrew."""
    require_role(*ADMIN_ROLES)
    return revisions.list_revisions(args)


@blp.route("/admin/grids/<id:grid_id>/boundaries")
@errors(403, 404)
@blp.response(200, schemas.GridBoundaryOut(many=True))
def grid_boundaries(grid_id):
    """A grid's boundary per revision, oldest first (WGS-84), with when each was in force."""
    service.grid_in_scope(require_role(*ADMIN_ROLES), grid_id)
    return revisions.history(grid_id)


@blp.route("/admin/grids/<id:grid_id>/members", methods=["POST"])
@errors(403, 404, 409)
@blp.arguments(schemas.MemberIn)
@writes
@blp.response(200, schemas.Grid)
def add_member(data, grid_id):
    """Put a user on a grid, on duty or as backup."""
    actor = require_role(*ADMIN_ROLES)
    grid = service.set_member(actor, grid_id, data["user_id"], data["duty"])
    return service.grid_view(grid, "gcj02")


@blp.route("/admin/grids/<id:grid_id>/handover", methods=["POST"])
@errors(403, 404, 409, 422)
@blp.arguments(schemas.HandoverIn)
@writes
@blp.response(200, schemas.Grid)
def hand_over(data, grid_id):
    """Hand the grid's duty to another member in one step (the old one stays as backup or leaves)."""
    grid = handover.hand_over(require_role(*ADMIN_ROLES), grid_id, data["from_user_id"],
                              data["to_user_id"], data["old"])
    return service.grid_view(grid, "gcj02")


@blp.route("/admin/grids/<id:grid_id>/members/<id:user_id>", methods=["DELETE"])
@errors(403, 404)
@writes
@blp.response(200, schemas.Grid)
def remove_member(grid_id, user_id):
    """Take a user off a grid."""
    grid = service.remove_member(require_role(*ADMIN_ROLES), grid_id, user_id)
    return service.grid_view(grid, "gcj02")


@blp.route("/departments")
@errors(403)
@blp.response(200, schemas.DepartmentOut(many=True))
def departments():
    """The departments cases can be transferred to (staff)."""
    return service.departments(require_role(*STAFF_ROLES))
