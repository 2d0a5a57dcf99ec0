"""The case study: its text, references, attachments, revisions, visibility and pages."""
