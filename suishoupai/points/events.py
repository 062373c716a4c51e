"""What the points domain announces; notify listens. Handlers run in the announcing transaction.

``award_settled`` (sender=Award): an award was credited, capped to nothing, denied on review or
reversed (clawback); awards that wait for review or that the holder may not earn are not announced.
``adjusted`` (sender=Adjustment): a manual award or deduction. ``rider_reviewed`` (sender=Rider): a
registration was approved or rejected.
"""

from blinker import Namespace

_signals = Namespace()

award_settled = _signals.signal("points-award-settled")
adjusted = _signals.signal("points-adjusted")
rider_reviewed = _signals.signal("points-rider-reviewed")
