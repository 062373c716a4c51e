"""Personal-data endpoints of this package: the access log for admins."""

from suishoupai.extensions import Blueprint, errors
from suishoupai.org.actor import current_actor
from suishoupai.pagination import page_of
from suishoupai.privacy import access, schemas

blp = Blueprint("access_log", __name__, url_prefix="/api/v1", description="个人信息访问记录")


@blp.route("/admin/access-log")
@errors(403)
@blp.arguments(schemas.AccessLogQuery, location="query")
@blp.response(200, page_of(schemas.AccessRecordOut))
def access_log(args):
    """Reveals of people's contacts within the admin's reach, newest first."""
    return access.list_records(current_actor(), args)
