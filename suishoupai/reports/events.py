"""What the reports domain announces; other domains (points, notify) connect to these.

Handlers run inside the same transaction as the change, so a step and what it causes commit
together or not at all. Each signal is sent with the report as sender and ``event=`` the
timeline row.
"""

from blinker import Namespace

_signals = Namespace()

report_filed = _signals.signal("report-filed")
report_assigned = _signals.signal("report-assigned")
report_accepted = _signals.signal("report-accepted")
report_transferred = _signals.signal("report-transferred")
report_returned = _signals.signal("report-returned")
report_escalated = _signals.signal("report-escalated")
report_resolved = _signals.signal("report-resolved")
report_rejected = _signals.signal("report-rejected")
report_reopened = _signals.signal("report-reopened")
report_closed = _signals.signal("report-closed")
report_rated = _signals.signal("report-rated")
report_overdue = _signals.signal("report-overdue")

#: timeline action → the signal it sends
BY_ACTION = {
    "file": report_filed, "assign": report_assigned, "accept": report_accepted,
    "transfer": report_transferred, "return": report_returned, "escalate": report_escalated,
    "resolve": report_resolved,
    "reject": report_rejected, "reopen": report_reopened, "confirm": report_closed,
    "close": report_closed, "rate": report_rated, "overdue": report_overdue,
    "handover": report_assigned,
}
