"""Views across cases: the DISARM matrix (Red and Blue), "what worked against …" and the
DISARM Navigator layer. Every figure is counted from the browse page's own filtered queryset
(``CaseStudyFilterSet``, which starts from ``visible_to``)."""
