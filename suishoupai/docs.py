"""The interactive API page, /api/docs: Swagger UI from the installed swagger-ui-bundle (no CDN),
started by a script file of its own, so the page's policy lets no inline script run."""

from flask import Blueprint, Response, current_app, render_template_string
from swagger_ui_bundle import swagger_ui_path

docs = Blueprint("docs", __name__, static_folder=str(swagger_ui_path), static_url_path="/api/docs/static")

#: scripts, styles and the OpenAPI document all come from this service, nothing inline; Swagger UI
#: draws its icons from data: URIs (headless Chromium shows the page with no violation of this policy)
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="{{ url_for('docs.static', filename='swagger-ui.css') }}"></head>
<body><div id="swagger-ui" data-spec-url="{{ url_for('api-docs.openapi_json') }}"></div>
<script src="{{ url_for('docs.static', filename='swagger-ui-bundle.js') }}"></script>
<script src="{{ url_for('docs.start_script') }}"></script></body>
</html>
"""

#: validatorUrl null: the page would otherwise send the document to swagger.io for a badge
START = """window.onload = function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({url: root.dataset.specUrl, dom_id: "#swagger-ui", validatorUrl: null});
};
"""


@docs.get("/api/docs")
def page():
    """The Swagger UI page over /api/openapi.json."""
    html = render_template_string(PAGE, title=current_app.config["API_TITLE"])
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": PAGE_POLICY})


@docs.get("/api/docs/start.js")
def start_script():
    """The script that starts Swagger UI on the page."""
    return Response(START, mimetype="text/javascript")
