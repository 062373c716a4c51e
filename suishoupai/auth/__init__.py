"""Accounts, WeChat login, tokens, the current actor and scope checks."""
