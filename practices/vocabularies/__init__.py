"""Controlled vocabularies: taxonomies, terms, their loaders and the term picker."""
