"""What the wishes domain announces (sender=wish, event=WishEvent, claimant_id); points and notify
listen.

Handlers run in the same transaction as the step. ``wish_fulfilled`` is the one the points
module consumes (a verified rider fulfilling a wish earns points); wishes never touch the ledger.
"""

from blinker import Namespace

_signals = Namespace()

wish_submitted = _signals.signal("wish-submitted")
wish_published = _signals.signal("wish-published")
wish_rejected = _signals.signal("wish-rejected")
wish_claimed = _signals.signal("wish-claimed")
wish_released = _signals.signal("wish-released")
wish_fulfilled = _signals.signal("wish-fulfilled")
wish_confirmed = _signals.signal("wish-confirmed")

#: timeline action → signal; "expire" is a release by the sweep
BY_ACTION = {
    "submit": wish_submitted, "publish": wish_published, "reject": wish_rejected,
    "claim": wish_claimed, "release": wish_released, "expire": wish_released,
    "fulfil": wish_fulfilled, "confirm": wish_confirmed,
}

#: asked, not announced (sender=user_id): a receiver answers the home community from which another
#: domain lets this user claim wishes (points: a verified rider's), or None
claimant_home = _signals.signal("claimant-home")
