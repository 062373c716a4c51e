"""What content security announces; notify tells the author (sender: the ModerationCheck)."""

from blinker import Namespace

_signals = Namespace()

#: a check became risky: its content is hidden from others, and its author should know
content_risky = _signals.signal("content-risky")
