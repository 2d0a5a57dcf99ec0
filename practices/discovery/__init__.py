"""Discovery: full-text search over the cases a reader may see (facets, saved searches and
insights build on it)."""
