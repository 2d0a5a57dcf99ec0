"""The language a case is written in, its translated summary, and Japanese and Korean text in
every field of the case form: saved, shown on the page, in the API and in the change feed."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.services import api_token_create
from practices.cases import services
from practices.models import CaseStudy, Term
from practices.moderation import transitions as moderation
from tests.factories import CaseStudyFactory

TEXTS = {
    "ja": {
        "title": "台風後のLINEで広がった救援物資の偽情報",
        "summary": "台風の後、救援物資が横流しされているという虚偽の主張が広がりました。",
        "summary_translation": "After a typhoon, false claims spread that relief was diverted.",
        "summary_translation_language": "en",
        "incident": "約二百のアカウントが地域のオープンチャットに参加しました。",
        "audiences": "被災地の住民と高齢者",
        "response": "自治体は毎日、救援状況の報告を公表しました。",
        "responders": "内閣府と被災自治体",
        "resources": "広報担当者三名と翻訳者一名",
        "outcome": "一週間で拡散は収まりました。",
        "lessons": "公式情報は早く、頻繁に出すことが大切です。",
        "recommendations": "公式アカウントの一覧を平時から周知してください。",
        "keyword": "救援物資",
        "reference": "救援状況の報告（第一報）",
    },
    "ko": {
        "title": "카카오톡 가족 대화방에 퍼진 백신 부작용 소문",
        "summary": "부스터 백신이 고령층의 돌연사를 일으킨다는 연쇄 메시지가 퍼졌습니다.",
        "summary_translation": "Des messages en chaîne ont affirmé que le rappel tuait.",
        "summary_translation_language": "fr",
        "incident": "메시지는 외국 연구를 맥락 없이 인용하고 수치를 잘못 번역했습니다.",
        "audiences": "60세 이상 국민과 그 가족",
        "response": "공동 팩트체크 데이터베이스와 짧은 답변 자료를 배포했습니다.",
        "responders": "외교부와 질병관리청",
        "resources": "팩트체크 담당자 네 명",
        "outcome": "한 달 뒤 같은 메시지의 공유가 크게 줄었습니다.",
        "lessons": "가족이 보낼 수 있는 짧은 답변이 효과적이었습니다.",
        "recommendations": "고령층이 많이 쓰는 채널에서 먼저 대응하십시오.",
        "keyword": "백신 소문",
        "reference": "팩트체크 데이터베이스 안내",
    },
}


@pytest.fixture
def vocabularies(db):
    call_command("load_vocabularies", stdout=io.StringIO())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(organisation, *, write: bool = False) -> Client:
    _, secret = api_token_create(actor=None, organisation=organisation, name="reader", write=write)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def term(slug: str, code: str) -> Term:
    return Term.objects.get(taxonomy__slug=slug, code=code)


def edit(client: Client, case: CaseStudy, section: str, data: dict) -> None:
    case.refresh_from_db()
    response = client.post(
        reverse("practices:case-edit", args=[case.uuid, section]),
        {**data, "version": case.version, "save": "1"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]


@pytest.mark.parametrize("language", ["ja", "ko"])
def test_text_in_every_field_round_trips_through_save_page_api_and_feed(
    vocabularies, member, moderator, language
):
    text = TEXTS[language]
    client = signed_in(member)
    response = client.post(reverse("practices:case-create"), {"title": text["title"]})
    assert response.status_code == 302
    case = CaseStudy.objects.get(title=text["title"])

    edit(
        client,
        case,
        "incident",
        {
            "title": text["title"],
            "language": language,
            "summary": text["summary"],
            "summary_translation": text["summary_translation"],
            "summary_translation_language": text["summary_translation_language"],
            "incident": text["incident"],
            "attribution_confidence": "suspected",
            "audiences": text["audiences"],
            "incident_start": "2025-01-01",
            "keywords": text["keyword"],
            "terms_disarm-red": [term("disarm-red", "T0002").pk],
            "terms_country": [term("country", {"ja": "JP", "ko": "KR"}[language]).pk],
            "terms_region": [term("region", "indo-pacific").pk],
            "terms_theme": [term("theme", "health").pk],
        },
    )
    edit(
        client,
        case,
        "response",
        {
            "response": text["response"],
            "responders": text["responders"],
            "resources": text["resources"],
        },
    )
    edit(
        client,
        case,
        "outcome",
        {
            "outcome": text["outcome"],
            "effectiveness": "effective",
            "evidence": "observed",
            "lessons": text["lessons"],
            "recommendations": text["recommendations"],
        },
    )
    edit(
        client,
        case,
        "references",
        {
            "refs-TOTAL_FORMS": "1",
            "refs-INITIAL_FORMS": "0",
            "refs-0-url": "https://example.org/report",
            "refs-0-title": text["reference"],
            "refs-0-archive_url": "",
        },
    )
    edit(client, case, "handling", {"tlp": "green", "attribution_mode": "named"})
    case.refresh_from_db()
    moderation.case_study_submit(actor=member, case_study=case)
    assert moderation.case_study_approve(actor=moderator, case_study=case)
    case.refresh_from_db()

    fields = [f for f in text if f not in ("keyword", "reference")]
    # Saved exactly.
    for field in fields:
        assert getattr(case, field) == text[field], field
    assert case.language == language
    assert list(case.terms.filter(taxonomy__slug="keyword").values_list("label", flat=True)) == [
        text["keyword"]
    ]
    assert case.references.get().title == text["reference"]

    # On the page (Markdown fields rendered, plain ones as typed).
    html = client.get(reverse("practices:case-detail", args=[case.uuid])).content.decode()
    for field in fields:
        if field != "summary_translation_language":
            assert text[field] in html, field
    assert text["reference"] in html
    assert f'lang="{language}"' in html

    # In the API and the change feed, identical.
    reader = token_client(member.organisation)
    detail = reader.get(f"/api/v1/cases/{case.uuid}/").json()
    feed = reader.get("/api/v1/changes/", {"limit": 100}).json()
    latest = [e["case"] for e in feed["results"] if e["uuid"] == str(case.uuid)][-1]
    for body in (detail, latest):
        for field in fields:
            assert body[field] == text[field], field
        assert body["language"] == language
        assert body["keywords"] == [text["keyword"]]
        assert body["references"][0]["title"] == text["reference"]
    assert latest == detail


def test_a_new_case_is_presumed_in_the_writers_interface_language(member):
    response = signed_in(member).post(
        reverse("practices:case-create"), {"title": "새 사례"}, HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 302
    assert CaseStudy.objects.get(title="새 사례").language == "ko"

    # Without a language: the person's preference, else English.
    assert services.case_study_create(actor=member, title="Plain").language == "en"
    member.language = "ja"
    member.save()
    assert services.case_study_create(actor=member, title="Preferred").language == "ja"
    assert services.case_study_create(actor=member, title="Ask", language="fr-ca").language == "fr"


@pytest.fixture
def draft(member):
    return CaseStudyFactory(
        organisation=member.organisation, status="draft", created_by=member, language="en"
    )


def incident_post(client, draft, **data):
    return client.post(
        reverse("practices:case-edit", args=[draft.uuid, "incident"]),
        {
            "title": draft.title,
            "attribution_confidence": "unattributed",
            "version": 1,
            "language": "en",
            **data,
        },
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"summary_translation": "翻訳", "summary_translation_language": ""},
            "summary_translation_language",
            "Say which language the translated summary is in.",
        ),
        (
            {"summary_translation": "", "summary_translation_language": "ja"},
            "summary_translation",
            "Write the translated summary, or leave its language empty.",
        ),
        (
            {"summary_translation": "Same", "summary_translation_language": "en"},
            "summary_translation_language",
            "The translation must be in another language than the case itself.",
        ),
        ({"language": "xx"}, "language", "Select a valid choice."),
    ],
)
def test_the_form_explains_what_is_wrong_with_the_language_fields(
    member, draft, data, field, message
):
    response = incident_post(signed_in(member), draft, **data)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    draft.refresh_from_db()
    assert draft.version == 1


def test_the_api_refuses_an_unknown_language_code_with_the_reason(member):
    client = token_client(member.organisation, write=True)
    response = client.post(
        "/api/v1/cases/",
        {"title": "Unknown language", "language": "xx"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "ISO 639-1" in response.content.decode()
    assert not CaseStudy.objects.filter(title="Unknown language").exists()

    response = client.post(
        "/api/v1/cases/",
        {"title": "大阪の事例", "language": "ja", "summary_translation": "No language given."},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Say which language the translated summary is in." in response.content.decode()

    response = client.post(
        "/api/v1/cases/",
        {
            "title": "大阪の事例",
            "language": "ja",
            "summary_translation": "A summary.",
            "summary_translation_language": "en",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "ja"


def test_the_page_names_the_language_in_the_readers_language(member):
    case = CaseStudyFactory(
        organisation=member.organisation,
        language="ja",
        summary_translation="A summary in English.",
        summary_translation_language="en",
    )
    url = reverse("practices:case-detail", args=[case.uuid])
    client = signed_in(member)
    with translation.override("en"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Written in Japanese" in html
    assert "Summary in English (translation)" in html
    assert "A summary in English." in html
    with translation.override("ko"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "일본어" in html
    with translation.override("ja"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "日本語" in html


def test_a_revision_changes_the_language_once_approved(vocabularies, member, moderator):
    from practices.cases import revisions as drafts
    from practices.moderation import revisions

    case = CaseStudyFactory(
        organisation=member.organisation,
        status="published",
        language="en",
        incident="Forged letters.",
        response="Debunked.",
        outcome="It stopped.",
        lessons="Be quick.",
        incident_start="2025-01-01",
        terms=[term("disarm-red", "T0002"), term("country", "EE"), term("region", "global")],
    )
    revision = drafts.revision_start(actor=member, case_study=case)
    assert revision.data["fields"]["language"] == "en"
    revision = drafts.revision_update(
        actor=member,
        revision=revision,
        expected_version=revision.version,
        fields={
            "language": "ko",
            "summary_translation": "An English summary.",
            "summary_translation_language": "en",
        },
    )
    assert drafts.revision_as_case(revision).language == "ko"
    revisions.revision_submit(actor=member, revision=revision)
    revisions.revision_approve(actor=moderator, revision=revision)
    case.refresh_from_db()
    assert (case.language, case.summary_translation_language) == ("ko", "en")
    assert case.summary_translation == "An English summary."


def test_written_in_filters_the_browse_page_and_the_api(member, other_org):
    ja = CaseStudyFactory(organisation=other_org, title="Japanese case", language="ja")
    CaseStudyFactory(organisation=other_org, title="English case", language="en")
    CaseStudyFactory(
        organisation=other_org, title="Hidden Japanese draft", language="ja", status="draft"
    )
    client = signed_in(member)

    page = client.get(reverse("practices:case-list"), {"written_in": "ja"})
    assert [c.title for c in page.context["page"].object_list] == ["Japanese case"]
    facet = next(f for f in page.context["facets"] if f.family == "written_in")
    assert [(v.value, v.count, v.selected) for v in facet.values] == [
        ("ja", 1, True),
        ("en", 1, False),
    ]

    api = token_client(member.organisation)
    listed = api.get("/api/v1/cases/", {"written_in": "ja"}).json()
    assert [c["uuid"] for c in listed["results"]] == [str(ja.uuid)]
    facets = api.get("/api/v1/cases/facets/", {"written_in": "ja"}).json()
    written = next(f for f in facets["facets"] if f["family"] == "written_in")
    assert {v["value"]: v["count"] for v in written["values"]} == {"ja": 1, "en": 1}
    assert api.get("/api/v1/cases/", {"written_in": "xx"}).status_code == 400


def test_the_csv_export_has_the_language_columns(member, other_org):
    CaseStudyFactory(
        organisation=other_org,
        language="ko",
        summary_translation="English summary",
        summary_translation_language="en",
    )
    response = signed_in(member).get(reverse("practices:case-list-csv"))
    content = b"".join(response.streaming_content).decode()
    header, row = content.splitlines()[:2]
    assert "Written in,Summary translation,Summary translation language" in header
    assert ",ko,English summary,en," in row
