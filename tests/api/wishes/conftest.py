"""The 微心愿 tests' fixture."""

import pytest

from tests.helpers.wishes import Wishes


@pytest.fixture
def w(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Wishes(client, auth)
