"""Fixtures of the notification tests: templates configured, the outbox's service at hand."""

import json
from types import SimpleNamespace

import pytest

from suishoupai import notify
from suishoupai.notify import handlers, models, policy, routes, service, worker
from tests.helpers.notify import TEMPLATES
from tests.helpers.reports import Case


@pytest.fixture
def nf():
    """The notify package's parts, by short name."""
    return SimpleNamespace(init_app=notify.init_app, handlers=handlers, service=service, worker=worker,
                           routes=routes, Notification=models.Notification, QuotaMiss=models.QuotaMiss,
                           State=policy.State)


@pytest.fixture
def app(app_factory, wechat, nf):
    """An app with subscribe templates configured, the fake WeChat fresh."""
    app = app_factory(NOTIFY_TEMPLATES=json.dumps(TEMPLATES), WECHAT_MINIPROGRAM_STATE="developer",
                      NOTIFY_MAX_ATTEMPTS=3)
    wechat.reset_notify()
    return app


@pytest.fixture
def case(client, auth, demo):
    """HTTP helpers over the seeded demo district."""
    return Case(client, auth)
