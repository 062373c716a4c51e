"""随手拍: residents' reports, routed to grid members and run to closure."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Let routing see how many open cases each grid member holds (least-loaded)."""
    from suishoupai.org import service as org
    from suishoupai.reports.service import open_load_of

    if open_load_of not in org.load_providers:
        org.load_providers.append(open_load_of)
