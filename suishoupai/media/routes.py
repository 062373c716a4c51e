"""Uploading photos and serving their variants."""

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, request, url_for

from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.media import schemas, service
from suishoupai.org.actor import current_actor
from suishoupai.web import writes

blp = Blueprint("media", __name__, url_prefix="/api/v1", description="照片上传")
files = FlaskBlueprint("media_files", __name__)


@blp.route("/media", methods=["POST"])
@errors(413, 415, 503)  # too many pixels, not an image we decode, storage unreachable
@limited("upload")
@blp.arguments(schemas.Upload, location="files")
@writes(idempotent=True)
@blp.response(201, schemas.MediaOut)
def upload(form):
    """Upload one photo (multipart field `file`), as wx.uploadFile sends it."""
    media = service.upload(current_actor(), form["file"].read(), form["purpose"])
    return service.view(media), 201, {"Location": url_for("media.get_media", media_id=media.id)}


@blp.route("/media/<id:media_id>")
@errors(404)
@blp.response(200, schemas.MediaOut)
def get_media(media_id):
    """One of the caller's uploads, with fresh URLs."""
    return service.view(service.get_own(current_actor(), media_id))


@files.get("/media/<path:key>")
def serve(key):
    """A stored variant: public content openly, anything else only with a valid signature."""
    data, etag, signed = service.variant(key, request.args.get("e"), request.args.get("s"))
    resp = Response(data, mimetype="image/jpeg")
    resp.set_etag(etag)
    if signed:
        resp.cache_control.private = True
        resp.cache_control.max_age = current_app.config["MEDIA_URL_TTL"]
    else:
        # a day, not forever: a photo can leave the public board (a rejected report)
        resp.cache_control.public = True
        resp.cache_control.max_age = 86400
    return resp.make_conditional(request)
