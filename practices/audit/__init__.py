"""The append-only audit trail: who did what, through which channel."""
