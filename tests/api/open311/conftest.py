"""Fixtures of the Open311 tests: the demo district, a partner key for its district."""

import pytest

from tests.helpers.open311 import new_key
from tests.helpers.reports import Case


@pytest.fixture
def case(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Case(client, auth)


@pytest.fixture
def admin(case) -> dict:
    """The demo district admin's headers."""
    return case.h("demo-district-admin")


@pytest.fixture
def key(client, admin) -> dict:
    """A partner key bound to the demo district (the answer that shows it once)."""
    return new_key(client, admin)
