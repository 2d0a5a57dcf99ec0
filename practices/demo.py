"""Demo case studies: 32 fictional incidents and responses, marked as demo, safe to load again.

Rules of ``seed_cases``:

- Every case is fictional, its title ends with " (demo)", and it names no real person and blames
  no real agency: actors are described with the neutral threat-actor terms. References point
  only at example.org and example.com.
- Each case has a fixed UUID (``uuid5`` of ``DEMO_NAMESPACE`` and its title). A missing case is
  created; an existing one is left exactly as it is, since people may have moved it on in the
  demo. Nothing is ever duplicated.
- The status and its timestamps (``submitted_at``, ``submission_round``, ``published_at``,
  ``withdrawn_at``) are set directly, with the ``ModerationEvent`` trail that leads to the
  status and an ``Approval`` for each publication, following ``practices.moderation``: the
  author drafts, submits and resubmits; a hub moderator, never of the case's own organisation,
  requests changes, publishes or rejects; an admin of the organisation withdraws a published
  case. Requests for changes, rejections and withdrawals carry a comment.
- Restricted (AMBER, AMBER+STRICT) cases name one to three recipient organisations; no case is
  TLP:RED. Submitted and later cases are complete by ``case_study_missing``; drafts need not be.
"""

from __future__ import annotations

import textwrap
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.utils.text import slugify

from accounts.models import Organisation, User
from practices.models import Approval, CaseStudy, ModerationEvent, Reference, Taxonomy, Term

# Changing this (or a title) gives the case a new identity: the old row would stay behind.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.org/cdpe/demo-case-studies")

Status = CaseStudy.Status
TLP = CaseStudy.TLP
Mode = CaseStudy.AttributionMode
Confidence = CaseStudy.AttributionConfidence
Eff = CaseStudy.Effectiveness
Ev = CaseStudy.Evidence

# The usual way to each status; a case may give its own ``path`` (e.g. a round of changes).
PATHS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.DRAFT,),
    Status.SUBMITTED: (Status.DRAFT, Status.SUBMITTED),
    Status.CHANGES_REQUESTED: (Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED),
    Status.PUBLISHED: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED),
    Status.REJECTED: (Status.DRAFT, Status.SUBMITTED, Status.REJECTED),
    Status.WITHDRAWN: (Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED, Status.WITHDRAWN),
}
REVISED = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.CHANGES_REQUESTED,
    Status.SUBMITTED,
    Status.PUBLISHED,
)
MODERATOR_STEPS = (Status.CHANGES_REQUESTED, Status.PUBLISHED, Status.REJECTED)
COMMENTED_STEPS = (Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN)
# Days after the previous step, and the hour of day, so that the trail reads like real work.
STEP_DELAY = {
    Status.DRAFT: (0, 9),
    Status.SUBMITTED: (7, 11),
    Status.CHANGES_REQUESTED: (3, 15),
    Status.PUBLISHED: (3, 10),
    Status.REJECTED: (4, 14),
    Status.WITHDRAWN: (12, 16),
}


@dataclass(frozen=True)
class DemoCase:
    """One demo case as written; text is dedented, dates are ISO strings, terms are codes."""

    title: str
    organisation: str  # demo organisation slug
    author: str  # e-mail of a member of that organisation
    status: str
    tlp: str
    drafted: str  # the day the draft was started; later steps follow STEP_DELAY
    summary: str
    incident: str = ""
    audiences: str = ""
    incident_start: str = ""
    incident_end: str = ""
    attribution_confidence: str = Confidence.UNATTRIBUTED
    response: str = ""
    responders: str = ""
    response_start: str = ""
    response_end: str = ""
    resources: str = ""
    outcome: str = ""
    effectiveness: str = Eff.NOT_ASSESSED
    evidence: str = ""
    lessons: str = ""
    recommendations: str = ""
    attribution_mode: str = Mode.NAMED
    recipients: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    red: tuple[str, ...] = ()
    blue: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    actor: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    references: tuple[tuple[str, str], ...] = ()
    path: tuple[str, ...] = ()
    moderator: str = "moderator@hub.demo"
    withdrawn_by: str = ""  # an admin of the organisation, for withdrawn cases
    comments: tuple[tuple[str, str], ...] = ()  # (to_status, comment) for commented steps

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_NAMESPACE, self.title)

    @property
    def steps(self) -> tuple[str, ...]:
        return self.path or PATHS[self.status]

    def term_codes(self) -> dict[str, tuple[str, ...]]:
        return {
            "region": self.region,
            "country": self.countries,
            "language": self.languages,
            "disarm-red": self.red,
            "disarm-blue": self.blue,
            "platform": self.platforms,
            "theme": self.themes,
            "threat-actor": self.actor,
        }


CASES: tuple[DemoCase, ...] = (
    # --- Estonia ------------------------------------------------------------------------------
    DemoCase(
        title="Deepfake audio of a minister before local elections, met by pre-bunking (demo)",
        organisation="demo-ee-gco",
        author="member@ee.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2025-11-12",
        summary="""
            Ten days before municipal elections, a synthetic audio clip in which a cabinet
            minister appeared to announce the closure of Russian-language polling stations
            spread on Telegram and TikTok. Because the government had pre-bunked voice cloning
            two weeks earlier, the clip was widely recognised as fake within hours.
        """,
        incident="""
            A 48-second audio clip, presented as a leaked phone call, had a cabinet minister
            "confirm" that polling stations in two north-eastern municipalities would close early
            for Russian speakers. Forensic review found clear markers of voice cloning.

            - first posted by a newly created Telegram channel styled as a local news service;
            - reposted within 40 minutes by about 60 accounts, most created the same month;
            - a subtitled video version appeared on TikTok the next morning.

            The timing, the target audience and the language choice match earlier campaigns
            that exploited tensions between language communities.
        """,
        audiences="Russian-speaking voters in north-eastern municipalities; first-time voters.",
        incident_start="2025-10-09",
        incident_end="2025-10-19",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            Two weeks before the vote, the Government Communication Office had published a short
            explainer, in Estonian and Russian, on how cloned voices sound and how to check
            polling information. When the clip appeared, the office:

            1. confirmed with the election authority within 90 minutes that no station would
               close, and published the confirmation in both languages;
            2. asked the minister's office to post a short, plain denial without repeating the
               false claim in its headline;
            3. referred the channel and the reposting accounts to the platforms under their
               synthetic-media policies;
            4. briefed municipal election officials so that they could answer voters' questions.
        """,
        responders="Government Communication Office, national election authority, municipal "
        "election officials, two national broadcasters.",
        response_start="2025-10-09",
        response_end="2025-10-24",
        resources="""
            - three analysts for ten days, one Russian-language communicator;
            - a small paid promotion of the pre-bunking explainer (about EUR 4,000).
        """,
        outcome="""
            The clip reached an estimated 110,000 views across platforms, but comments calling it
            fake outnumbered supportive ones from the second hour. Turnout in the two
            municipalities was in line with the previous election. TikTok removed the video
            within a day; the Telegram channel stayed up but stopped posting.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="""
            - Pre-bunking the *technique* (voice cloning) was more useful than waiting for a
              specific fake: people already knew what to look for.
            - A same-day confirmation from the election authority carried more weight than a
              political denial.
            - Having Russian-language material ready in advance mattered more than speed of
              translation on the day.
        """,
        recommendations="""
            Prepare bilingual pre-bunking material on synthetic media before every election,
            and agree in advance who confirms practical voting information on election days.
        """,
        region=("euro-atlantic",),
        countries=("EE",),
        languages=("et", "ru"),
        red=("T0088.001", "T0097.202", "T0072.002", "T0119.002"),
        blue=("C00125", "C00176"),
        platforms=("telegram", "tiktok", "facebook"),
        themes=("elections", "minorities"),
        actor=("foreign-state-actor",),
        keywords=("voice cloning", "pre-bunking", "election integrity"),
        references=(
            (
                "https://example.org/demo/ee/voice-cloning-explainer",
                "How to recognise a cloned voice (explainer, demo)",
            ),
            (
                "https://example.org/demo/ee/election-authority-statement",
                "Election authority statement on polling station hours (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Staged photographs of a desecrated war memorial (demo)",
        organisation="demo-ee-gco",
        author="admin@ee.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2023-06-20",
        summary="""
            Around a commemoration date, photographs said to show a vandalised Second World War
            memorial circulated on VK and Telegram with claims that the authorities tolerated
            the damage. The memorial was intact; the images were edited from older pictures of
            a different site.
        """,
        incident="""
            Four photographs showed paint and broken stonework on a memorial in a border town.
            Captions claimed that local authorities had "ordered" the damage and that police
            had refused to investigate. Reverse image search matched two of the photographs to
            a 2019 picture of a different monument in another country; the others had been
            altered to add graffiti.
        """,
        audiences="Russian-speaking residents; diaspora audiences abroad.",
        incident_start="2023-04-24",
        incident_end="2023-05-10",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The municipality published same-day photographs and a short video of the intact
            memorial, taken by a local journalist, with the time and date visible. The office
            shared the image-matching results with two fact-checking organisations and did not
            issue a national statement, to avoid amplifying a local story.
        """,
        responders="Municipality, Government Communication Office, two independent fact-checkers.",
        response_start="2023-04-25",
        response_end="2023-05-31",
        resources="Two analysts for two days; the municipality's own communication staff.",
        outcome="""
            Fact-checks in Estonian and Russian were published within a day. Reposting slowed
            after the video of the intact memorial appeared; some channels edited their posts
            to say the memorial "had been cleaned".
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="""
            Local, verifiable proof (a dated video by a known local journalist) worked better
            than an official denial. Keeping the response local kept the story small.
        """,
        recommendations="""
            - Keep contact lists of local journalists in areas likely to be targeted.
            - Record the condition of sensitive memorials before commemoration dates.
        """,
        region=("euro-atlantic",),
        countries=("EE", "LV"),
        languages=("et", "ru"),
        red=("T0086.003", "T0084.003", "T0081.003"),
        blue=("C00119",),
        platforms=("vk", "telegram", "odnoklassniki"),
        themes=("history-memory", "minorities"),
        actor=("foreign-state-actor",),
        keywords=("cheap fake", "commemoration"),
        references=(
            (
                "https://example.org/demo/fact-check/memorial-photographs",
                "Fact-check: memorial photographs were edited (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Inauthentic 'teachers' association' petition on minority-language schools (demo)",
        organisation="demo-ee-gco",
        author="member@ee.demo",
        status=Status.WITHDRAWN,
        withdrawn_by="admin@ee.demo",
        tlp=TLP.AMBER,
        recipients=("demo-lt-mod", "demo-uk-ccu"),
        drafted="2024-05-06",
        summary="""
            A newly registered "teachers' association" ran an online petition against the move
            to instruction in the state language. Most signatures and the association's
            spokespeople could not be traced to real teachers.
        """,
        incident="""
            The association had a website, a Facebook page and two spokespeople with stock-photo
            profile pictures. Its petition gathered 14,000 signatures in three weeks; analysis of
            a sample found that most came from outside the country, often in bursts of several
            hundred a minute.
        """,
        audiences="Parents of pupils in Russian-language schools; teachers; foreign media.",
        incident_start="2024-02-05",
        incident_end="2024-03-15",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The ministry responsible for education met the real teachers' unions, which
            published a joint statement on their own positions. The office briefed journalists
            on background about the signature patterns.
        """,
        responders="Government Communication Office, ministry responsible for education, "
        "teachers' unions.",
        response_start="2024-02-20",
        response_end="2024-04-10",
        resources="Three analysts part-time for a month.",
        outcome="""
            National media reported the petition's doubtful signatures; the association's
            website went offline in April.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="""
            The real unions' statement was more persuasive than any government analysis of the
            signatures.
        """,
        recommendations="Keep working relations with professional bodies whose names can be "
        "borrowed.",
        region=("euro-atlantic",),
        countries=("EE",),
        languages=("et", "ru"),
        red=("T0092.001", "T0097.207", "T0029", "T0145.007"),
        blue=("C00190",),
        platforms=("facebook", "websites-blogs"),
        themes=("education", "minorities"),
        actor=("proxy-front-organisation",),
        keywords=("petition", "front organisation"),
        references=(
            (
                "https://example.org/demo/ee/petition-analysis",
                "Signature patterns of an online petition (demo)",
            ),
        ),
        comments=(
            (
                Status.WITHDRAWN,
                "Withdrawn by us: a review of the association's registration is still under "
                "way and its findings may change the picture. We will resubmit afterwards.",
            ),
        ),
    ),
    # --- Lithuania ----------------------------------------------------------------------------
    DemoCase(
        title="Telegram channels targeting Ukrainian refugees with false benefit cuts (demo)",
        organisation="demo-lt-mod",
        author="member@lt.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2023-05-15",
        summary="""
            Ukrainian-language Telegram channels posing as refugee help groups told refugees
            that their temporary protection and benefits would end within weeks and that they
            should "go home or move west". The claims were false and used forged notices.
        """,
        incident="""
            Three channels with 5,000–20,000 subscribers each presented themselves as volunteer
            help groups. Alongside genuine practical tips, they posted:

            - forged "notices" in the style of the migration department announcing an end to
              temporary protection;
            - claims that refugee children would be placed in Lithuanian-language boarding
              schools;
            - invitations to closed chats where administrators encouraged people to leave.

            Posting times, shared images and recycled texts linked the channels to a wider
            network active in several host countries.
        """,
        audiences="Ukrainian refugees in Lithuania, especially mothers with children.",
        incident_start="2022-11-02",
        incident_end="2023-03-31",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The ministry worked with the migration department and refugee organisations to:

            1. publish a pinned, regularly updated "what is true this month" post in Ukrainian
               on official channels;
            2. ask trusted volunteers in genuine help groups to share the official post;
            3. report the forged notices to the platform as impersonation of a government body;
            4. share indicators with partners in Poland and Latvia, who saw similar channels.
        """,
        responders="Ministry of National Defence, migration department, refugee support "
        "organisations.",
        response_start="2022-11-20",
        response_end="2023-04-30",
        resources="""
            - one Ukrainian-speaking communicator for five months;
            - two analysts part-time; volunteer time from refugee organisations.
        """,
        outcome="""
            Calls to the refugee hotline about "ending protection" fell from about 40 a week in
            December to fewer than five in March. Two of the three channels were removed for
            impersonation; the third rebranded and lost most of its subscribers.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="""
            - A single, dated, regularly updated source of truth was easier to share than
              individual rebuttals.
            - Trusted volunteers were the best messengers; official accounts alone reached few
              refugees.
        """,
        recommendations="""
            Create a Ukrainian-language "what is true this month" format for all host-country
            authorities, and share impersonation indicators with neighbouring host countries.
        """,
        region=("euro-atlantic",),
        countries=("LT", "UA", "PL"),
        languages=("uk", "ru", "lt"),
        red=("T0097.206", "T0143.003", "T0072.002", "T0151.007"),
        blue=("C00178", "C00176"),
        platforms=("telegram", "viber"),
        themes=("migration", "ukraine"),
        actor=("foreign-state-actor",),
        keywords=("refugees", "impersonation"),
        references=(
            (
                "https://example.org/demo/lt/refugee-information-hub",
                "Refugee information: what is true this month (demo)",
            ),
            (
                "https://example.com/demo/research/host-country-telegram-networks",
                "Telegram networks targeting refugees in host countries (demo study)",
            ),
        ),
    ),
    DemoCase(
        title="NATO exercise 'invasion' hoax with a re-captioned convoy video (demo)",
        organisation="demo-lt-mod",
        author="admin@lt.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2024-06-24",
        summary="""
            During a large NATO exercise, a video of an allied convoy was re-captioned as
            "foreign troops occupying" a Lithuanian town. Because the ministry had explained the
            exercise and its routes beforehand, most audiences dismissed the claim.
        """,
        incident="""
            A 20-second video of armoured vehicles on a public road was posted on TikTok with
            the caption "They are not leaving: NATO occupation begins". The footage was genuine
            and came from the exercise; the caption was false. Variants on VK and Telegram
            claimed that residents had been told to stay indoors, and one used a fabricated
            "order" from a military commander.
        """,
        audiences="Residents near exercise areas; Russian- and Polish-speaking communities.",
        incident_start="2024-05-13",
        incident_end="2024-05-26",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            Two weeks before the exercise, the ministry published maps of convoy routes, dates
            and a short video explaining what residents would see, in Lithuanian, Russian and
            Polish. When the hoax appeared it:

            - posted the original footage with its real context and the exercise end date;
            - asked municipalities to repeat the message on their local channels;
            - reported the fabricated "order" to the platforms as impersonation.
        """,
        responders="Ministry of National Defence, armed forces public affairs, municipalities.",
        response_start="2024-04-29",
        response_end="2024-05-31",
        resources="Public affairs team of six; local advertising on regional news sites.",
        outcome="""
            Surveys in two municipalities after the exercise showed that 78% of respondents
            knew about the exercise in advance. The hoax video received most of its views from
            outside Lithuania.
        """,
        effectiveness=Eff.HIGHLY,
        evidence=Ev.MEASURED,
        lessons="""
            Telling residents what they will see before they see it leaves little room for
            false explanations. Publishing route maps raised no security problem because the
            routes were visible anyway.
        """,
        recommendations="""
            - Make exercise pre-bunking standard practice, in all local languages.
            - Keep original footage ready to re-post with context.
        """,
        region=("euro-atlantic",),
        countries=("LT", "PL"),
        languages=("lt", "ru", "pl"),
        red=("T0023.001", "T0087.002", "T0097.105"),
        blue=("C00125", "C00156"),
        platforms=("tiktok", "vk", "telegram"),
        themes=("defence", "nato"),
        actor=("foreign-state-actor",),
        keywords=("military exercise", "pre-bunking"),
        references=(
            (
                "https://example.org/demo/lt/exercise-what-you-will-see",
                "The exercise: what residents will see (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Railway sabotage claims used to stoke fear about transit trains (demo)",
        organisation="demo-lt-mod",
        author="member@lt.demo",
        status=Status.REJECTED,
        tlp=TLP.AMBER_STRICT,
        recipients=("demo-ee-gco",),
        drafted="2025-03-24",
        summary="""
            After a minor derailment, accounts claimed that transit trains were being sabotaged
            by "the government's own security services" and that hazardous cargo was at risk.
        """,
        incident="""
            A freight car left the rails at low speed in a marshalling yard. Within hours,
            Telegram channels claimed deliberate sabotage and listed other "incidents" that
            were either routine maintenance or had happened abroad. Some posts included
            details of an ongoing investigation that had not been made public.
        """,
        audiences="Residents along the transit line; railway staff.",
        incident_start="2025-01-14",
        incident_end="2025-02-20",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The railway operator and the investigating authority published a factual timeline.
            The ministry monitored the channels and shared indicators with the investigating
            authority.
        """,
        responders="Ministry of National Defence, railway operator, investigating authority.",
        response_start="2025-01-15",
        response_end="2025-03-05",
        resources="Two analysts for three weeks.",
        outcome="Coverage faded after the timeline was published.",
        effectiveness=Eff.PARTLY,
        evidence=Ev.ANECDOTAL,
        lessons="A factual timeline from the operator helped; it came a day later than needed.",
        recommendations="Agree with infrastructure operators who publishes what, and how fast.",
        region=("euro-atlantic",),
        countries=("LT",),
        languages=("lt", "ru"),
        red=("T0042", "T0044", "T0068"),
        blue=("C00042",),
        platforms=("telegram", "facebook"),
        themes=("critical-infrastructure", "public-safety"),
        actor=("foreign-state-actor",),
        references=(
            (
                "https://example.org/demo/lt/rail-incident-timeline",
                "Rail incident: timeline of facts (demo)",
            ),
        ),
        moderator="moderator2@hub.demo",
        comments=(
            (
                Status.REJECTED,
                "Thank you. The case describes details of an investigation that is still open, "
                "which we cannot host even at AMBER+STRICT. Please submit a new case once the "
                "investigation has concluded and the details are public.",
            ),
        ),
    ),
    DemoCase(
        title="Hacked municipal website posts a false evacuation notice (demo)",
        organisation="demo-lt-mod",
        author="admin@lt.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2026-09-21",
        summary="""
            A municipal website was defaced overnight with a notice telling residents to
            evacuate because of a "chemical leak" at a nearby military site. The notice was
            taken down within two hours; screenshots circulated for several days.
        """,
        incident="""
            Attackers used a vulnerable content-management plug-in to publish the notice at
            03:10. A hacktivist persona claimed the defacement on Telegram and posted
            screenshots, which were reposted with the claim that the authorities had "deleted
            the warning to hide the leak".
        """,
        audiences="Residents of the municipality and neighbouring districts.",
        incident_start="2026-08-19",
        incident_end="2026-08-19",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            - The municipality took the site offline and posted a holding message on social
              media at 05:30.
            - The armed forces confirmed there was no incident at the site, with a photograph
              taken that morning.
            - The national cyber-security centre helped restore the site and published a short
              advisory for other municipalities using the same plug-in.
            - The ministry ran a tabletop exercise with three municipalities a week later.
        """,
        responders="Municipality, armed forces public affairs, national cyber-security centre, "
        "Ministry of National Defence.",
        response_start="2026-08-19",
        response_end="2026-08-29",
        resources="Incident response team; communication staff of the municipality.",
        outcome="""
            The emergency number received 140 calls before 07:00, then few. No evacuation took
            place. Screenshots kept circulating, but mostly with the official correction.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="""
            The first two hours decided the outcome; the municipality had no out-of-hours
            contact for its website until this incident.
        """,
        recommendations="""
            Give every municipality an out-of-hours procedure for its website and social
            accounts, and include a defacement scenario in crisis exercises.
        """,
        region=("euro-atlantic",),
        countries=("LT",),
        languages=("lt", "ru"),
        red=("T0150.005", "T0097.201", "T0097.104"),
        blue=("C00159", "C00222"),
        platforms=("websites-blogs", "telegram", "facebook"),
        themes=("critical-infrastructure", "public-safety"),
        actor=("hacktivist-group",),
        keywords=("defacement", "hack and leak"),
        references=(
            (
                "https://example.org/demo/lt/cyber-advisory-cms-plugin",
                "Advisory: content-management plug-in vulnerability (demo)",
            ),
        ),
    ),
    # --- United Kingdom -----------------------------------------------------------------------
    DemoCase(
        title="Lookalike local news site spreads false claims about refugee housing (demo)",
        organisation="demo-uk-ccu",
        author="member@uk.demo",
        status=Status.WITHDRAWN,
        withdrawn_by="admin@uk.demo",
        tlp=TLP.GREEN,
        attribution_mode=Mode.ANONYMISED,
        drafted="2024-10-28",
        summary="""
            A website imitating a regional newspaper published invented stories about hotels
            being requisitioned to house refugees. The stories were shared in local Facebook
            groups before the real newspaper and the council could respond.
        """,
        incident="""
            The site used a domain one letter different from the newspaper's and copied its
            layout. It published eight stories over six weeks, each naming a real hotel and
            claiming that residents had been "evicted" to make room for asylum seekers. None
            of the stories was true. The site's articles were machine-translated from another
            language and reused stock photographs.
        """,
        audiences="Residents of two towns; local community Facebook groups.",
        incident_start="2024-08-05",
        incident_end="2024-09-20",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The unit alerted the real newspaper, which published a front-page notice about the
            imitation, and the council published the facts on its housing plans. The unit
            reported the domain to the registrar and the stories to the platform; it published
            a technical note on the operation's infrastructure.
        """,
        responders="Counter-disinformation unit, local council, the regional newspaper.",
        response_start="2024-08-12",
        response_end="2024-10-04",
        resources="Two analysts for a month; legal advice on the domain complaint.",
        outcome="""
            The registrar suspended the domain after five weeks. The platform reduced
            distribution of links to the site. Local group moderators began removing its links.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="""
            - The real newspaper's own warning was the most credible response.
            - Domain suspension took too long; the stories had done most of their harm in the
              first two weeks.
        """,
        recommendations="""
            Help local media register lookalike domains defensively and set up a fast route
            with registrars for clear-cut impersonation.
        """,
        region=("euro-atlantic",),
        countries=("GB",),
        languages=("en",),
        red=("T0098.001", "T0097.202", "T0149.003", "T0085.008"),
        blue=("C00115", "C00117"),
        platforms=("websites-blogs", "facebook", "x"),
        themes=("migration", "public-safety"),
        actor=("proxy-front-organisation",),
        keywords=("lookalike domain", "local news"),
        references=(
            (
                "https://example.org/demo/uk/lookalike-news-technical-note",
                "Technical note: a lookalike regional news site (demo)",
            ),
        ),
        comments=(
            (
                Status.WITHDRAWN,
                "Withdrawn by us: the domain complaint has become part of legal proceedings, "
                "and we were advised not to share details until they conclude.",
            ),
        ),
    ),
    DemoCase(
        title="Deepfake video of a senior officer announcing conscription (demo)",
        organisation="demo-uk-ccu",
        author="admin@uk.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2025-04-07",
        summary="""
            A synthetic video showed a senior military officer announcing conscription for
            18–25-year-olds. The officer and the defence ministry answered within three hours
            with a real video, which was seen more widely than the fake.
        """,
        incident="""
            The 35-second video used footage from a real public speech with a cloned voice and
            altered lip movements. It appeared first on TikTok and was forwarded on WhatsApp
            with the text "Tell your sons". The operators are unknown; the content matched a
            wider narrative that allies are preparing for war.
        """,
        audiences="Young adults and their parents.",
        incident_start="2025-03-03",
        incident_end="2025-03-09",
        response="""
            The unit coordinated a response in which the officer recorded a short, informal
            video saying the clip was fake and there were no conscription plans. The defence
            ministry posted it on all its channels, and several popular creators who had
            covered the fake shared it.
        """,
        responders="Counter-disinformation unit, defence ministry, the officer concerned.",
        response_start="2025-03-03",
        response_end="2025-03-14",
        resources="Half a day of the officer's time; a small communications team.",
        outcome="""
            The response video reached about three times the audience of the fake within two
            days. Searches for "conscription" peaked on the first day and returned to normal by
            the third.
        """,
        effectiveness=Eff.HIGHLY,
        evidence=Ev.MEASURED,
        lessons="""
            A reply from the person impersonated, in an informal tone, outperformed an official
            statement. Creators who had unknowingly spread the fake were willing to correct it
            when given something to share.
        """,
        recommendations="""
            - Agree in advance that senior figures will record a quick personal rebuttal if
              they are impersonated.
            - Keep a list of creators who cover defence topics.
        """,
        region=("euro-atlantic",),
        countries=("GB",),
        languages=("en",),
        red=("T0087.001", "T0097.105", "T0119.002"),
        blue=("C00200", "C00119"),
        platforms=("tiktok", "whatsapp", "x"),
        themes=("defence", "nato"),
        actor=("unknown",),
        keywords=("deepfake video",),
        references=(
            (
                "https://example.org/demo/uk/no-conscription-statement",
                "Statement: there are no conscription plans (demo)",
            ),
        ),
    ),
    DemoCase(
        title="AI-written comments flood a public consultation on grid infrastructure (demo)",
        organisation="demo-uk-ccu",
        author="member@uk.demo",
        status=Status.DRAFT,
        tlp=TLP.AMBER,
        recipients=("demo-ca-rrm",),
        drafted="2026-10-19",
        summary="""
            A public consultation on new transmission lines received about 30,000 responses in
            its last week, most written by a language model and submitted through disposable
            e-mail addresses.
        """,
        incident="""
            The responses varied in wording but repeated the same five arguments, including a
            false claim that the lines would carry electricity "sold abroad". Many were
            submitted within seconds of one another. The consultation team flagged the pattern.

            *Draft: attribution work is still under way.*
        """,
        audiences="Consultation officials; local residents; national media.",
        incident_start="2026-06-01",
        incident_end="2026-07-15",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The unit is helping the consultation team to separate genuine responses and to
            explain publicly how responses will be weighed.
        """,
        responders="Counter-disinformation unit, the consultation team.",
        response_start="2026-07-01",
        region=("euro-atlantic",),
        countries=("GB",),
        languages=("en",),
        red=("T0085.001", "T0049.008", "T0150.008"),
        blue=("C00074",),
        platforms=("email", "websites-blogs"),
        themes=("energy", "democratic-institutions"),
        actor=("commercial-disinformation-for-hire",),
        keywords=("public consultation", "generative AI"),
    ),
    # --- Canada -------------------------------------------------------------------------------
    DemoCase(
        title="Diaspora-language WeChat posts misstate the rules for voting by mail (demo)",
        organisation="demo-ca-rrm",
        author="member@ca.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        attribution_mode=Mode.ANONYMISED,
        drafted="2025-06-02",
        summary="""
            Several WeChat official accounts aimed at a diaspora community told readers that
            mail-in ballots from their district would be "checked by the police" and that
            permanent residents could vote. Both claims were false.
        """,
        incident="""
            Six accounts, some long established as community news sources, published near-
            identical articles within a day of each other. The articles mixed real voting dates
            with false rules, and suggested that voting by mail exposed voters to scrutiny.
            The wording matched content first seen on an overseas website.
        """,
        audiences="A diaspora community in two urban ridings; older voters reading in Chinese.",
        incident_start="2025-03-24",
        incident_end="2025-04-28",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The mechanism shared its observations with the election authority, which published
            voting rules in Chinese on its own WeChat account and through community
            associations. Community leaders were briefed and asked to share the official
            material in their own groups.
        """,
        responders="Rapid Response Mechanism, election authority, community associations.",
        response_start="2025-03-28",
        response_end="2025-05-09",
        resources="Two analysts with the language; translation of official material.",
        outcome="""
            The official article was read about 18,000 times. Three of the six accounts
            corrected their posts. Observers at advance polls reported fewer questions about
            police checks than expected.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="""
            - Closed platforms need an official presence before the election, not during it.
            - Community associations were trusted messengers but needed material in the right
              format (WeChat articles, not PDF files).
        """,
        recommendations="""
            Open and maintain official accounts on the platforms diaspora communities use,
            and prepare voting-rule material in their languages well ahead of elections.
        """,
        region=("euro-atlantic",),
        countries=("CA",),
        languages=("zh", "en"),
        red=("T0101", "T0072.002", "T0084.001"),
        blue=("C00178", "C00190"),
        platforms=("wechat",),
        themes=("elections", "minorities"),
        actor=("foreign-state-actor",),
        keywords=("diaspora", "voting by mail"),
        references=(
            (
                "https://example.org/demo/ca/voting-rules-multilingual",
                "Voting rules in other languages (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Wildfire evacuation hoaxes amplified by an engagement-farming network (demo)",
        organisation="demo-ca-rrm",
        author="member@ca.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2023-10-02",
        summary="""
            During a severe wildfire season, accounts farming engagement posted false
            evacuation orders and claims that fires had been set deliberately to "clear land".
            Emergency services countered them with a single live status page.
        """,
        incident="""
            Over two weeks, a network of about 300 accounts posted dramatic images (some from
            other years or other countries) with false evacuation orders for named towns. A
            second wave claimed the fires were arson linked to a land-use policy. Many accounts
            linked to advertising-heavy websites.
        """,
        audiences="Residents of affected regions; their families elsewhere.",
        incident_start="2023-08-16",
        incident_end="2023-09-02",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            Provincial emergency services published one live evacuation status page and
            repeated its address in every post. The mechanism shared the network's indicators
            with the platforms, which removed most of the accounts for spam.
        """,
        responders="Provincial emergency management, Rapid Response Mechanism, platforms.",
        response_start="2023-08-17",
        response_end="2023-09-08",
        resources="Emergency communication staff; two analysts.",
        outcome="""
            About 260 of the 300 accounts were removed within ten days. Emergency call centres
            reported fewer calls about false orders in the second week than in the first.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="One address for the truth, repeated everywhere, beat individual rebuttals.",
        recommendations="""
            - Set up a single status page before the fire season.
            - Agree fast channels with platforms for spam networks during emergencies.
        """,
        region=("euro-atlantic",),
        countries=("CA",),
        languages=("en", "fr"),
        red=("T0068", "T0049.003", "T0137.001"),
        blue=("C00123", "C00178"),
        platforms=("x", "facebook"),
        themes=("natural-disasters", "climate"),
        actor=("coordinated-inauthentic-network",),
        keywords=("wildfire", "engagement farming"),
        references=(
            (
                "https://example.org/demo/ca/wildfire-status-page",
                "Wildfire evacuation status (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Fabricated claims of contamination at an Arctic allied training site (demo)",
        organisation="demo-ca-rrm",
        author="member@ca.demo",
        status=Status.CHANGES_REQUESTED,
        tlp=TLP.AMBER,
        recipients=("demo-uk-ccu", "demo-au-dfat"),
        drafted="2026-09-07",
        summary="""
            Articles and videos claimed that fuel from an allied Arctic training site had
            poisoned caribou herds and drinking water in northern communities. Water tests
            showed no contamination.
        """,
        incident="""
            A documentary-style video used real footage of a 1990s fuel spill elsewhere,
            presented as recent. State-affiliated outlets quoted an "environmental scientist"
            with no traceable publications. The claims were translated into Inuktitut and
            shared in community Facebook groups.
        """,
        audiences="Northern and Indigenous communities; environmental groups.",
        incident_start="2025-07-07",
        incident_end="2025-09-30",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            Environmental authorities published water test results and invited community
            representatives to observe further sampling. Community radio hosted a discussion
            with local environmental monitors.
        """,
        responders="Rapid Response Mechanism, environmental authorities, community radio.",
        response_start="2025-08-04",
        response_end="2025-10-31",
        resources="Sampling programme; interpretation into Inuktitut.",
        outcome="Community concern fell after the observed sampling, according to local leaders.",
        effectiveness=Eff.PARTLY,
        evidence=Ev.ANECDOTAL,
        lessons="Inviting communities to observe the testing built more trust than results alone.",
        recommendations="Involve local environmental monitors early in any response.",
        region=("euro-atlantic",),
        countries=("CA", "NO"),
        languages=("en", "fr", "iu"),
        red=("T0084.003", "T0045", "T0101"),
        blue=("C00113", "C00156"),
        platforms=("youtube", "facebook", "radio"),
        themes=("defence", "climate", "nato"),
        actor=("state-affiliated-media",),
        references=(
            (
                "https://example.org/demo/ca/arctic-water-sampling",
                "Water sampling results, northern communities (demo)",
            ),
        ),
        comments=(
            (
                Status.CHANGES_REQUESTED,
                "Please add what the effectiveness rating rests on beyond local leaders' views, "
                "and remove the name of the community monitor quoted in the outcome section.",
            ),
        ),
    ),
    # --- Australia ----------------------------------------------------------------------------
    DemoCase(
        title="Fabricated 'leaked documents' on AUKUS submarine costs (demo)",
        organisation="demo-au-dfat",
        author="member@au.demo",
        status=Status.PUBLISHED,
        path=REVISED,
        tlp=TLP.AMBER,
        recipients=("demo-uk-ccu", "demo-nz-dpmc"),
        drafted="2024-05-13",
        summary="""
            A set of forged cabinet documents claimed that AUKUS submarine costs had tripled
            and that health funding would be cut to pay for them. The documents mixed public
            figures with invented ones and were first posted on an anonymous file-sharing site.
        """,
        incident="""
            Twelve pages in the format of cabinet submissions appeared on a file-sharing site
            and were promoted by accounts posing as public servants. Formatting errors, an
            outdated security marking and figures that did not match public budget papers
            showed the documents were fabricated. The documents were amplified by:

            - a newly created "whistleblower" account on X;
            - two websites presenting themselves as independent policy newsletters;
            - comments on Reddit in forums about housing and health.
        """,
        audiences="Australian voters concerned with cost of living; UK and US defence media.",
        incident_start="2024-03-11",
        incident_end="2024-04-05",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The taskforce confirmed with the agencies concerned that the documents were not
            genuine and, instead of a ministerial statement, arranged an on-the-record
            technical briefing for journalists showing the formatting errors. Partners in the
            UK and New Zealand were warned in advance in case the documents reached their
            media.
        """,
        responders="Disinformation Taskforce, the departments concerned, partner governments.",
        response_start="2024-03-12",
        response_end="2024-04-19",
        resources="Three analysts for a week; a document examiner.",
        outcome="""
            Major outlets reported the documents as forgeries; none reported the invented
            figures as fact. The "whistleblower" account was suspended for impersonation.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="""
            - Showing journalists *why* the documents were fake was more convincing than a
              denial.
            - Early warning to partners avoided the documents being laundered through foreign
              media.
        """,
        recommendations="""
            Keep a document examiner available for fast authenticity checks, and share
            forgery indicators with partners before the story reaches them.
        """,
        region=("indo-pacific",),
        countries=("AU", "GB", "US"),
        languages=("en",),
        red=("T0085.004", "T0089.003", "T0097.112", "T0098.001"),
        blue=("C00165", "C00115"),
        platforms=("x", "reddit", "websites-blogs"),
        themes=("defence", "foreign-policy", "economy"),
        actor=("foreign-state-actor",),
        keywords=("forged documents", "AUKUS"),
        references=(
            (
                "https://example.org/demo/au/document-authenticity-briefing",
                "Briefing: why the 'cabinet documents' are forgeries (demo)",
            ),
        ),
        comments=(
            (
                Status.CHANGES_REQUESTED,
                "Could you say which partners were warned and how? Other members will want to "
                "copy the early-warning step.",
            ),
        ),
    ),
    DemoCase(
        title="AI-generated news presenters discredit a Pacific policing partnership (demo)",
        organisation="demo-au-dfat",
        author="admin@au.demo",
        status=Status.PUBLISHED,
        tlp=TLP.AMBER_STRICT,
        recipients=("demo-nz-dpmc",),
        attribution_mode=Mode.ANONYMISED,
        drafted="2024-10-21",
        summary="""
            Short videos with AI-generated news presenters claimed that a regional policing
            partnership was a cover for building a military base. The videos were aimed at
            audiences in a Pacific Island country and spread in Facebook groups.
        """,
        incident="""
            About 40 videos used the same two synthetic presenters and a made-up news brand.
            They mixed real footage of police training with invented claims about "secret
            construction". Analysis linked the brand to a network that had used the same
            presenters in other regions.
        """,
        audiences="Residents of a Pacific Island country; local journalists.",
        incident_start="2024-06-03",
        incident_end="2024-08-30",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The taskforce supported a regional media-development organisation to run training
            for local journalists on identifying synthetic presenters. Partner police
            published photographs and plans of the training facility. The taskforce shared the
            network's indicators with the platform.
        """,
        responders="Disinformation Taskforce, partner police, a regional media-development "
        "organisation.",
        response_start="2024-06-24",
        response_end="2024-09-27",
        resources="Training grant; two analysts.",
        outcome="""
            The platform removed the network for coordinated inauthentic behaviour. Local
            outlets reported on the synthetic presenters. Survey data are not available.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="""
            Local journalists were the right audience: they became the ones explaining the
            fakes. Foreign government statements would have fed the narrative.
        """,
        recommendations="Fund local media literacy and verification skills before a crisis.",
        region=("indo-pacific",),
        countries=("SB", "AU"),
        languages=("en",),
        red=("T0087.001", "T0097.202", "T0101"),
        blue=("C00188",),
        platforms=("facebook", "tiktok"),
        themes=("pacific-islands", "public-safety", "foreign-policy"),
        actor=("foreign-state-actor",),
        keywords=("synthetic presenters",),
        references=(
            (
                "https://example.org/demo/pacific/journalist-verification-training",
                "Verification training for Pacific journalists (demo)",
            ),
        ),
        moderator="moderator2@hub.demo",
    ),
    DemoCase(
        title="Scam advertisements with deepfaked officials promote a fake energy rebate (demo)",
        organisation="demo-au-dfat",
        author="member@au.demo",
        status=Status.CHANGES_REQUESTED,
        tlp=TLP.GREEN,
        drafted="2026-10-12",
        summary="""
            Paid advertisements showed deepfaked officials endorsing a government "energy
            rebate" that required a registration fee. Victims lost money and personal data.
        """,
        incident="""
            The advertisements ran on social media and display networks, linking to lookalike
            government pages. The videos used cloned voices of public figures. The operators
            changed domains every few days.
        """,
        audiences="Households struggling with energy bills; older people.",
        incident_start="2025-11-03",
        incident_end="2026-02-27",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The consumer regulator issued warnings; the taskforce shared domains with
            platforms and advertising networks.
        """,
        responders="Disinformation Taskforce, consumer regulator, platforms.",
        response_start="2025-11-17",
        response_end="2026-03-31",
        resources="Two analysts; regulator's scam-warning service.",
        outcome="Reported losses fell after January.",
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="Advertising networks acted faster than the platforms.",
        recommendations="Share scam domains with advertising networks as well as platforms.",
        region=("indo-pacific",),
        countries=("AU",),
        languages=("en",),
        red=("T0114.001", "T0087.001", "T0137.002", "T0149.003"),
        blue=("C00216",),
        platforms=("facebook", "instagram", "online-ads"),
        themes=("energy", "economy"),
        actor=("criminal-network",),
        references=(
            (
                "https://example.org/demo/au/scam-warning-energy-rebate",
                "Scam warning: there is no energy rebate registration fee (demo)",
            ),
        ),
        comments=(
            (
                Status.CHANGES_REQUESTED,
                "Thank you. Please explain how the case relates to disinformation beyond fraud "
                "(the 'measured' rating needs the loss figures), and add what the platforms did.",
            ),
        ),
    ),
    # --- Japan --------------------------------------------------------------------------------
    DemoCase(
        title="Coordinated inauthentic accounts on LINE around typhoon relief (demo)",
        organisation="demo-jp-cao",
        author="member@jp.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2024-10-15",
        summary="""
            After a typhoon, coordinated accounts spread claims in LINE open chats and on X that
            relief supplies were being diverted to foreign residents and that donations to the
            official fund were being stolen. Local governments answered with daily relief
            reports.
        """,
        incident="""
            Around 200 accounts, many created in the weeks before the typhoon, joined local
            LINE open chats and posted identical messages. They shared images of empty shelves
            from other disasters and promoted an unofficial donation link. Their activity
            peaked two days after landfall.
        """,
        audiences="Residents of affected prefectures; donors across Japan.",
        incident_start="2024-08-29",
        incident_end="2024-09-15",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            - Prefectural governments published daily relief distribution reports with
              photographs and figures.
            - The office asked LINE to review the accounts and the unofficial donation link.
            - Official donation channels were repeated in every government post.
        """,
        responders="Cabinet Information Office, prefectural governments, LINE.",
        response_start="2024-08-30",
        response_end="2024-09-20",
        resources="Prefectural communication staff; two analysts.",
        outcome="""
            The platform removed about 150 accounts. The unofficial donation link was blocked.
            Local chats' moderators began pinning the daily reports.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="""
            Open chats are hard to monitor; local moderators who pinned official reports were
            more effective than removal requests.
        """,
        recommendations="""
            Agree with local chat moderators, before the typhoon season, how official
            information will be shared.
        """,
        region=("indo-pacific",),
        countries=("JP",),
        languages=("ja",),
        red=("T0068", "T0049.001", "T0081.003", "T0150.001"),
        blue=("C00178", "C00197"),
        platforms=("line", "x"),
        themes=("natural-disasters", "migration"),
        actor=("coordinated-inauthentic-network",),
        keywords=("typhoon", "donation fraud"),
        references=(
            (
                "https://example.org/demo/jp/typhoon-relief-daily-report",
                "Typhoon relief: daily distribution report (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Fukushima treated-water release: fabricated 'mutated fish' images (demo)",
        organisation="demo-jp-cao",
        author="admin@jp.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2024-01-15",
        summary="""
            Around the start of the treated-water release, AI-generated and edited images of
            "mutated fish" and claims from a fake marine expert spread in several languages.
            Japan answered with open monitoring data and independent sampling.
        """,
        incident="""
            The narrative that the release would poison the Pacific was already common. New
            content included:

            - AI-generated images of deformed fish said to be caught off Fukushima;
            - videos of a "marine scientist" whose credentials did not exist;
            - copy-pasted posts in Japanese, Korean, Chinese and English from accounts that
              had earlier posted unrelated content.
        """,
        audiences="Consumers in Japan, the Republic of Korea and the wider region; fisheries.",
        incident_start="2023-08-24",
        incident_end="2023-10-31",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The government published monitoring results daily in four languages, invited
            foreign journalists to observe sampling, and supported the international agency's
            independent monitoring. The office published explanations of how the images had
            been made.
        """,
        responders="Cabinet Information Office, ministries concerned, operator of the plant.",
        response_start="2023-08-22",
        response_end="2023-11-30",
        resources="Multilingual monitoring website; media visits.",
        outcome="""
            Domestic consumption of local seafood recovered within months. Polls in the
            region showed slightly lower concern in November than in August.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="""
            Open data, published on a fixed schedule, answered more questions than rebuttals.
            Independent monitoring was essential for foreign audiences.
        """,
        recommendations="""
            - Publish data in the languages of the audiences targeted, not only in English.
            - Explain *how* fakes were made, which helps people recognise the next ones.
        """,
        region=("indo-pacific",),
        countries=("JP", "KR"),
        languages=("ja", "ko", "zh", "en"),
        red=("T0086.002", "T0045", "T0049.004", "T0003"),
        blue=("C00113", "C00030"),
        platforms=("x", "weibo", "douyin", "naver"),
        themes=("nuclear-fukushima", "health"),
        actor=("coordinated-inauthentic-network",),
        keywords=("treated water", "AI-generated images"),
        references=(
            (
                "https://example.org/demo/jp/treated-water-monitoring",
                "Treated water: daily monitoring results (demo)",
            ),
            (
                "https://example.com/demo/analysis/mutated-fish-images",
                "How the 'mutated fish' images were made (demo analysis)",
            ),
        ),
    ),
    DemoCase(
        title="Impersonated municipal accounts spread false water warnings after an earthquake "
        "(demo)",
        organisation="demo-jp-cao",
        author="member@jp.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2024-03-04",
        summary="""
            After a strong earthquake, accounts imitating municipal offices warned that tap
            water was contaminated and posted false rescue requests. Many accounts were
            monetised and sought engagement rather than a political aim.
        """,
        incident="""
            Lookalike accounts used municipal logos and names with small changes. Posts asked
            for rescues at addresses where no one was trapped, diverting volunteers, and
            claimed that water was unsafe in areas where it was not. Several accounts were
            part of revenue-sharing schemes and reposted emotive content at high volume.
        """,
        audiences="Residents of affected areas; volunteers; national audiences.",
        incident_start="2024-01-02",
        incident_end="2024-01-21",
        response="""
            The office asked the platform to label official municipal accounts and to remove
            impersonators; municipalities posted a list of their real accounts. Rescue
            services reminded people to use emergency numbers rather than posts.
        """,
        responders="Cabinet Information Office, municipalities, rescue services, platforms.",
        response_start="2024-01-03",
        response_end="2024-02-09",
        resources="Two analysts; municipal communication staff.",
        outcome="""
            Most impersonating accounts were suspended within a week. The platform later
            changed its revenue-sharing rules for disaster-related posts.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="""
            Engagement-driven accounts behave like disinformation operations in a crisis even
            without a political aim.
        """,
        recommendations="Verify official local accounts before disasters, not during them.",
        region=("indo-pacific",),
        countries=("JP",),
        languages=("ja", "en"),
        red=("T0143.003", "T0146.005", "T0068", "T0137.001"),
        blue=("C00189",),
        platforms=("x", "line"),
        themes=("natural-disasters", "public-safety"),
        actor=("criminal-network",),
        keywords=("earthquake", "impersonation"),
        references=(
            (
                "https://example.org/demo/jp/official-municipal-accounts",
                "List of official municipal accounts (demo)",
            ),
        ),
        moderator="moderator2@hub.demo",
    ),
    DemoCase(
        title="Fake think-tank report alleges secret remilitarisation plans (demo)",
        organisation="demo-jp-cao",
        author="admin@jp.demo",
        status=Status.DRAFT,
        tlp=TLP.AMBER_STRICT,
        recipients=("demo-kr-mofa", "demo-au-dfat"),
        drafted="2026-09-14",
        summary="""
            A "research report" from a think tank that does not exist claimed that Japan was
            preparing offensive operations in the region. It was cited by outlets in several
            countries.
        """,
        incident="""
            The report was published on a new website with invented staff profiles and
            AI-generated portraits. It quoted real policy documents out of context.
        """,
        audiences="Regional policy communities; journalists.",
        incident_start="2026-05-11",
        incident_end="2026-07-31",
        attribution_confidence=Confidence.SUSPECTED,
        response="Work in progress: briefing of partner foreign ministries.",
        responders="Cabinet Information Office.",
        response_start="2026-05-20",
        region=("indo-pacific",),
        countries=("JP", "KR", "PH"),
        languages=("ja", "en", "zh"),
        red=("T0085.007", "T0097.204", "T0145.002"),
        platforms=("websites-blogs", "online-news"),
        themes=("taiwan-strait", "defence"),
        actor=("proxy-front-organisation",),
    ),
    # --- New Zealand --------------------------------------------------------------------------
    DemoCase(
        title="Pacific fisheries narratives: 'partner navies are stealing your tuna' (demo)",
        organisation="demo-nz-dpmc",
        author="member@nz.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        attribution_mode=Mode.ANONYMISED,
        drafted="2024-09-23",
        summary="""
            Articles and radio segments in several Pacific Island countries claimed that
            maritime surveillance by partner navies was a cover for illegal fishing. They
            built on real concerns about fish stocks.
        """,
        incident="""
            The claims started in a syndicated opinion article and spread through local
            Facebook pages and a radio programme that re-broadcast it. They turned real data on
            declining catches into the claim that patrols were responsible. Several local
            outlets republished the article without knowing its origin.
        """,
        audiences="Fishing communities; local journalists; Pacific Island officials.",
        incident_start="2024-02-01",
        incident_end="2024-06-30",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            Working with regional fisheries bodies, partners published patrol results, including
            the illegal vessels they had intercepted. A regional journalism network ran
            sessions on sourcing syndicated content. Officials avoided public rebuttals that
            could look like foreign pressure.
        """,
        responders="National Security Group, regional fisheries bodies, a regional "
        "journalism network.",
        response_start="2024-03-04",
        response_end="2024-08-30",
        resources="Travel for workshops; two analysts.",
        outcome="""
            Two outlets added source notes to republished articles. Reports from fisheries
            officers suggest the narrative is still present but challenged more often.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.ANECDOTAL,
        lessons="""
            - Narratives that build on a real grievance cannot be debunked away; address the
              grievance (fish stocks) directly.
            - Regional bodies are better messengers than partner governments.
        """,
        recommendations="Publish patrol outcomes routinely and in local languages.",
        region=("indo-pacific",),
        countries=("FJ", "SB", "TO", "KI", "NZ"),
        languages=("en", "fj", "to"),
        red=("T0023.001", "T0042", "T0101", "T0111.003"),
        blue=("C00156", "C00188"),
        platforms=("facebook", "radio", "online-news"),
        themes=("pacific-islands", "food-security", "economy"),
        actor=("state-affiliated-media",),
        keywords=("fisheries", "syndicated content"),
        references=(
            (
                "https://example.org/demo/pacific/patrol-results",
                "Regional maritime patrol results (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Conspiracy claims that a cyclone was 'engineered' hamper recovery messaging (demo)",
        organisation="demo-nz-dpmc",
        author="member@nz.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2023-05-08",
        summary="""
            After a severe cyclone, videos claimed the storm had been engineered to justify
            land seizures and that relief grants required giving up property rights. Recovery
            agencies answered with community meetings.
        """,
        incident="""
            The claims came from existing conspiracy communities and spread quickly in the
            affected regions, including in Pacific communities in New Zealand and Vanuatu.
            Videos mixed real recovery policy with invented conditions on grants.
        """,
        audiences="Affected households; Pacific communities.",
        incident_start="2023-02-14",
        incident_end="2023-03-31",
        response="""
            Recovery agencies held community meetings with local leaders, published the grant
            conditions in plain language and in Pacific languages, and answered questions on
            community radio.
        """,
        responders="National Security Group, recovery agencies, community leaders.",
        response_start="2023-02-20",
        response_end="2023-04-14",
        resources="Recovery agency staff; translation.",
        outcome="Grant uptake matched expectations in most areas.",
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="In-person meetings reached people the videos had reached; posts did not.",
        recommendations="Prepare plain-language material on recovery support before disasters.",
        region=("indo-pacific",),
        countries=("NZ", "VU"),
        languages=("en", "bi", "sm"),
        red=("T0068", "T0022.001", "T0102.001"),
        blue=("C00178",),
        platforms=("facebook", "youtube", "tiktok"),
        themes=("natural-disasters", "climate"),
        actor=("conspiracy-community",),
        references=(
            (
                "https://example.org/demo/nz/recovery-grants-plain-language",
                "Recovery grants in plain language (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Health influencers recruited to spread vaccine safety rumours (demo)",
        organisation="demo-nz-dpmc",
        author="member@nz.demo",
        status=Status.SUBMITTED,
        tlp=TLP.AMBER,
        recipients=("demo-au-dfat",),
        drafted="2026-10-26",
        summary="""
            Several wellness influencers were offered payment by an intermediary to post about
            "hidden" vaccine injuries ahead of a childhood immunisation campaign. Two disclosed
            the offer publicly.
        """,
        incident="""
            The intermediary presented itself as a health-research marketing agency. It
            supplied scripts and edited clips of genuine medical interviews. The content
            targeted parents in rural areas and in Māori and Pacific communities, where
            immunisation rates were already lower.
        """,
        audiences="Parents of young children, particularly in rural, Māori and Pacific "
        "communities.",
        incident_start="2025-05-01",
        incident_end="2025-09-30",
        attribution_confidence=Confidence.SUSPECTED,
        response="""
            The health agency worked with community health providers and trusted local
            figures on a campaign led by local voices. The influencers who disclosed the offer
            were supported in explaining how it worked.
        """,
        responders="National Security Group, health agency, community health providers.",
        response_start="2025-06-16",
        response_end="2025-11-28",
        resources="Campaign budget of the health agency; community grants.",
        outcome="""
            Immunisation rates in the targeted areas rose slightly during the campaign.
            Disclosure by the two influencers was widely reported.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.MEASURED,
        lessons="Influencers who disclose an approach are powerful messengers; support them.",
        recommendations="Brief popular health creators on how influence approaches work.",
        region=("indo-pacific",),
        countries=("NZ",),
        languages=("en", "mi"),
        red=("T0100.003", "T0091.001", "T0087.002"),
        blue=("C00160", "C00190"),
        platforms=("instagram", "facebook", "tiktok"),
        themes=("health", "minorities"),
        actor=("commercial-disinformation-for-hire",),
        keywords=("influencers", "immunisation"),
        references=(
            (
                "https://example.org/demo/nz/immunisation-campaign",
                "Childhood immunisation campaign (demo)",
            ),
        ),
    ),
    # --- Republic of Korea --------------------------------------------------------------------
    DemoCase(
        title="Vaccine side-effect rumours forwarded in KakaoTalk family chats (demo)",
        organisation="demo-kr-mofa",
        author="member@kr.demo",
        status=Status.PUBLISHED,
        tlp=TLP.CLEAR,
        drafted="2023-02-20",
        summary="""
            Chain messages in KakaoTalk claimed that a booster vaccine caused sudden deaths in
            older people, citing a "leaked hospital report" mistranslated from another
            language. A shared fact-checking database and short replies for families helped.
        """,
        incident="""
            The message quoted a real foreign study out of context, mistranslated key figures,
            and added a fabricated hospital letterhead. It travelled mostly in family and
            alumni chats, then on YouTube channels aimed at older viewers.
        """,
        audiences="People over 60 and their families.",
        incident_start="2022-10-11",
        incident_end="2022-12-23",
        response="""
            The health authority and fact-checkers added the claim to a shared fact-checking
            database and produced "reply cards": short images that family members could paste
            into the same chats. Naver and Kakao displayed links to the fact-check alongside
            searches for the claim.
        """,
        responders="Public Diplomacy Office, health authority, fact-checking organisations, "
        "portals.",
        response_start="2022-10-17",
        response_end="2023-01-31",
        resources="Design of reply cards; fact-checkers' time.",
        outcome="""
            Reply cards were shared about 90,000 times. Booster uptake among over-60s
            recovered to the planned rate by January.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.MEASURED,
        lessons="""
            - In closed chats, give people something they can paste, not a link to a report.
            - Younger family members were willing to correct older relatives when given the
              means.
        """,
        recommendations="Produce reply cards for each major health rumour in closed chats.",
        region=("indo-pacific",),
        countries=("KR",),
        languages=("ko",),
        red=("T0084.003", "T0119.001", "T0022.001"),
        blue=("C00008", "C00119"),
        platforms=("kakaotalk", "naver", "youtube"),
        themes=("health",),
        actor=("conspiracy-community",),
        keywords=("vaccines", "closed messaging"),
        references=(
            (
                "https://example.org/demo/kr/booster-fact-check",
                "Fact-check: booster vaccine and sudden deaths (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Fabricated defector testimony videos monetised on YouTube (demo)",
        organisation="demo-kr-mofa",
        author="admin@kr.demo",
        status=Status.PUBLISHED,
        path=REVISED,
        tlp=TLP.GREEN,
        drafted="2025-03-17",
        summary="""
            A group of YouTube channels published dramatic "defector testimonies" read by
            actors or generated with AI, with invented claims about inter-Korean talks. The
            channels earned advertising revenue and confused real defectors' accounts.
        """,
        incident="""
            The channels published over 400 videos in four months. Scripts were generated from
            news articles, voiced by synthetic voices and illustrated with stock footage.
            Several invented claims about inter-Korean talks were picked up by other channels.
        """,
        audiences="Korean YouTube audiences; foreign researchers and journalists.",
        incident_start="2024-10-07",
        incident_end="2025-01-31",
        response="""
            The office worked with defector organisations, which published statements on how to
            recognise genuine testimony, and reported the channels to the platform for
            deceptive practices. Advertisers were informed where their adverts appeared.
        """,
        responders="Public Diplomacy Office, defector organisations, YouTube.",
        response_start="2024-11-04",
        response_end="2025-02-28",
        resources="Two analysts; coordination with civil society.",
        outcome="""
            The platform demonetised 11 of 14 channels and removed three. Views of the
            remaining channels fell sharply.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="Following the money worked faster than arguing about the content.",
        recommendations="Inform advertisers and platforms' monetisation teams, not only "
        "content moderation.",
        region=("indo-pacific",),
        countries=("KR",),
        languages=("ko", "en"),
        red=("T0143.002", "T0088.001", "T0137.001"),
        blue=("C00216", "C00117"),
        platforms=("youtube",),
        themes=("korean-peninsula", "media-journalism"),
        actor=("commercial-disinformation-for-hire",),
        keywords=("monetisation", "synthetic voices"),
        references=(
            (
                "https://example.org/demo/kr/recognising-genuine-testimony",
                "How to recognise genuine defector testimony (demo)",
            ),
        ),
        comments=(
            (
                Status.CHANGES_REQUESTED,
                "Please remove the channel names from the incident section: some are now held "
                "by new owners. Describing them generically is enough.",
            ),
        ),
    ),
    DemoCase(
        title="Election-day 'ballot fraud' videos and coordinated portal comments (demo)",
        organisation="demo-kr-mofa",
        author="member@kr.demo",
        status=Status.REJECTED,
        tlp=TLP.GREEN,
        drafted="2024-06-03",
        summary="""
            Videos claimed to show ballot boxes being swapped at counting centres; comments on
            portal news articles repeated the claim.
        """,
        incident="""
            Edited videos of routine ballot transport were posted on YouTube with claims of
            fraud. Coordinated comments appeared under news articles. The accounts involved
            were mostly domestic.
        """,
        audiences="Voters; supporters of losing candidates.",
        incident_start="2024-04-08",
        incident_end="2024-04-30",
        response="The election authority published videos of the counting process.",
        responders="Election authority.",
        response_start="2024-04-10",
        response_end="2024-05-10",
        resources="Election authority communication staff.",
        outcome="Unknown.",
        lessons="Counting-process videos are useful before elections too.",
        region=("indo-pacific",),
        countries=("KR",),
        languages=("ko",),
        red=("T0087.002", "T0116.001", "T0022.001"),
        platforms=("youtube", "naver"),
        themes=("elections",),
        actor=("individual-amplifier",),
        references=(
            (
                "https://example.org/demo/kr/counting-process-video",
                "How votes are counted (demo)",
            ),
        ),
        comments=(
            (
                Status.REJECTED,
                "The case concerns domestic political speech by private individuals, with no "
                "sign of foreign involvement or coordination beyond ordinary campaigning. "
                "It is outside the scope of this exchange.",
            ),
        ),
    ),
    DemoCase(
        title="Foreign-run network of Korean-language 'local news' sites (demo)",
        organisation="demo-kr-mofa",
        author="admin@kr.demo",
        status=Status.SUBMITTED,
        tlp=TLP.AMBER,
        recipients=("demo-jp-cao", "demo-au-dfat", "demo-nz-dpmc"),
        attribution_mode=Mode.ANONYMISED,
        drafted="2026-11-02",
        summary="""
            Around 30 websites posing as Korean local news outlets republished machine-
            translated content mixed with local news copied from real outlets. Hosting and
            analytics identifiers linked them to a network active in other countries.
        """,
        incident="""
            The sites had names of Korean cities and regions. About 80% of their content was
            copied from real outlets; the rest was machine-translated commentary critical of
            the Republic of Korea's alliances. Shared analytics identifiers and hosting
            linked them to sites targeting other countries in the region.
        """,
        audiences="Korean readers searching for local news; portal algorithms.",
        incident_start="2025-09-01",
        incident_end="2026-06-30",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The office published a technical analysis with the network's identifiers, and the
            press association asked portals to stop indexing the sites as news. Partners in
            the region were given the identifiers before publication.
        """,
        responders="Public Diplomacy Office, press association, portals.",
        response_start="2026-02-02",
        response_end="2026-09-30",
        resources="Three analysts for two months.",
        outcome="""
            Portals stopped showing the sites in news results. Two partners found sites from
            the same network targeting their own countries.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.OBSERVED,
        lessons="Technical identifiers shared early let partners find related sites quickly.",
        recommendations="Share infrastructure indicators with partners before going public.",
        region=("indo-pacific",),
        countries=("KR", "JP"),
        languages=("ko",),
        red=("T0098.001", "T0096.001", "T0085.008", "T0128.004"),
        blue=("C00115", "C00184"),
        platforms=("websites-blogs", "naver", "search-engines"),
        themes=("korean-peninsula", "foreign-policy", "media-journalism"),
        actor=("proxy-front-organisation",),
        keywords=("imitation local news", "content farm"),
        references=(
            (
                "https://example.org/demo/kr/local-news-network-analysis",
                "Technical analysis: a network of imitation local news sites (demo)",
            ),
        ),
    ),
    # --- Ukraine ------------------------------------------------------------------------------
    DemoCase(
        title="Forged mobilisation notices spread through Telegram bots (demo)",
        organisation="demo-ua-ccd",
        author="member@ua.demo",
        status=Status.PUBLISHED,
        tlp=TLP.GREEN,
        drafted="2023-11-06",
        summary="""
            Forged mobilisation notices, with real-looking stamps and QR codes, were sent to
            Telegram users through bots and posted in city chats. The centre published a
            verification guide and worked with the recruitment offices on a checking service.
        """,
        incident="""
            The notices named real recruitment offices and used templates copied from genuine
            documents. Some QR codes led to phishing pages. Bots sent them to users whose
            numbers appeared in leaked databases. Channels then claimed that "mass mobilisation
            of students" had begun.
        """,
        audiences="Men of mobilisation age and their families; students.",
        incident_start="2023-06-05",
        incident_end="2023-09-29",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            1. A one-page guide showing how to check a notice was published and pinned by
               major news channels.
            2. Recruitment offices set up a phone and online service to confirm notices.
            3. The phishing domains were reported and blocked.
        """,
        responders="Centre for Countering Disinformation, recruitment offices, cyber police.",
        response_start="2023-06-07",
        response_end="2023-10-13",
        resources="Centre's analysts; the checking service staff.",
        outcome="""
            The checking service received about 25,000 queries in three months, most in the
            first weeks. Reports of forged notices fell from August.
        """,
        effectiveness=Eff.EFFECTIVE,
        evidence=Ev.MEASURED,
        lessons="A way to check a document is more useful than a warning that fakes exist.",
        recommendations="Offer a verification service for any official document that can be "
        "forged.",
        region=("euro-atlantic",),
        countries=("UA",),
        languages=("uk", "ru"),
        red=("T0085.004", "T0097.206", "T0049.003", "T0153.004"),
        blue=("C00165", "C00119"),
        platforms=("telegram", "viber"),
        themes=("ukraine", "defence"),
        actor=("foreign-state-actor",),
        keywords=("forged documents", "QR code phishing"),
        references=(
            (
                "https://example.org/demo/ua/how-to-check-a-notice",
                "How to check a mobilisation notice (demo)",
            ),
        ),
    ),
    DemoCase(
        title="'Poisoned grain' narrative aimed at importing countries (demo)",
        organisation="demo-ua-ccd",
        author="member@ua.demo",
        status=Status.PUBLISHED,
        tlp=TLP.AMBER,
        recipients=("demo-uk-ccu", "demo-ca-rrm", "demo-ee-gco"),
        attribution_mode=Mode.ANONYMISED,
        drafted="2023-10-23",
        summary="""
            Articles placed in outlets in North Africa and East Africa claimed that Ukrainian
            grain was contaminated with chemicals and radiation. The narrative aimed to damage
            trust in grain shipments and in the partners supporting them.
        """,
        incident="""
            The narrative appeared in paid articles in local outlets, presented as the work of
            local journalists, and in French- and Arabic-language state-affiliated media. It
            cited a non-existent laboratory report and reused photographs of spoiled grain
            from a 2016 storage incident elsewhere.
        """,
        audiences="Consumers and importers in North and East Africa; policy-makers.",
        incident_start="2022-08-01",
        incident_end="2023-07-31",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            The centre shared laboratory certificates and inspection data with embassies in
            importing countries and with partner governments, who briefed local journalists.
            Importers' associations published their own quality-test results.
        """,
        responders="Centre for Countering Disinformation, embassies, partner governments, "
        "importers' associations.",
        response_start="2022-09-12",
        response_end="2023-09-29",
        resources="Translation into Arabic, French and Swahili; embassy staff time.",
        outcome="""
            Several outlets corrected or removed the articles. Import volumes were not
            affected, though the narrative remained in circulation.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.ANECDOTAL,
        lessons="""
            - Importers' own test results were more credible locally than Ukrainian statements.
            - Partners with embassies in the region can reach audiences the centre cannot.
        """,
        recommendations="Build relations with importers' associations before crises.",
        region=("global",),
        countries=("UA", "EG", "KE", "NG"),
        languages=("ar", "fr", "en", "sw"),
        red=("T0085.003", "T0086.003", "T0114.002", "T0101"),
        blue=("C00156", "C00176"),
        platforms=("online-news", "facebook", "broadcast-tv"),
        themes=("food-security", "ukraine", "economy"),
        actor=("state-affiliated-media",),
        keywords=("grain", "paid placement"),
        references=(
            (
                "https://example.org/demo/ua/grain-quality-certificates",
                "Grain quality certificates and inspection data (demo)",
            ),
            (
                "https://example.com/demo/research/grain-narratives-africa",
                "Grain narratives in African media (demo study)",
            ),
        ),
    ),
    DemoCase(
        title="Fake humanitarian aid registration site harvests refugee data (demo)",
        organisation="demo-ua-ccd",
        author="member@ua.demo",
        status=Status.DRAFT,
        tlp=TLP.GREEN,
        drafted="2026-11-09",
        summary="""
            A website imitating a well-known humanitarian organisation invited Ukrainians
            abroad to register for winter aid, collecting passport data and bank details.
        """,
        incident="""
            Links were shared in Telegram chats for Ukrainians in Poland and Germany.
            *To complete: response and outcome.*
        """,
        audiences="Ukrainians abroad.",
        incident_start="2026-09-01",
        incident_end="2026-10-20",
        region=("euro-atlantic",),
        countries=("UA", "PL", "DE"),
        languages=("uk",),
        red=("T0097.207", "T0149.003", "T0137.002"),
        platforms=("telegram", "websites-blogs"),
        themes=("migration", "public-safety"),
        actor=("criminal-network",),
    ),
    # --- Hub ----------------------------------------------------------------------------------
    DemoCase(
        title="Winter energy-crisis narratives in a Central European member state (demo)",
        organisation="demo-hub",
        author="admin@hub.demo",
        status=Status.DRAFT,
        tlp=TLP.GREEN,
        drafted="2026-11-16",
        summary="""
            During the first winter of high energy prices, narratives claimed that sanctions
            would leave pensioners freezing and that the government would ration heating.
            They were used to mobilise protests. The hub's synthesis of national responses.
        """,
        incident="""
            The narratives built on real price rises. Common claims:

            - sanctions hurt "us, not them";
            - heating would be rationed and homes inspected;
            - energy aid to Ukraine was the cause of shortages.

            Inauthentic websites and Telegram channels amplified them, and called for protests
            that were then covered by state-affiliated media as evidence of public anger.
        """,
        audiences="Older people; people on low incomes; rural households.",
        incident_start="2022-09-05",
        incident_end="2023-02-28",
        attribution_confidence=Confidence.ASSESSED,
        response="""
            National authorities explained support measures in plain language, published
            storage levels weekly, and pre-bunked the rationing claim with a clear statement of
            what would happen in a shortage. The hub collected indicators from members and
            shared them weekly.
        """,
        responders="StratCom Hub, national energy and communication authorities of members.",
        response_start="2022-09-19",
        response_end="2023-03-31",
        resources="Hub analysts; weekly indicator reports.",
        outcome="""
            Protest turnout stayed low after October. Trust in official energy information
            rose in national surveys over the winter.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="""
            - Publishing facts weekly on a fixed day built a habit and trust.
            - Acknowledging real hardship made the rebuttal of false claims more credible.
        """,
        recommendations="Pair any rebuttal with concrete help for the people concerned.",
        region=("euro-atlantic",),
        countries=("DE", "AT", "CZ"),
        languages=("de", "cs"),
        red=("T0003", "T0081.006", "T0049.007", "T0126.001"),
        blue=("C00156", "C00176"),
        platforms=("telegram", "facebook", "websites-blogs"),
        themes=("energy", "economy", "ukraine"),
        actor=("foreign-state-actor",),
        keywords=("energy prices", "protests"),
        references=(
            (
                "https://example.org/demo/hub/energy-narratives-synthesis",
                "Energy-crisis narratives: lessons from members (demo)",
            ),
        ),
    ),
    DemoCase(
        title="Shared indicators for a recurring 'secret biolabs' narrative across regions (demo)",
        organisation="demo-hub",
        author="admin@hub.demo",
        status=Status.SUBMITTED,
        tlp=TLP.CLEAR,
        drafted="2026-11-10",
        summary="""
            A narrative about "secret military biolabs" run by allies reappeared in Europe,
            Asia and Africa with local adaptations. Members pooled indicators and a shared
            fact-check so that each could respond in its own language quickly.
        """,
        incident="""
            The core claim, that public-health laboratories supported by allies were developing
            biological weapons, was copy-pasted across languages and adapted to local
            laboratories. It was carried by state-affiliated media and amplified through
            Telegram, X and Weibo.
        """,
        audiences="Global audiences, adapted locally.",
        incident_start="2022-03-07",
        incident_end="2024-12-31",
        attribution_confidence=Confidence.PUBLIC,
        response="""
            The hub kept a shared fact-check with translations and sources on laboratory
            programmes, and a list of indicators (recurring images, phrases and domains).
            Members used it to respond locally within a day of each resurgence.
        """,
        responders="StratCom Hub and members.",
        response_start="2022-03-15",
        response_end="2025-02-28",
        resources="One hub analyst part-time; translation.",
        outcome="""
            Response times to resurgences fell from several days to under one. The narrative
            continues but gains less traction in mainstream media.
        """,
        effectiveness=Eff.PARTLY,
        evidence=Ev.OBSERVED,
        lessons="Recurring narratives deserve a maintained, shared rebuttal kit.",
        recommendations="""
            - Maintain shared fact-checks for recurring narratives.
            - Translate once, use many times.
        """,
        region=("global",),
        countries=("UA", "GE", "MD", "KR", "KE"),
        languages=("en", "uk", "ko", "fr"),
        red=("T0022.002", "T0084.001", "T0119.002", "T0111.001"),
        blue=("C00008", "C00176"),
        platforms=("telegram", "x", "weibo", "online-news"),
        themes=("health", "nato", "science-technology"),
        actor=("state-affiliated-media",),
        keywords=("biolabs", "recurring narrative"),
        references=(
            (
                "https://example.org/demo/hub/biolabs-rebuttal-kit",
                "Rebuttal kit: the 'secret biolabs' narrative (demo)",
            ),
            (
                "https://example.com/demo/indicators/biolabs",
                "Indicators for the 'secret biolabs' narrative (demo)",
            ),
        ),
    ),
)


def _prose(text: str) -> str:
    """Plain-text fields are written as indented blocks; store them as single lines."""
    return " ".join(text.split())


def _markdown(text: str) -> str:
    return textwrap.dedent(text).strip()


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _step_actor(spec: DemoCase, step: str, people: dict[str, User]) -> User:
    """Who takes a step, by the rules of the moderation workflow.

    The author's organisation is the case's (``_case_build`` checks it).
    """
    author = people[spec.author]
    if step in MODERATOR_STEPS:
        moderator = people[spec.moderator]
        # Four-eyes: a moderator never acts on a case from their own organisation.
        if not moderator.is_moderator or moderator.organisation_id == author.organisation_id:
            raise ValueError(f"{spec.title}: {spec.moderator} cannot moderate this case")
        return moderator
    if step == Status.WITHDRAWN:
        admin = people.get(spec.withdrawn_by)
        if admin is None or admin.organisation_id != author.organisation_id:
            raise ValueError(f"{spec.title}: an admin of {spec.organisation} withdraws it")
        if not admin.is_org_admin:
            raise ValueError(f"{spec.title}: {spec.withdrawn_by} is not an organisation admin")
        return admin
    return author


def _approvals(case: CaseStudy, trail: list[ModerationEvent]) -> list[Approval]:
    """The approval behind each publication, in the round it was given, as the workflow makes
    them (one approval publishes unless MODERATION_APPROVALS asks for more)."""
    approvals, round_ = [], 0
    for event in trail:
        if event.to_status == Status.SUBMITTED:
            round_ += 1
        elif event.to_status == Status.PUBLISHED:
            approvals.append(
                Approval(
                    case_study=case,
                    moderator=event.actor,
                    round=round_,
                    created_at=event.created_at,
                )
            )
    return approvals


def _trail(spec: DemoCase, people: dict[str, User]) -> list[ModerationEvent]:
    """The moderation events for the case's path, unsaved, with their intended times."""
    steps = spec.steps
    if steps[0] != Status.DRAFT or steps[-1] != spec.status:
        raise ValueError(f"{spec.title}: the path must run from draft to {spec.status}")
    comments = dict(spec.comments)
    when = datetime.combine(date.fromisoformat(spec.drafted), time(), tzinfo=UTC)
    events = []
    for previous, step in zip(("", *steps[:-1]), steps, strict=True):
        days, hour = STEP_DELAY[step]
        when = datetime.combine((when + timedelta(days=days)).date(), time(hour), tzinfo=UTC)
        if step in COMMENTED_STEPS and not comments.get(step):
            raise ValueError(f"{spec.title}: the step to {step} needs a comment")
        events.append(
            ModerationEvent(
                actor=_step_actor(spec, step, people),
                from_status=previous,
                to_status=step,
                comment=comments.get(step, "") if step in COMMENTED_STEPS else "",
                created_at=when,
            )
        )
    return events


def _case_build(
    spec: DemoCase,
    organisations: dict[str, Organisation],
    people: dict[str, User],
    events: list[ModerationEvent],
) -> CaseStudy:
    """The case as it should be stored, checked like any case, not yet saved."""
    if not spec.title.endswith(" (demo)"):
        raise ValueError(f"{spec.title}: demo titles end with ' (demo)'")
    if (spec.tlp in CaseStudy.RESTRICTED_TLPS) != bool(spec.recipients):
        raise ValueError(f"{spec.title}: recipients go with AMBER and AMBER+STRICT, and only there")
    author = people[spec.author]
    organisation = organisations[spec.organisation]
    if author.organisation_id != organisation.pk:
        raise ValueError(f"{spec.title}: {spec.author} is not a member of {spec.organisation}")
    times = {step: [e.created_at for e in events if e.to_status == step] for step in Status}
    fields = {
        "uuid": spec.uuid,
        "organisation": organisation,
        "created_by": author,
        "status": spec.status,
        "title": spec.title,
        "summary": _prose(spec.summary),
        "incident": _markdown(spec.incident),
        "attribution_confidence": spec.attribution_confidence,
        "audiences": _prose(spec.audiences),
        "incident_start": _day(spec.incident_start),
        "incident_end": _day(spec.incident_end),
        "response": _markdown(spec.response),
        "responders": _prose(spec.responders),
        "response_start": _day(spec.response_start),
        "response_end": _day(spec.response_end),
        "resources": _markdown(spec.resources),
        "outcome": _markdown(spec.outcome),
        "effectiveness": spec.effectiveness,
        "evidence": spec.evidence,
        "lessons": _markdown(spec.lessons),
        "recommendations": _markdown(spec.recommendations),
        "tlp": spec.tlp,
        "attribution_mode": spec.attribution_mode,
        # As practices.moderation sets them: the last submission counts, and each one opens a
        # new round of approvals.
        "submitted_at": max(times[Status.SUBMITTED], default=None),
        "submission_round": len(times[Status.SUBMITTED]),
        "published_at": max(times[Status.PUBLISHED], default=None),
        "withdrawn_at": max(times[Status.WITHDRAWN], default=None),
    }
    case = CaseStudy(**fields)
    # Checked like any case: choices, lengths, dates in order, never TLP:RED (clean() refuses
    # it, so the same rule as a database constraint need not cost a query per case). The
    # organisation and author come from seed_accounts, so their existence is not re-queried.
    case.full_clean(
        exclude=["organisation", "created_by"], validate_unique=False, validate_constraints=False
    )
    return case


def _terms_lookup(specs: list[DemoCase]) -> dict[tuple[str, str], Term]:
    """Every vocabulary term the cases use, fetched at once; a missing one stops the seed.

    Keywords are made on demand, as when people type them; they are keyed ("keyword", label).
    """
    wanted = {
        (slug, code)
        for spec in specs
        for slug, codes in spec.term_codes().items()
        for code in codes
    }
    found = {
        (term.taxonomy.slug, term.code): term
        for term in Term.objects.select_related("taxonomy").filter(
            taxonomy__slug__in={slug for slug, _ in wanted},
            code__in={code for _, code in wanted},
        )
    }
    missing = sorted(wanted - set(found))
    if missing:
        listed = ", ".join(f"{slug}:{code}" for slug, code in missing)
        raise ValueError(
            f"Demo cases use terms that are not loaded (run vocabularies_load): {listed}"
        )
    labels = list(dict.fromkeys(label for spec in specs for label in spec.keywords))
    if labels:
        # One insert instead of a get_or_create per keyword, with the codes keywords_to_terms
        # gives, so these are the terms people get when they type the same keywords.
        taxonomy = Taxonomy.objects.get(slug="keyword")
        codes = {label: _keyword_code(label) for label in labels}
        Term.objects.bulk_create(
            [Term(taxonomy=taxonomy, code=codes[label], label=label) for label in labels],
            ignore_conflicts=True,
        )
        by_code = {
            t.code: t for t in Term.objects.filter(taxonomy=taxonomy, code__in=codes.values())
        }
        found |= {("keyword", label): by_code[codes[label]] for label in labels}
    return found


def _keyword_code(label: str) -> str:
    """The code ``practices.services.keywords_to_terms`` gives a typed keyword."""
    return slugify(label)[:64] or label[:64]


def _insert_keep_times(objects: list) -> None:
    """Insert rows whose ``created_at`` (and ``updated_at``) must keep the values given.

    bulk_create lets auto_now(_add) overwrite them, on the objects too; bulk_update writes the
    intended values back, since it does not call pre_save.
    """
    if not objects:
        return
    model = type(objects[0])
    names = [n for n in ("created_at", "updated_at") if hasattr(objects[0], n)]
    times = [[getattr(obj, n) for n in names] for obj in objects]
    saved = model.objects.bulk_create(objects)
    for obj, values in zip(saved, times, strict=True):
        for name, value in zip(names, values, strict=True):
            setattr(obj, name, value)
    model.objects.bulk_update(saved, names, batch_size=500)


@transaction.atomic
def seed_cases(organisations: dict[str, Organisation], people: dict[str, User]) -> int:
    """Create the demo case studies that do not exist yet; returns how many exist afterwards.

    A demo case that exists is left as it is: ``make run`` seeds at every start, and people
    may have moved demo cases on (submitted, published, commented) in the meantime. Delete a
    case to have it created afresh. ``organisations`` and ``people`` are what
    ``accounts.demo.seed_accounts`` returns; the vocabularies must be loaded first.
    """
    uuids = [spec.uuid for spec in CASES]
    existing = set(CaseStudy.objects.filter(uuid__in=uuids).values_list("uuid", flat=True))
    specs = [spec for spec in CASES if spec.uuid not in existing]
    if not specs:
        return len(existing)
    terms = _terms_lookup(specs)
    # Everything is built and checked before the first write.
    trails = [_trail(spec, people) for spec in specs]
    cases = [
        _case_build(spec, organisations, people, events)
        for spec, events in zip(specs, trails, strict=True)
    ]
    for case, events in zip(cases, trails, strict=True):
        # The case's own timestamps follow its trail, not the day the seed ran.
        case.created_at, case.updated_at = events[0].created_at, events[-1].created_at
    _insert_keep_times(cases)

    term_links, recipient_links, references, events, approvals = [], [], [], [], []
    for spec, case, trail in zip(specs, cases, trails, strict=True):
        codes = [*spec.term_codes().items(), ("keyword", spec.keywords)]
        term_links += [
            CaseStudy.terms.through(casestudy_id=case.pk, term_id=terms[slug, code].pk)
            for slug, chosen in codes
            for code in chosen
        ]
        recipient_links += [
            CaseStudy.recipients.through(
                casestudy_id=case.pk, organisation_id=organisations[slug].pk
            )
            for slug in spec.recipients
        ]
        references += [
            Reference(case_study=case, url=url, title=title, position=position)
            for position, (url, title) in enumerate(spec.references)
        ]
        for event in trail:
            event.case_study = case
        events += trail
        approvals += _approvals(case, trail)
    CaseStudy.terms.through.objects.bulk_create(term_links)
    CaseStudy.recipients.through.objects.bulk_create(recipient_links)
    Reference.objects.bulk_create(references)
    _insert_keep_times(events)
    _insert_keep_times(approvals)
    return CaseStudy.objects.filter(uuid__in=uuids).count()
