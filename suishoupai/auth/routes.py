"""Login and the caller's own profile."""

from suishoupai.auth import schemas, service
from suishoupai.auth.models import User
from suishoupai.extensions import Blueprint, db, errors
from suishoupai.limits import limited
from suishoupai.web import caller_id, writes

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
    return service.profile(db.session.get(User, caller_id()))


@blp.route("/me", methods=["PATCH"])
@blp.arguments(schemas.MeUpdate)
@writes
@blp.response(200, schemas.Me)
def patch_me(changes):
    """Change one's nickname, name, avatar or phone."""
    return service.update_profile(db.session.get(User, caller_id()), changes)


@blp.route("/auth/logout", methods=["POST"])
@writes
@blp.response(204)
def logout():
    """Sign out: the caller's tokens stop working (every device's: they share one version)."""
    service.logout(db.session.get(User, caller_id()))
