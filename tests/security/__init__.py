"""Tried as an attacker would: refusals that cost little, and odd inputs that answer 4xx, never 500."""
