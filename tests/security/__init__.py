"""Security tests: what an attacker with an ordinary account can and cannot read."""
