"""Security tests: what an attacker with an account could reach, and each person's rights over their data."""
