"""Fixtures of the content-security tests: moderation through the local WeChat, the app served over HTTP."""

import pytest

from tests.helpers.moderation import BUDGET, TOKEN
from tests.helpers.moderation import web as web  # noqa: F401 - the served app, a fixture
from tests.helpers.reports import Case


@pytest.fixture
def app(app_factory, web, request):
    """Moderation through WeChat, pushes signed with TOKEN, photos fetched from the served app."""
    marker = request.node.get_closest_marker("sync_budget")
    app = app_factory(MODERATION_PROVIDER="wechat", MODERATION_CALLBACK_TOKEN=TOKEN,
                      MODERATION_MEDIA_BASE_URL=web.url,
                      MODERATION_SYNC_TIMEOUT=marker.args[0] if marker else BUDGET)
    web.holder["app"] = app
    return app


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the demo district."""
    return Case(client, auth)
