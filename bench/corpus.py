"""Text for benchmark cases: sentences from templates and word lists, in English, French,
Japanese and Korean, drawn with a caller's seeded ``random.Random`` so a run is repeatable.

The word lists are short but skewed (the first words of each list are drawn far more often
than the last, as in real prose), so a search for a common word matches many thousands of
cases and a search for a rare one a few hundred — both shapes the benchmark must show.
"""

from __future__ import annotations

import random

# --- English ---------------------------------------------------------------------------------

EN_ACTORS = [
    "a state-backed network",
    "anonymous accounts",
    "a coordinated group of pages",
    "inauthentic news sites",
    "a troll farm",
    "proxy media outlets",
    "automated accounts",
    "a foreign broadcaster",
    "fringe influencers",
    "a cluster of channels",
    "hacktivist personas",
    "commercial spam operators",
]
EN_VERBS = [
    "spread",
    "amplified",
    "fabricated",
    "laundered",
    "seeded",
    "promoted",
    "impersonated",
    "recycled",
    "translated",
    "boosted",
    "circulated",
    "doctored",
]
EN_OBJECTS = [
    "false claims about the election",
    "a forged ministry letter",
    "doctored videos",
    "a deepfake of the prime minister",
    "rumours about vaccine safety",
    "conspiracy narratives about energy prices",
    "fake evacuation orders",
    "claims of voter fraud",
    "misleading maps of the border",
    "fabricated casualty figures",
    "a hoax about contaminated water",
    "stories blaming refugees",
    "manipulated screenshots of officials",
    "false reports about sanctions",
    "claims that the referendum was rigged",
    "rumours about military mobilisation",
    "a fake fact-check",
    "cloned news articles",
    "memes mocking election officials",
    "misinformation about the earthquake relief",
    "falsified opinion polls",
]
EN_CHANNELS = [
    "on social media",
    "through messaging apps",
    "on video platforms",
    "in closed groups",
    "via cloned websites",
    "through paid advertising",
    "on regional forums",
    "in diaspora communities",
    "through local radio",
    "on gaming platforms",
]
EN_RESPONSES = [
    "The ministry published a rebuttal within hours",
    "Fact-checkers debunked the claims",
    "The platforms removed the accounts after a takedown request",
    "The government ran a prebunking campaign",
    "Election officials held a press briefing",
    "Partners shared indicators through the exchange",
    "Journalists were briefed in advance",
    "A media literacy programme was extended to schools",
    "Attribution was announced jointly with allies",
    "Sanctions were imposed on the operators",
    "The regulator opened an investigation",
    "A counter-narrative campaign reached new audiences",
    "Trusted messengers in local communities responded",
    "The embassy coordinated a joint statement",
]
EN_OUTCOMES = [
    "Engagement with the false content fell sharply",
    "The narrative resurfaced a month later",
    "Public trust in the electoral commission held",
    "Reach was limited to fringe audiences",
    "The operation moved to another platform",
    "Surveys showed awareness of the hoax rose",
    "Mainstream media did not pick up the story",
    "The takedown disrupted the network for weeks",
    "The impact on turnout could not be measured",
    "Copycat campaigns appeared abroad",
]
EN_LESSONS = [
    "Speed mattered more than completeness",
    "Pre-agreed escalation paths saved time",
    "Local languages were under-served",
    "Monitoring must include closed channels",
    "Joint attribution increased credibility",
    "Prebunking outperformed debunking",
    "Early warning from partners was decisive",
    "Platform contacts need regular testing",
    "Resilience depends on trusted local voices",
    "Overreaction can amplify a small hoax",
]
EN_TOPICS = [
    "election",
    "referendum",
    "vaccine",
    "energy",
    "migration",
    "border",
    "earthquake",
    "flood",
    "military",
    "sanctions",
    "currency",
    "pandemic",
    "nuclear",
    "grain",
    "fisheries",
    "cyberattack",
    "protest",
    "satellite",
    "pipeline",
    "typhoon",
]

# --- French ----------------------------------------------------------------------------------

FR_SENTENCES = [
    "Un réseau coordonné a diffusé de fausses informations sur les élections",
    "Des comptes anonymes ont relayé une vidéo truquée du ministre",
    "Une campagne d'ingérence étrangère visait la confiance dans les institutions",
    "De faux sites d'information ont copié des médias nationaux",
    "Le gouvernement a publié un démenti le jour même",
    "Les vérificateurs de faits ont démonté les allégations",
    "Les plateformes ont supprimé les comptes signalés",
    "Une campagne de sensibilisation a été menée dans les écoles",
    "La rumeur sur la sécurité des vaccins a circulé dans des groupes fermés",
    "Des cartes trompeuses de la frontière ont été partagées",
    "Les partenaires ont échangé des indicateurs techniques",
    "L'attribution a été annoncée conjointement avec les alliés",
    "La désinformation sur les prix de l'énergie a touché les régions rurales",
    "Le récit est réapparu un mois plus tard sur une autre plateforme",
]

# --- Japanese and Korean: no spaces between words ---------------------------------------------

JA_SENTENCES = [
    "選挙に関する偽情報がソーシャルメディアで拡散された。",
    "外国による情報操作の疑いがある。",
    "ワクチンの安全性についての噂が広まった。",
    "地震の救援に関する誤情報が投稿された。",
    "政府は当日中に反論を公表した。",
    "ファクトチェック団体が主張を検証した。",
    "プラットフォームはアカウントを削除した。",
    "偽の避難指示が共有された。",
    "防衛省は同盟国と共同で声明を発表した。",
    "メディアリテラシー教育を学校で拡大した。",
    "処理水に関する虚偽の主張が拡散された。",
]
KO_SENTENCES = [
    "선거에 관한 허위 정보가 소셜 미디어에서 확산되었다.",
    "외국의 여론 조작 시도가 확인되었다.",
    "백신 안전성에 대한 소문이 퍼졌다.",
    "정부는 당일 반박 자료를 발표했다.",
    "팩트체크 기관이 주장을 검증했다.",
    "플랫폼이 계정을 삭제했다.",
    "딥페이크 영상이 메신저를 통해 유포되었다.",
    "국방부는 동맹국과 공동 성명을 발표했다.",
    "학교에서 미디어 리터러시 교육을 확대했다.",
    "태풍 피해에 관한 가짜 뉴스가 공유되었다.",
]

LANGUAGES = ("en", "fr", "ja", "ko")
LANGUAGE_WEIGHTS = (72, 12, 9, 7)


def _skewed(rng: random.Random, words: list[str]) -> str:
    # Zipf-like: the k-th word is drawn about 1/(k+1) as often as the first.
    return rng.choices(words, weights=[1 / (k + 1) for k in range(len(words))])[0]


def _english_sentence(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.5:
        return (
            f"{_skewed(rng, EN_ACTORS).capitalize()} {_skewed(rng, EN_VERBS)} "
            f"{_skewed(rng, EN_OBJECTS)} {_skewed(rng, EN_CHANNELS)}."
        )
    if shape < 0.75:
        return f"{_skewed(rng, EN_RESPONSES)} after the {_skewed(rng, EN_TOPICS)} story spread."
    return f"{_skewed(rng, EN_OUTCOMES)}."


def _paragraph(rng: random.Random, language: str, sentences: int, pool=None) -> str:
    if language == "fr":
        return " ".join(rng.choice(FR_SENTENCES) for _ in range(sentences))
    if language == "ja":
        return "".join(rng.choice(JA_SENTENCES) for _ in range(sentences))
    if language == "ko":
        return " ".join(rng.choice(KO_SENTENCES) for _ in range(sentences))
    if pool is not None:
        return " ".join(f"{_skewed(rng, pool)}." for _ in range(sentences))
    return " ".join(_english_sentence(rng) for _ in range(sentences))


def case_texts(rng: random.Random) -> dict[str, str]:
    """The narrative fields of one case, in one language (English most often), and that
    language's ISO 639-1 code under ``language``."""
    language = rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS)[0]
    if language == "en":
        title = (
            f"{_skewed(rng, EN_ACTORS).capitalize()} {_skewed(rng, EN_VERBS)} "
            f"{_skewed(rng, EN_OBJECTS)}"
        )
    else:
        title = _paragraph(rng, language, 1).rstrip("。.")
    return {
        "language": language,
        "title": title[:200],
        "summary": _paragraph(rng, language, rng.randint(2, 3)),
        "incident": _paragraph(rng, language, rng.randint(4, 12)),
        "response": _paragraph(rng, language, rng.randint(3, 10), EN_RESPONSES),
        "outcome": _paragraph(rng, language, rng.randint(2, 6), EN_OUTCOMES),
        "lessons": _paragraph(rng, language, rng.randint(1, 4), EN_LESSONS),
        "recommendations": _paragraph(rng, language, rng.randint(0, 3), EN_LESSONS),
    }
