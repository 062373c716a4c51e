"""The console's own endpoints: sign-in tickets, the work queue and its saved filters."""

from flask import Response, url_for

from suishoupai.auth.actor import current_actor, require_role
from suishoupai.auth.models import STAFF_ROLES
from suishoupai.console import filters, schemas, tickets
from suishoupai.extensions import Blueprint, errors
from suishoupai.limits import limited
from suishoupai.pagination import page_of
from suishoupai.reports import oversight, queue
from suishoupai.web import json_answer, reads, writes

blp = Blueprint("console", __name__, url_prefix="/api/v1", description="指挥中心")


@blp.route("/console/tickets", methods=["POST"])
@blp.doc(security=[])
@limited("login")
@writes
@blp.response(201, schemas.TicketOpened)
def open_ticket():
    """Open a sign-in ticket for the console's QR (valid CONSOLE_TICKET_SECONDS, single use)."""
    opened = tickets.open_ticket()
    opened["qr_url"] = url_for("console.ticket_qr", ticket=opened["ticket"])
    return opened


@blp.route("/console/tickets/<ticket>", methods=["GET"])
@errors(403, 404)
@blp.doc(security=[])
@blp.arguments(schemas.TicketKey, location="headers")
@writes
@blp.response(200, schemas.TicketState)
def poll_ticket(args, ticket):
    """Where the ticket stands, for the browser that opened it; the first poll after approval
    carries the console's token, later ones answer ``used``."""
    return tickets.poll(ticket, args["key"])


@blp.route("/console/tickets/<ticket>/approve", methods=["POST"])
@errors(403, 404, 409)
@writes
@blp.response(200, schemas.TicketState)
def approve_ticket(ticket):
    """Approve a ticket with a staff member's mini-program token (residents are refused)."""
    return tickets.approve(current_actor(), ticket)


@blp.route("/console/tickets/<ticket>/qr.png", methods=["GET"])
@errors(404, 409, 502, 503)
@blp.doc(security=[])
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="image/jpeg",
                  success=True, description="the QR: PNG, or WeChat's mini-program code as JPEG")
def ticket_qr(ticket):
    """The ticket's QR: a mini-program code from WeChat in production, a plain QR in development."""
    picture = tickets.qr_png(ticket)
    # WeChat's codes come as JPEG whatever is asked; the plain QR is PNG
    mimetype = "image/png" if picture.startswith(b"\x89PNG") else "image/jpeg"
    return Response(picture, mimetype=mimetype, headers={"Cache-Control": "no-store"})


@blp.route("/admin/queue/counts")
@blp.response(200, schemas.QueueCounts)
def queue_counts():
    """Cases per tab of the work queue in the caller's reach (待派单/待受理/处理中/已超时/待核查/待审核)."""
    return queue.counts(require_role(*STAFF_ROLES))


@blp.route("/admin/queue")
@errors(422)
@blp.arguments(schemas.QueueArgs, location="query")
@reads
@blp.response(200, page_of(schemas.QueueItem))
def queue_page(args):
    """One tab of the work queue, filtered, soonest deadline first (most overdue at the top)."""
    return json_answer(queue.page(require_role(*STAFF_ROLES), args))


@blp.route("/me/saved-filters")
@errors(403)
@blp.response(200, schemas.SavedFilters)
def saved_filters():
    """The queue filters the caller keeps."""
    return {"items": filters.list_filters(require_role(*STAFF_ROLES))}


@blp.route("/me/saved-filters", methods=["POST"])
@errors(403, 409)
@blp.arguments(schemas.SavedFilterIn)
@writes
@blp.response(201, schemas.SavedFilter)
def save_filter(data):
    """Keep a queue filter under a name (at most 50)."""
    return filters.save(require_role(*STAFF_ROLES), data["name"], data["tab"], data["filters"])


@blp.route("/me/saved-filters/<id:filter_id>", methods=["DELETE"])
@errors(403, 404)
@writes
@blp.response(204)
def delete_filter(filter_id):
    """Forget one of the caller's filters."""
    filters.delete(require_role(*STAFF_ROLES), filter_id)


@blp.route("/admin/load")
@blp.response(200, schemas.LoadBoard)
def load_board():
    """Open and overdue cases per grid member and per department in the caller's reach (调度)."""
    return oversight.load(require_role(*STAFF_ROLES))


@blp.route("/admin/map")
@blp.response(200, schemas.GridMap)
def grid_map():
    """The caller's grids with their open and overdue load, and open cases as points (GCJ-02)."""
    return oversight.grid_map(require_role(*STAFF_ROLES))
