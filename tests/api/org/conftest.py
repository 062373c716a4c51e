"""Fixtures of the org tree tests: a small town imported over the demo-free database."""

import pytest

from tests.helpers.org import run_import, town


@pytest.fixture
def imported(app, tmp_path):
    """The test town, imported through the CLI."""
    result = run_import(app, town(), tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    return result
