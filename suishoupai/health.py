"""/healthz: the process answers and the database does too."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from suishoupai.errors import envelope
from suishoupai.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitors."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(envelope("database.unavailable", "数据库暂时不可用")), 503
    return jsonify({"status": "ok", "database": "ok"})
