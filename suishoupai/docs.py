"""Swagger UI's files served from the installed swagger-ui-bundle, so the docs page needs no CDN."""

from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path

docs_static = Blueprint("docs_static", __name__, static_folder=str(swagger_ui_path),
                        static_url_path="/api/docs/static")
