"""Migration 0008: existing cases get a content language, guessed from their script (kana →
Japanese, Hangul → Korean, anything else → English); an English text quoting a few Japanese
words stays English."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("practices", "0007_search_words"), ("accounts", "0003_person_language")]
AFTER = [("practices", "0008_content_language")]

CASES = {
    "English": ("Forged letters", "Letters before the elections.", "en"),
    "Japanese": ("台風後の偽情報", "救援物資が横流しされているという主張が広がりました。", "ja"),
    "Korean": ("백신 소문", "연쇄 메시지가 가족 대화방에 퍼졌습니다.", "ko"),
    "Quoting": (
        "A slogan on posters",
        "Posters carried the slogan 「負けない」 in several prefectures, with a QR code "
        "leading to a lookalike site that collected the personal data of the people it drew.",
        "en",
    ),
    "Chinese only": ("微博上的谣言", "关于选举的谣言", "en"),
}


@pytest.mark.django_db(transaction=True)
def test_existing_cases_get_a_language_guessed_from_their_script():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Organisation = apps.get_model("accounts", "Organisation")
    CaseStudy = apps.get_model("practices", "CaseStudy")
    organisation = Organisation.objects.create(
        name="Old org", short_name="OO", slug="old-org", partner_group="nato_ally"
    )
    ids = {
        name: CaseStudy.objects.create(organisation=organisation, title=title, summary=summary).pk
        for name, (title, summary, _) in CASES.items()
    }

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    CaseStudy = apps.get_model("practices", "CaseStudy")

    for name, (_, _, expected) in CASES.items():
        case = CaseStudy.objects.get(pk=ids[name])
        assert case.language == expected, name
        assert (case.summary_translation, case.summary_translation_language) == ("", "")
    Term = apps.get_model("practices", "Term")
    assert Term._meta.get_field("translations").default is dict

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
