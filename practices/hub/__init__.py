"""The hub: curation and the learning loop (collections, adoption feedback, access requests)."""
