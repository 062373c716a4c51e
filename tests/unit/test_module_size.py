"""Each module stays readable on its own: none over 400 lines (migrations are generated history)."""

from pathlib import Path

import suishoupai

LIMIT = 400


def test_no_module_over_the_limit():
    root = Path(suishoupai.__file__).parent
    over = {str(path.relative_to(root)): n for path in root.rglob("*.py")
            if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > LIMIT}
    assert not over, f"modules over {LIMIT} lines: {over}"
