"""User accounts: the documents behind every token."""
