"""The 微心愿 tests' fixture."""

import pytest

from tests.api.wishes.helpers import Wishes


@pytest.fixture
def w(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Wishes(client, auth)
