"""The English words PostgreSQL's full-text search ignores, so that SQLite ignores them too.

PostgreSQL's ``english`` configuration drops these (``tsearch_data/english.stop``, from the
Snowball project; both under permissive BSD-style licences) from documents and queries alike;
SQLite's FTS5 keeps every word. ``practices.discovery.search`` drops them from a query before it
reaches SQLite, so that "claims about the harbour" finds the same cases on both databases.
"""

_LISTED = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
she her hers herself it its itself they them their theirs themselves what which who whom
this that these those am is are was were be been being have has had having do does did doing
a an the and but if or because as until while of at by for with about against between into
through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some
such no nor not only own same so than too very s t can will just don should now
"""

ENGLISH = frozenset(_LISTED.split())
