"""Who is calling: accounts, roles, WeChat login, tokens and the grant table. Where a caller stands in the
org tree, and what they reach, is the tree's business (org.actor, org.scope)."""
