"""Fixtures of the 随手拍 HTTP tests."""

import pytest

from tests.helpers.reports import Case


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)
