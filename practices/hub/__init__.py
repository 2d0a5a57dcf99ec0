"""The hub's curation: collections (and, next to them, adoption feedback and access requests)."""
