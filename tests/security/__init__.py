"""Security tests: what an attacker could reach or stall, and each person's rights over their data."""
