"""API v1 across cases: the DISARM matrix counts (``GET /api/v1/matrix/``), the counters used
(``GET /api/v1/matrix/counters/``), "what worked against …"
(``GET /api/v1/what-worked/<taxonomy>/<code>/``), the insights page's charts
(``GET /api/v1/insights/``) and the view across theatres (``GET /api/v1/insights/theatres/``).

They take the browse page's search and filters (``q``, ``tag``, ``tlp``, ``year``,
``effectiveness``, ``written_in``, ``period_from``, ``period_to``) and count the published cases
the caller may read, exactly as the pages do (``practices.insights.selectors``): each figure
leaves out the family it breaks down, so it is the number of cases the browse page lists with
the query and that one value chosen in its family.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from practices.api.facets import SEARCH_PARAMETERS
from practices.api.serializers import WRITABLE_TLP_CHOICES
from practices.discovery.browse import capped_count
from practices.discovery.filters import CaseStudyFilterSet
from practices.hub.adoptions import most_adopted
from practices.insights import charts, selectors, theatres
from practices.vocabularies.loaders import DISARM_ATTRIBUTION, DISARM_VERSION

_COUNT = (
    "Published cases you may read that match the query and carry this term (the query's own "
    "choice in this taxonomy left out)."
)


class FrameworkSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    attribution = serializers.CharField(help_text="Give it wherever DISARM names are shown.")


class EffectivenessCountsSerializer(serializers.Serializer):
    """Cases by how well their response worked."""

    highly_effective = serializers.IntegerField()
    effective = serializers.IntegerField()
    partly_effective = serializers.IntegerField()
    ineffective = serializers.IntegerField()
    not_assessed = serializers.IntegerField()


class EvidenceCountsSerializer(serializers.Serializer):
    """Cases by what their effectiveness rating rests on."""

    measured = serializers.IntegerField()
    observed = serializers.IntegerField()
    anecdotal = serializers.IntegerField()
    not_stated = serializers.IntegerField()


class SubTechniqueSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text=_COUNT)


class TechniqueSerializer(SubTechniqueSerializer):
    subtechniques = SubTechniqueSerializer(many=True)


class TacticSerializer(SubTechniqueSerializer):
    shortname = serializers.CharField(help_text="The tactic's name in DISARM's Navigator.")
    techniques = TechniqueSerializer(many=True)


class MatrixSerializer(serializers.Serializer):
    framework = FrameworkSerializer()
    tactics = TacticSerializer(many=True, help_text="In the framework's phase order.")


class CounterSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text=_COUNT)
    effectiveness = EffectivenessCountsSerializer()


class CounterGroupSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text='The metatechnique, e.g. "M004"; "" for counters without one.'
    )
    label = serializers.CharField()
    counters = CounterSerializer(many=True)


class CounterUseSerializer(serializers.Serializer):
    framework = FrameworkSerializer()
    groups = CounterGroupSerializer(many=True, help_text="Only counters used in a matching case.")


class TermRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class WhatWorkedSubjectSerializer(TermRefSerializer):
    taxonomy = serializers.CharField()


class ExampleSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    title = serializers.CharField()
    effectiveness = serializers.CharField()
    evidence = serializers.CharField(help_text='"" when the case does not say.')
    url = serializers.URLField()


class ResponsesSerializer(serializers.Serializer):
    counter = TermRefSerializer(
        allow_null=True, help_text="null: the cases that record no DISARM Blue counter."
    )
    count = serializers.IntegerField()
    effectiveness = EffectivenessCountsSerializer()
    evidence = EvidenceCountsSerializer()
    examples = ExampleSerializer(many=True, help_text="The newest of these cases (at most 3).")


class WhatWorkedSerializer(serializers.Serializer):
    subject = WhatWorkedSubjectSerializer()
    count = serializers.IntegerField(help_text="Matching cases of the subject you may read.")
    effectiveness = EffectivenessCountsSerializer()
    evidence = EvidenceCountsSerializer()
    groups = ResponsesSerializer(
        many=True,
        help_text="One per DISARM Blue counter used (a case with two counts under both), most "
        "cases first, then the cases without a counter.",
    )
    framework = FrameworkSerializer()


FRAMEWORK = {"name": "DISARM", "version": DISARM_VERSION, "attribution": DISARM_ATTRIBUTION}


def _filterset(request) -> CaseStudyFilterSet:
    filterset = CaseStudyFilterSet.for_reader(request.query_params, actor=request.user)
    if not filterset.is_valid():
        raise exceptions.ValidationError(filterset.errors)
    return filterset


def _cell(cell: selectors.Cell) -> dict:
    return {"code": cell.code, "label": cell.label, "count": cell.count}


def _effectiveness(shares: list[selectors.Share]) -> dict[str, int]:
    return {share.value: share.count for share in shares}


def _evidence(shares: list[selectors.Share]) -> dict[str, int]:
    return {share.value or "not_stated": share.count for share in shares}


@extend_schema(tags=["insights"])
class MatrixView(APIView):
    """DISARM Red tactics, techniques and sub-techniques with the number of matching cases."""

    @extend_schema(operation_id="matrix", parameters=SEARCH_PARAMETERS, responses=MatrixSerializer)
    def get(self, request):
        matrix = selectors.disarm_matrix(_filterset(request))
        data = {
            "framework": FRAMEWORK,
            "tactics": [
                {
                    **_cell(tactic),
                    "shortname": tactic.shortname,
                    "techniques": [
                        {
                            **_cell(technique),
                            "subtechniques": [_cell(sub) for sub in technique.children],
                        }
                        for technique in tactic.children
                    ],
                }
                for tactic in matrix.tactics
            ],
        }
        return Response(MatrixSerializer(data).data)


@extend_schema(tags=["insights"])
class CounterUseView(APIView):
    """The DISARM Blue counters used in matching cases, with the effectiveness of those cases."""

    @extend_schema(
        operation_id="matrix_counters", parameters=SEARCH_PARAMETERS, responses=CounterUseSerializer
    )
    def get(self, request):
        groups = selectors.counter_use(_filterset(request))
        data = {
            "framework": FRAMEWORK,
            "groups": [
                {
                    "code": group.code,
                    "label": group.label,
                    "counters": [
                        {
                            "code": counter.code,
                            "label": counter.label,
                            "count": counter.count,
                            "effectiveness": _effectiveness(counter.effectiveness),
                        }
                        for counter in group.counters
                    ],
                }
                for group in groups
            ],
        }
        return Response(CounterUseSerializer(data).data)


@extend_schema(tags=["insights"])
class WhatWorkedView(APIView):
    """What worked against a DISARM technique (or a theme, country, platform, threat actor or
    region): the responses of matching cases, by DISARM Blue counter."""

    @extend_schema(
        operation_id="what_worked",
        parameters=[
            OpenApiParameter("taxonomy", str, OpenApiParameter.PATH, enum=list(selectors.SUBJECTS)),
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                pattern=r"^[A-Za-z0-9._-]{1,64}$",
                description="The term's code, e.g. T0086, JP, elections",
            ),
            *SEARCH_PARAMETERS,
        ],
        responses=WhatWorkedSerializer,
    )
    def get(self, request, taxonomy: str, code: str):
        subject = selectors.subject_get(taxonomy, code)
        if subject is None:
            raise exceptions.NotFound()
        answer = selectors.what_worked(_filterset(request), subject)
        groups = [*answer.groups, *([answer.without_counter] if answer.without_counter else [])]
        data = {
            "subject": {"taxonomy": taxonomy, "code": subject.code, "label": subject.label},
            "count": answer.overall.count,
            "effectiveness": _effectiveness(answer.overall.effectiveness),
            "evidence": _evidence(answer.overall.evidence),
            "groups": [
                {
                    "counter": {"code": group.code, "label": group.label} if group.code else None,
                    "count": group.count,
                    "effectiveness": _effectiveness(group.effectiveness),
                    "evidence": _evidence(group.evidence),
                    "examples": [
                        {
                            "uuid": example.uuid,
                            "title": example.title,
                            "effectiveness": example.effectiveness,
                            "evidence": example.evidence,
                            "url": reverse("api:case-detail", args=[example.uuid], request=request),
                        }
                        for example in group.examples
                    ],
                }
                for group in groups
            ],
            "framework": FRAMEWORK,
        }
        return Response(WhatWorkedSerializer(data).data)


# --- Insights and across theatres --------------------------------------------------------------

_BAR_COUNT = (
    "Published cases you may read that match the query and carry this value (the query's own "
    "choice in this family left out)."
)


class BarSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text=_BAR_COUNT)


class TechniqueBarSerializer(BarSerializer):
    counters = BarSerializer(
        many=True,
        help_text="The DISARM Blue counters most used against it (at most 3): matching cases "
        "carrying both (the query's own DISARM Red and Blue choices left out).",
    )


class QuarterSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    count = serializers.IntegerField(help_text="Matching cases whose incident started then.")


class MostAdoptedSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    title = serializers.CharField()
    tlp = serializers.ChoiceField(choices=WRITABLE_TLP_CHOICES)
    url = serializers.URLField()
    adoptions = serializers.IntegerField(help_text="Times partner organisations applied it.")
    average_effect = serializers.FloatField(
        allow_null=True,
        help_text="The mean reported effect, 1 (ineffective) to 4 (highly effective); "
        '"not assessed" left out; null when none was assessed.',
    )


class InsightsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matching cases (at most 1001 are counted).")
    over_time = QuarterSerializer(
        many=True,
        help_text="By the quarter the incident started (the query's years left out), every "
        "quarter from the first to the last.",
    )
    undated = serializers.IntegerField(help_text="Matching cases without an incident start.")
    regions = BarSerializer(many=True)
    themes = BarSerializer(many=True, help_text="The 10 themes on most matching cases.")
    effectiveness = EffectivenessCountsSerializer()
    techniques = TechniqueBarSerializer(
        many=True, help_text="The 10 DISARM Red techniques on most matching cases."
    )
    most_adopted = MostAdoptedSerializer(
        many=True, help_text="The 10 matching cases most often applied by partner organisations."
    )
    framework = FrameworkSerializer()


class TheatreSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    regions = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the region taxonomy it covers."
    )
    count = serializers.IntegerField(help_text="Matching cases tagged with one of its regions.")


class SeenSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    first_incident = serializers.DateField(
        allow_null=True, help_text="Earliest incident start of those cases (null: none says)."
    )


class SharedTermSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    theatres = serializers.DictField(child=SeenSerializer(), help_text="By theatre key.")


class SharedSerializer(serializers.Serializer):
    techniques = SharedTermSerializer(many=True, help_text="DISARM Red techniques.")
    themes = SharedTermSerializer(many=True)
    threat_actors = SharedTermSerializer(many=True)


class GapSerializer(serializers.Serializer):
    counter = TermRefSerializer()
    worked_in = serializers.CharField(help_text="The theatre where it was rated effective.")
    worked = serializers.IntegerField(
        help_text="Its cases there rated effective or highly effective."
    )
    used = serializers.IntegerField(help_text="Its cases there, whatever their rating.")
    not_used_in = serializers.CharField(help_text="The theatre where no matching case used it.")


class AcrossTheatresSerializer(serializers.Serializer):
    theatres = TheatreSerializer(many=True)
    shared = SharedSerializer(help_text="Terms on matching cases of both theatres.")
    worked_in_one_only = GapSerializer(many=True)
    framework = FrameworkSerializer()


def _bar(bar: charts.Bar) -> dict:
    return {"code": bar.code, "label": bar.plain_label, "count": bar.count}


@extend_schema(tags=["insights"])
class InsightsView(APIView):
    """The insights page's charts: cases over time, by region and theme, the effectiveness of
    responses, the most frequent techniques and the counters used against them."""

    @extend_schema(
        operation_id="insights", parameters=SEARCH_PARAMETERS, responses=InsightsSerializer
    )
    def get(self, request):
        filterset = _filterset(request)
        answer = charts.insights(filterset)
        data = {
            "count": capped_count(filterset.filtered()),
            "over_time": [
                {"year": q.year, "quarter": q.quarter, "count": q.count}
                for q in answer.timeline.quarters
            ],
            "undated": answer.timeline.undated,
            "regions": [_bar(bar) for bar in answer.regions.bars],
            "themes": [_bar(bar) for bar in answer.themes.bars],
            "effectiveness": {bar.code: bar.count for bar in answer.effectiveness.bars},
            "techniques": [
                {**_bar(bar), "counters": [_bar(c) for c in bar.children]}
                for bar in answer.techniques.bars
            ],
            "most_adopted": [
                {
                    "uuid": row.case.uuid,
                    "title": row.case.title,
                    "tlp": row.case.tlp,
                    "url": reverse("api:case-detail", args=[row.case.uuid], request=request),
                    "adoptions": row.adoptions,
                    "average_effect": row.average,
                }
                for row in most_adopted(cases=filterset.filtered(), actor=request.user)
            ],
            "framework": FRAMEWORK,
        }
        return Response(InsightsSerializer(data).data)


@extend_schema(tags=["insights"])
class AcrossTheatresView(APIView):
    """Euro-Atlantic and Indo-Pacific cases side by side: the techniques, themes and threat
    actors seen in both, with the first incident in each, and the counters rated effective in
    one theatre and used in no matching case of the other."""

    @extend_schema(
        operation_id="insights_theatres",
        parameters=SEARCH_PARAMETERS,
        responses=AcrossTheatresSerializer,
    )
    def get(self, request):
        answer = theatres.across_theatres(_filterset(request))

        def terms(slug: str) -> list[dict]:
            return [
                {
                    "code": term.code,
                    "label": term.plain,
                    "theatres": {
                        key: {"count": seen.count, "first_incident": seen.first}
                        for key, seen in term.seen.items()
                    },
                }
                for term in answer.shared.get(slug, [])
            ]

        data = {
            "theatres": [
                {
                    "key": t.key,
                    "label": t.name,
                    "regions": list(theatres.THEATRES[t.key]),
                    "count": t.count,
                }
                for t in answer.theatres
            ],
            "shared": {
                "techniques": terms(selectors.RED),
                "themes": terms("theme"),
                "threat_actors": terms("threat-actor"),
            },
            "worked_in_one_only": [
                {
                    "counter": {"code": gap.code, "label": gap.label},
                    "worked_in": gap.worked_in,
                    "worked": gap.worked,
                    "used": gap.used,
                    "not_used_in": gap.not_used_in,
                }
                for gap in answer.gaps
            ],
            "framework": FRAMEWORK,
        }
        return Response(AcrossTheatresSerializer(data).data)
