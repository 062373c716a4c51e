"""Screen endpoints: staff open, list and revoke screen tokens; a screen token reads its screen's data."""

from suishoupai.extensions import Blueprint, errors
from suishoupai.org.actor import current_actor
from suishoupai.screen import schemas, service, tokens
from suishoupai.web import writes

blp = Blueprint("screen", __name__, url_prefix="/api/v1", description="大屏")


@blp.route("/screen-tokens", methods=["POST"])
@errors(403, 404, 409)
@writes
@blp.arguments(schemas.ScreenTokenIn)
@blp.response(201, schemas.ScreenTokenCreated)
def create_token(body):
    """Open a screen token for a unit in reach; the token itself is in this answer only."""
    return tokens.create(current_actor(), body.get("unit_id"), body["name"])


@blp.route("/screen-tokens", methods=["GET"])
@errors(403)
@blp.response(200, schemas.ScreenTokenOut(many=True))
def list_tokens():
    """The screen tokens of the units in reach, newest first, revoked ones included."""
    return tokens.listing(current_actor())


@blp.route("/screen-tokens/<id:token_id>/revoke", methods=["POST"])
@errors(403, 404)
@writes
@blp.response(200, schemas.ScreenTokenOut)
def revoke_token(token_id):
    """Revoke a screen token: its screen is refused from its next poll on (revoking again changes nothing)."""
    return tokens.revoke(current_actor(), token_id)


@blp.route("/screen/data", methods=["GET"])
@writes
@blp.response(200, schemas.ScreenData)
def screen_data():
    """The wall screen's data, read with a screen token (`Authorization: Bearer scr_…`); session tokens
    are refused here, and screen tokens everywhere else."""
    return service.data(tokens.screen_unit())


@blp.route("/screen/grids", methods=["GET"])
@writes
@blp.response(200, schemas.ScreenGrid(many=True))
def screen_grids():
    """The screen's grids with their polygons (GCJ-02), read with a screen token."""
    return service.grids(tokens.screen_unit())
