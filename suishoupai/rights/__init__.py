"""Each person's rights over their data: export, account deletion, the privacy notice, retention."""
