"""Extensions, created unbound and bound to the app in the factory."""

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from suishoupai.database import Base
from suishoupai.errors import ApiWithEnvelope

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
api = ApiWithEnvelope()


def _client_key() -> str:
    """Rate-limit by the proxy-reported client address (ProxyFix sets remote_addr)."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=_client_key, default_limits=[], headers_enabled=True)
