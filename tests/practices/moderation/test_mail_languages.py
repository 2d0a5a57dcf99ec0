"""Mail from practices is written in its recipient's language, whatever the sender's."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from practices.models import CaseStudy, ModerationEvent
from practices.moderation import notifications
from tests.factories import CaseStudyFactory, UserFactory

# A subject fragment and a body phrase of each kind, per language.
CASE_EVENT = {
    "en-gb": ("Changes requested:", "Edit the case and submit it again."),
    "fr": ("Modifications demandées :", "Modifiez l’étude de cas, puis soumettez-la à nouveau."),
    "ja": ("修正依頼:", "事例を編集し、再度提出してください。"),
    "ko": ("수정 요청:", "사례를 수정한 후 다시 제출해 주십시오."),
}
REVISION = {
    "en-gb": ("Revision published:", "was approved and is now published"),
    "fr": ("Révision publiée :", "a été approuvée et est maintenant publiée"),
    "ja": ("改訂が公開されました:", "改訂が承認され、公開されました。"),
    "ko": ("개정 게시됨:", "개정이 승인되어 게시되었습니다."),
}
SHARED = {
    "en-gb": ("Shared with your organisation:", "named your organisation as a recipient"),
    "fr": ("Partagée avec votre organisation :", "a désigné votre organisation comme destinataire"),
    "ja": ("貴組織に共有されました:", "貴組織を受信者に指定しました"),
    "ko": ("귀 기관에 공유됨:", "귀 기관을 수신 기관으로 지정했습니다"),
}
LANGUAGES = ["en-gb", "fr", "ja", "ko"]


def _person(org, language, **extra):
    return UserFactory(organisation=org, language="" if language == "en-gb" else language, **extra)


def _only(message_list):
    assert len(message_list) == 1
    return message_list[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_case_event_mail_in_the_recipients_language(
    org, language, django_capture_on_commit_callbacks
):
    person = _person(org, language)
    case = CaseStudyFactory(organisation=org, created_by=person, title="Forged letters")
    event = ModerationEvent.objects.create(
        case_study=case,
        kind=ModerationEvent.Kind.TRANSITION,
        from_status="submitted",
        to_status="changes_requested",
        comment="Add sources.",
    )
    mail.outbox.clear()
    # The sender works in another language: the mail follows the recipient.
    with (
        django_capture_on_commit_callbacks(execute=True),
        translation.override("ko" if language != "ko" else "fr"),
    ):
        notifications.event_notify(event)
    message = _only([m for m in mail.outbox if m.to == [person.email]])
    subject, phrase = CASE_EVENT[language]
    assert subject in message.subject and "Forged letters" in message.subject
    assert phrase in message.body
    assert phrase in message.alternatives[0][0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_revision_mail_in_the_recipients_language(
    org, language, django_capture_on_commit_callbacks
):
    person = _person(org, language)
    case = CaseStudyFactory(
        organisation=org, created_by=person, status="published", title="Forged letters"
    )
    event = ModerationEvent.objects.create(
        case_study=case, kind=ModerationEvent.Kind.REVISION, details={"status": "approved"}
    )
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        translation.override("ja" if language != "ja" else "en-gb"),
    ):
        notifications.event_notify(event)
    message = _only([m for m in mail.outbox if m.to == [person.email]])
    subject, phrase = REVISION[language]
    assert subject in message.subject
    assert phrase in message.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_amber_recipient_notice_in_the_recipients_language(
    org, other_org, language, django_capture_on_commit_callbacks
):
    reader = _person(other_org, language)
    case = CaseStudyFactory(
        organisation=org, status="published", tlp="amber", title="Forged letters"
    )
    case.recipients.add(other_org)
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        translation.override("fr" if language != "fr" else "ko"),
    ):
        notifications.recipients_notify(case)
    message = _only([m for m in mail.outbox if m.to == [reader.email]])
    subject, phrase = SHARED[language]
    assert subject in message.subject
    assert phrase in message.body
    # TLP labels keep their official English names in every language.
    assert "TLP:AMBER" in message.body


def test_japanese_reader_gets_japanese_even_when_the_task_runs_in_english(
    org, django_capture_on_commit_callbacks
):
    person = _person(org, "ja")
    case = CaseStudyFactory(organisation=org, created_by=person, title="偽の書簡")
    event = ModerationEvent.objects.create(
        case_study=case,
        kind=ModerationEvent.Kind.TRANSITION,
        from_status="submitted",
        to_status="published",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("en-gb"):
        notifications.event_notify(event)
        # and the sender's language is left as it was
        assert translation.get_language() == "en-gb"
    message = _only([m for m in mail.outbox if m.to == [person.email]])
    assert message.subject == "[Practice Exchange] 公開済み: 偽の書簡"
    assert "%(name)s 様".replace("%(name)s", person.get_short_name()) in message.body


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en-gb", "2 items waiting for review"),
        ("fr", "2 éléments en attente d’examen"),
        ("ja", "審査待ちの項目が2件あります"),
        ("ko", "검토 대기 항목 2건"),
    ],
)
def test_digest_subject_in_the_moderators_language(
    db, language, subject, django_capture_on_commit_callbacks
):
    moderator = UserFactory(language="" if language == "en-gb" else language)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en-gb"):
        notifications.send(
            [moderator],
            lambda: (
                translation.ngettext(
                    "%(count)d item waiting for review", "%(count)d items waiting for review", 2
                )
                % {"count": 2}
            ),
            "digest",
            {"cases": [], "revisions": [], "now": None, "site": "https://x.test"},
        )
    assert _only(mail.outbox).subject == f"[Practice Exchange] {subject}"


def test_every_case_event_kind_renders_in_every_language(org, django_capture_on_commit_callbacks):
    """No template error and no English left in the Japanese subjects, for each status."""
    person = _person(org, "ja")
    case = CaseStudyFactory(organisation=org, created_by=person, title="T")
    for status in ["changes_requested", "published", "rejected", "withdrawn"]:
        ModerationEvent.objects.create(
            case_study=case,
            kind=ModerationEvent.Kind.TRANSITION,
            from_status="submitted",
            to_status=status,
            comment="x",
        )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for event in case.events.all():
            notifications.event_notify(event)
    subjects = {m.subject for m in mail.outbox}
    assert subjects == {
        "[Practice Exchange] 修正依頼: T",
        "[Practice Exchange] 公開済み: T",
        "[Practice Exchange] 不採択: T",
        "[Practice Exchange] 取り下げ: T",
    }
    assert all("Hello" not in m.body for m in mail.outbox)
    assert CaseStudy.objects.count() == 1
