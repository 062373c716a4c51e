"""Open311 GeoReport v2 at /open311/v2/: partner systems file and follow the same cases as residents,
through the same filing, routing, moderation and public-board rules."""
