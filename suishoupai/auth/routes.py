"""Login and the caller's own profile."""

from suishoupai.auth import changes, grants, schemas, service
from suishoupai.auth.actor import current_actor, require_role
from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.web import writes

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与个人信息")
dev_blp = Blueprint("dev_auth", __name__, url_prefix="/api/v1", description="开发环境登录")


@blp.route("/auth/wechat-login", methods=["POST"])
# WeChat's refusals of the code (service.LOGIN_ERRORS, its own 429 among them) and its failures
@errors(400, 403, 429, 502, 503)
@blp.doc(security=[])
@limited("login")
@blp.arguments(schemas.WechatLogin)
@writes
@blp.response(200, schemas.LoginResult)
def wechat_login(data):
    """Sign in with the code from wx.login."""
    return service.login_with_wechat(data["code"])


@dev_blp.route("/auth/dev-login", methods=["POST"])
@dev_blp.doc(security=[])
@limited("login")
@dev_blp.arguments(schemas.DevLogin)
@writes
@dev_blp.response(200, schemas.LoginResult)
def dev_login(data):
    """Sign in by openid (development only; absent unless enabled)."""
    return service.dev_login(data["openid"], data.get("role"))


@blp.route("/me", methods=["GET"])
@blp.response(200, schemas.Me)
def get_me():
    """The caller's profile."""
    return service.profile(current_actor().user)


@blp.route("/me", methods=["PATCH"])
@blp.arguments(schemas.MeUpdate)
@writes
@blp.response(200, schemas.Me)
def patch_me(changes):
    """Change one's nickname, name, avatar or phone."""
    return service.update_profile(current_actor().user, changes)


@blp.route("/admin/users/<id:user_id>/role", methods=["PUT"])
@errors(403, 404)
@blp.arguments(schemas.RoleGrant)
@writes
@blp.response(200, schemas.Me)
def grant_role(data, user_id):
    """Grant a user a role at a place, as the grant table allows, inside the caller's reach."""
    actor = require_role(*grants.GRANTS)
    return service.assign_role(actor, user_id, data["role"], data["org_unit_id"], data["department_id"])


@blp.route("/admin/role-changes", methods=["GET"])
@errors(403)
@blp.arguments(schemas.RoleChangeQuery, location="query")
@blp.response(200, schemas.RoleChangePage)
def role_changes(args):
    """Grants and revocations whose place lies inside the caller's reach, newest first."""
    actor = require_role(*grants.GRANTS)
    return changes.list_changes(actor, args["user_id"], args["limit"], args["cursor"])


@dev_blp.route("/auth/dev-accounts", methods=["GET"])
@dev_blp.doc(security=[])
@dev_blp.response(200, schemas.DevAccounts)
def dev_accounts():
    """The demo staff accounts to sign in as (development only; absent unless enabled)."""
    return {"items": service.dev_accounts()}


@blp.route("/auth/logout", methods=["POST"])
@writes
@blp.response(204)
def logout():
    """Sign out: the caller's tokens stop working (every device's: they share one version)."""
    service.logout(current_actor().user)
