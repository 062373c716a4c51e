"""Fixtures of the points tests."""

import pytest

from tests.helpers.reports import Case


@pytest.fixture
def case(client, auth, demo):
    """Report helpers over the seeded demo district (rule book and verified demo-rider included)."""
    return Case(client, auth)
