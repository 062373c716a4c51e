"""Granting roles at places and the record of every grant: served on the account blueprint (tag,
endpoint names and the ``via`` of recorded changes stay ``auth.*``), ruled here, where the places are.
Imported before that blueprint is registered (create_app's _register_blueprints)."""

from suishoupai.auth import grants, schemas
from suishoupai.auth.routes import blp, dev_blp
from suishoupai.extensions import errors
from suishoupai.org import roles
from suishoupai.org.actor import require_role
from suishoupai.org.role_changes import list_changes
from suishoupai.web import writes


@blp.route("/admin/users/<id:user_id>/role", methods=["PUT"])
@errors(403, 404)
@blp.arguments(schemas.RoleGrant)
@writes
@blp.response(200, schemas.Me)
def grant_role(data, user_id):
    """Grant a user a role at a place, as the grant table allows, inside the caller's reach."""
    actor = require_role(*grants.GRANTS)
    return roles.assign_role(actor, user_id, data["role"], data["org_unit_id"], data["department_id"])


@blp.route("/admin/role-changes", methods=["GET"])
@errors(403)
@blp.arguments(schemas.RoleChangeQuery, location="query")
@blp.response(200, schemas.RoleChangePage)
def role_changes(args):
    """Grants and revocations whose place lies inside the caller's reach, newest first."""
    actor = require_role(*grants.GRANTS)
    return list_changes(actor, args["user_id"], args["limit"], args["cursor"])


@dev_blp.route("/auth/dev-accounts", methods=["GET"])
@dev_blp.doc(security=[])
@dev_blp.response(200, schemas.DevAccounts)
def dev_accounts():
    """The demo staff accounts to sign in as (development only; absent unless enabled)."""
    return {"items": roles.dev_accounts()}
