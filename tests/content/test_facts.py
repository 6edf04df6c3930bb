"""The corrected facts a reader sees in the shipped topics, in English, French and Chinese.

Each test pins one correction from the fact-checks of 2026-11-27 and 2026-12-05, read through the
same loader the bot uses (and, for the latter, in the bot's own replies), so that a later edit
cannot quietly bring an error back in one language.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

import pytest

from bot.answers import core, replies
from bot.answers.lookup import find_topic
from bot.content.library import Library
from bot.content.schema import Development, Source, Summit, Topic, normalize
from tests.replyhelp import texts

LANGS = ("en", "fr", "zh")


def _topic(library: Library, lang: str, topic_id: str) -> Topic:
    topic = library.for_lang(lang).topic(topic_id)
    assert topic is not None, topic_id
    return topic


def _texts(topic: Topic) -> list[str]:
    """Every piece of text a reader can see on the topic card."""
    return [
        topic.title,
        topic.label,
        topic.short,
        topic.summary,
        *topic.key_points,
        *topic.caveats,
        *(d.event for d in topic.key_dates),
    ]


def _all_text(topic: Topic) -> str:
    return "\n".join(_texts(topic))


# What the Bletchley Declaration did not do: set up (start, launch) the series of summits.
SERIES_CLAIMS = {
    "en": r"\b(set|sets|setting) up\b|\b(start|starts|started|launch|launches|launched)\b[^.;]*series",
    "fr": r"mis(es)? en place|instituent|institue|lancent|lancé",
    "zh": r"开启|建立了一系列|设立了一系列",
}


@pytest.mark.parametrize("lang", LANGS)
def test_no_topic_says_bletchley_set_up_the_summit_series(library: Library, lang: str) -> None:
    for topic in library.for_lang(lang).topics:
        for text in _texts(topic):
            assert not re.search(SERIES_CLAIMS[lang], text, re.IGNORECASE), (topic.id, text)


@pytest.mark.parametrize(
    ("lang", "meet_again"),
    [
        ("en", "will meet again in 2024"),
        ("fr", "se réuniront à nouveau en 2024"),
        ("zh", "2024年再次会晤"),
    ],
)
def test_bletchley_says_only_that_the_signatories_meet_again_in_2024(
    library: Library, lang: str, meet_again: str
) -> None:
    bletchley = _topic(library, lang, "bletchley")
    assert meet_again in bletchley.summary
    assert any(meet_again in p for p in bletchley.key_points)


@pytest.mark.parametrize(
    ("lang", "paralympic"), [("en", "Paralympic"), ("fr", "paralympiques"), ("zh", "残奥会")]
)
def test_the_olympic_truce_names_the_paralympic_games(
    library: Library, lang: str, paralympic: str
) -> None:
    middle_east = _topic(library, lang, "france-china-middle-east")
    assert paralympic in middle_east.summary
    truce = [p for p in middle_east.key_points if paralympic in p]
    assert len(truce) == 1, middle_east.key_points


def _is_a_document(url: str) -> bool:
    """Not a bare domain and not a section index: the last path segment names a document."""
    segments = [s for s in urlparse(url).path.split("/") if s]
    return bool(segments) and bool(re.search(r"[-._%0-9]", segments[-1]))


def test_every_topic_source_is_a_document_not_a_home_or_index_page(library: Library) -> None:
    for topic in library.topics:
        for source in topic.sources:
            assert source.url.startswith(("https://", "http://")), source.url
            assert _is_a_document(source.url), (topic.id, source.url)
            assert source.grade in ("C", "C-", "P", "?")


def test_the_document_check_refuses_the_links_that_were_shipped_before() -> None:
    assert not _is_a_document("https://www.elysee.fr/")
    assert not _is_a_document("https://www.mfa.gov.cn/web/zyxw/")
    assert _is_a_document("http://french.china.org.cn/foreign/txt/2024-05/07/content_117172659.htm")


def test_the_middle_east_topic_cites_the_full_text_and_no_home_page(library: Library) -> None:
    middle_east = _topic(library, "en", "france-china-middle-east")
    hosts_and_paths = [(urlparse(s.url).netloc, urlparse(s.url).path) for s in middle_east.sources]
    assert ("french.china.org.cn", "/foreign/txt/2024-05/07/content_117172659.htm") in (
        hosts_and_paths
    )
    assert all(path not in ("", "/") for _, path in hosts_and_paths)
    assert not any("mfa.gov.cn" in host for host, _ in hosts_and_paths)


@pytest.mark.parametrize(
    ("lang", "willing", "wrong"),
    [
        ("en", "is willing to take part", "China will take part"),
        ("fr", "est disposée à participer", "La Chine participera"),
        ("zh", "中国愿参加", "中国将参加"),
    ],
)
def test_china_is_willing_to_take_part_in_the_paris_summit(
    library: Library, lang: str, willing: str, wrong: str
) -> None:
    ai = _topic(library, lang, "france-china-ai")
    assert willing in ai.summary
    assert any(willing in p for p in ai.key_points)
    assert wrong not in _all_text(ai)


@pytest.mark.parametrize(
    ("lang", "users", "authors"),
    [
        ("en", "users whose works AI uses", r"\bauthors?\b"),
        ("fr", "utilisateurs dont les productions", r"\bauteurs?\b"),
        ("zh", "作品被人工智能使用的用户", r"作者"),
    ],
)
def test_protected_rights_are_those_of_users_not_authors(
    library: Library, lang: str, users: str, authors: str
) -> None:
    ai = _topic(library, lang, "france-china-ai")
    assert any(users in p for p in ai.key_points)
    assert not re.search(authors, _all_text(ai), re.IGNORECASE)


DATES = {
    "en": ("6 May 2024", "7 May 2024"),
    "fr": ("6 mai 2024", "7 mai 2024"),
    "zh": ("2024年5月6日", "2024年5月7日"),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic_id", ["france-china-ai", "france-china-middle-east"])
def test_both_datings_of_the_may_2024_texts_are_given(
    library: Library, lang: str, topic_id: str
) -> None:
    topic = _topic(library, lang, topic_id)
    french_date, chinese_date = DATES[lang]
    assert french_date in topic.summary and chinese_date in topic.summary
    assert any(french_date in p and chinese_date in p for p in topic.key_points)


@pytest.mark.parametrize("lang", LANGS)
def test_the_middle_east_statement_visit_dates_are_set_against_the_ai_declaration(
    library: Library, lang: str
) -> None:
    """Its French text says the visit ran 5–7 May; the AI declaration's French text says 6–7."""
    middle_east = _all_text(_topic(library, lang, "france-china-middle-east"))
    patterns = {
        "en": ("5 to 7 May", "6 to 7 May"),
        "fr": ("du 5 au 7 mai", "du 6 au 7 mai"),
        "zh": ("5月5日至7日", "5月6日至7日"),
    }[lang]
    assert all(p in middle_east for p in patterns)


def test_the_article_is_cited_and_its_connectivity_wording_is_set_against_the_official_text(
    library: Library,
) -> None:
    ai = _topic(library, "en", "france-china-ai")
    article = [s for s in ai.sources if "environmentenergyleader.com" in s.url]
    assert len(article) == 1
    assert article[0].title == "France and China Forge Stronger Ties"
    assert str(article[0].date) == "2024-05-08"
    for lang, cyber, unconfirmed, elysee, absent in [
        ("en", "cyber capabilities", "Unconfirmed", "Élysée", "not found in the official text"),
        (
            "fr",
            "capacités cyber",
            "Non confirmé",
            "Élysée",
            "pas été trouvé dans le texte officiel",
        ),
        ("zh", "网络能力", "未经证实", "爱丽舍宫", "官方文本中未发现"),
    ]:
        caveats = _topic(library, lang, "france-china-ai").caveats
        quoting = [c for c in caveats if "France and China Forge Stronger Ties" in c]
        assert len(quoting) == 1, (lang, caveats)
        assert cyber in quoting[0], lang
        # Until it is read in the Élysée text itself, that reading is flagged as unconfirmed.
        assert any(c.startswith(unconfirmed) and elysee in c for c in caveats), lang
        # The article paraphrased a real point: nothing may say it is absent from the official text.
        assert not any(absent in c for c in caveats), lang


@pytest.mark.parametrize(
    ("lang", "name"), [("en", "Zhang Guoqing"), ("fr", "Zhang Guoqing"), ("zh", "张国清")]
)
def test_china_took_part_in_the_paris_summit_and_signed(
    library: Library, lang: str, name: str
) -> None:
    ai = _topic(library, lang, "france-china-ai")
    assert name in ai.summary
    assert any(name in p for p in ai.key_points)
    assert any(str(d.date) == "2025-02-10" and name in d.event for d in ai.key_dates)


@pytest.mark.parametrize(
    ("lang", "african_union", "not_us_uk"),
    [
        ("en", "African Union Commission", "not by the US or the UK"),
        ("fr", "Commission de l'UA", "pas les États-Unis ni le Royaume-Uni"),
        ("zh", "非洲联盟委员会", "美国和英国没有签署"),
    ],
)
def test_the_paris_statement_signatories_are_counted_with_sources(
    library: Library, lang: str, african_union: str, not_us_uk: str
) -> None:
    bletchley = _topic(library, lang, "bletchley")
    paris = [p for p in bletchley.key_points if "58" in p]
    assert len(paris) == 1, bletchley.key_points
    assert african_union in paris[0] and not_us_uk in paris[0]
    hosts = {urlparse(s.url).netloc for s in _topic(library, "en", "bletchley").sources}
    assert {"dig.watch", "www.brusselstimes.com"} <= hosts


@pytest.mark.parametrize(
    ("lang", "half_year", "co_chair"),
    [
        ("en", "first half of 2027", "co-chaired by the United Arab Emirates"),
        ("fr", "premier semestre 2027", "coprésidé par les Émirats arabes unis"),
        ("zh", "2027年上半年", "由阿拉伯联合酋长国担任联合主席"),
    ],
)
def test_geneva_in_the_first_half_of_2027_co_chaired_by_the_uae(
    library: Library, lang: str, half_year: str, co_chair: str
) -> None:
    bletchley = _topic(library, lang, "bletchley")
    assert half_year in bletchley.summary and co_chair in bletchley.summary
    assert any(half_year in p and co_chair in p for p in bletchley.key_points)
    assert any(half_year in c for c in bletchley.caveats)


@pytest.mark.parametrize("lang", LANGS)
def test_the_new_delhi_count_gives_88_at_the_close_and_91_later(
    library: Library, lang: str
) -> None:
    bletchley = _topic(library, lang, "bletchley")
    new_delhi = [p for p in bletchley.key_points if "88" in p]
    assert len(new_delhi) == 1 and "91" in new_delhi[0]
    by_day = {str(d.date): d.event for d in bletchley.key_dates}
    assert "88" in by_day["2026-02-21"] and "91" in by_day["2026-02-24"]


def test_official_chinese_names(library: Library) -> None:
    middle_east = _topic(library, "zh", "france-china-middle-east")
    assert middle_east.title.startswith("中法关于中东局势的联合声明")
    bletchley = _topic(library, "zh", "bletchley")
    assert "《布莱切利宣言》" in bletchley.summary
    assert "布莱奇利宣言" in bletchley.aliases  # the other spelling still finds the topic
    text = _all_text(bletchley)
    assert "人工智能影响力峰会" in text
    assert "人工智能影响峰会" not in text


def test_official_french_names_and_spelling(library: Library) -> None:
    french = library.for_lang("fr")
    for topic in french.topics:
        text = _all_text(topic)
        assert "Türkiye" not in text, topic.id
        assert not re.search(r"\b1 novembre", text), topic.id
    bletchley = _all_text(_topic(library, "fr", "bletchley"))
    assert "Turquie" in bletchley
    assert "Sommet pour l'action sur l'intelligence artificielle" in bletchley
    ai = _all_text(_topic(library, "fr", "france-china-ai"))
    assert "Sommet pour l'action sur l'intelligence artificielle" in ai


@pytest.mark.parametrize("lang", LANGS)
def test_cornerstone_is_attributed_to_the_article(library: Library, lang: str) -> None:
    word = {"en": "Cornerstone", "fr": "pierre angulaire", "zh": "基石"}[lang]
    caveats = _topic(library, lang, "france-china-ai").caveats
    assert any(word in c for c in caveats)
    for topic in library.for_lang(lang).topics:
        shown = "\n".join([topic.summary, *topic.key_points])
        assert word.lower() not in shown.lower(), topic.id


# --- checked again on 2026-12-05: what the bot's replies say -----------------------------------

REVIEWED = date(2026, 12, 5)  # the day the shipped content was last reviewed


def _reply(library: Library, query: str, lang: str) -> str:
    """The bot's reply to ``/declaration <query>`` in ``lang``, as the reader sees its blocks
    (a date Slack formats for the reader shows here as its written fallback)."""
    reply = core.reply_to(query, library, REVIEWED, lang)
    return re.sub(r"<!date\^[^|>]*\|([^>]*)>", r"\1", "\n".join(texts(reply)[1:]))


def _every_source(library: Library) -> list[Source]:
    items: list[Topic | Summit | Development] = [
        *library.topics,
        *library.summits,
        *library.developments,
    ]
    return [s for item in items for s in item.sources]


@pytest.mark.parametrize(
    ("lang", "dates", "extended"),
    [
        ("en", "16–21 February 2026", "extended it by one day on 18 February"),
        ("fr", "16–21 février 2026", "prolongé d'un jour le 18 février"),
        ("zh", "2026年2月16日至21日", "2月18日宣布延长一天"),
    ],
)
def test_new_delhi_ended_on_21_february_in_the_summits_reply(
    library: Library, lang: str, dates: str, extended: str
) -> None:
    delhi = library.summit("ai-impact-summit-2026")
    assert delhi is not None and str(delhi.ends) == "2026-02-21" and delhi.held
    body = _reply(library, "summits", lang)
    line = next(x for x in body.splitlines() if "Bharat Mandapam" in x)
    assert dates in line and "ended 288 days ago" not in line
    assert extended in body
    assert "Some reports say" not in body and "Selon certains comptes rendus" not in body


@pytest.mark.parametrize(
    ("lang", "follow_up", "closes"),
    [
        ("en", "16–21 February 2026 (extended by one day)", "The AI Impact Summit closes"),
        ("fr", "du 16 au 21 février 2026 (prolongé d'un", "Clôture du Sommet sur l'impact de l'IA"),
        ("zh", "2026年2月16日至21日（延长一天）", "人工智能影响力峰会闭幕"),
    ],
)
def test_the_bletchley_card_gives_new_delhi_as_16_to_21_february(
    library: Library, lang: str, follow_up: str, closes: str
) -> None:
    bletchley = _topic(library, lang, "bletchley")
    assert any(follow_up in p for p in bletchley.key_points)
    by_day = {str(d.date): d.event for d in bletchley.key_dates}
    assert closes in by_day["2026-02-21"] and "2026-02-18" in by_day
    # the dates first set are named only as such, never as the summit's dates
    assert not any(
        "16–20" in p or "du 16 au 20" in p or "16日至20日" in p for p in bletchley.key_points
    )
    card = _reply(library, "bletchley", lang)
    assert follow_up in card


@pytest.mark.parametrize("lang", LANGS)
def test_ai_for_good_is_not_a_name_of_the_france_china_topic(library: Library, lang: str) -> None:
    for topic in library.for_lang(lang).topics:
        assert "ai for good" not in [normalize(a) for a in topic.aliases], topic.id
    found = find_topic(library.for_lang(lang), "ai for good")
    assert found.topic is None or found.topic.id != "france-china-ai"
    title = _topic(library, lang, "france-china-ai").title
    reply = core.reply_to("ai for good", library, REVIEWED, lang)
    header = [b for b in reply.blocks_json() if b["type"] == "header"]
    assert not header or header[0]["text"]["text"] != title


def test_the_paris_summit_links_its_english_elysee_page(library: Library) -> None:
    paris = library.summit("ai-action-summit-2025")
    assert paris is not None and paris.url == "https://www.elysee.fr/en/ai-action-summit"
    line = replies.summit_line(paris, REVIEWED)
    assert line.startswith("• <https://www.elysee.fr/en/ai-action-summit|AI Action Summit")
    assert all("sommet-pour-l-action" not in s.url for s in _every_source(library))


def test_the_swiss_release_is_cited_at_one_host(library: Library) -> None:
    release = [s for s in _every_source(library) if "YZYU1gmqW9vcPFMl2VroY" in s.url]
    assert len(release) >= 2
    assert {urlparse(s.url).netloc for s in release} == {"www.innosuisse.admin.ch"}


def test_each_site_is_linked_with_one_scheme(library: Library) -> None:
    """The scheme follows the document (http where only that serves it), the same every time."""
    schemes: dict[str, set[str]] = {}
    for source in _every_source(library):
        parts = urlparse(source.url)
        schemes.setdefault(parts.netloc, set()).add(parts.scheme)
    assert {host: s for host, s in schemes.items() if len(s) > 1} == {}
    assert schemes["en.people.cn"] == {"http"}
    assert schemes["french.china.org.cn"] == {"http"}


@pytest.mark.parametrize("lang", LANGS)
def test_no_reply_shows_an_unchecked_headline(library: Library, lang: str) -> None:
    """A source is named by its headline or, where that could not be read, by what the document
    is: never by a note to editors."""
    for note in ("headline not checked", "headline could not be read"):
        assert all(note not in s.title for s in _every_source(library))
        for query in ("news", "news france china ai", "bletchley", "france china", "summits"):
            assert note not in _reply(library, query, lang), query


def test_the_geneva_dialogue_is_not_held_on_an_aggregators_word(library: Library) -> None:
    geneva = library.summit("un-global-dialogue-geneva-2026")
    assert geneva is not None and not geneva.held
    hosts = {urlparse(s.url).netloc: s.grade for s in geneva.sources}
    assert "www.gbnews.ch" not in hosts
    assert hosts["letsdatascience.com"] == "P"  # an aggregator: one weak source at best
    assert hosts["www.unognewsroom.org"] == "C"  # UN Geneva, before the event: dates and place
    session = next(d for d in library.developments if d.id == "un-global-dialogue-geneva-session")
    assert all("gbnews.ch" not in s.url for s in session.sources)
    assert {s.grade for s in session.sources if "letsdatascience" in s.url} == {"P"}
    for lang, first_day, unconfirmed in (
        ("en", "6–7 July 2026", "not confirmed as held"),
        ("fr", "6–7 juillet 2026", "tenue non confirmée"),
        ("zh", "2026年7月6日至7日", "是否已举行未经证实"),
    ):
        body = _reply(library, "summits", lang)
        (line,) = [x for x in body.splitlines() if "Palexpo" in x and first_day in x]
        assert unconfirmed in line


@pytest.mark.parametrize(
    ("lang", "launch", "new_york"),
    [
        ("en", "25 September 2025", "New York"),
        ("fr", "25 septembre 2025", "New York"),
        ("zh", "2025年9月25日", "纽约"),
    ],
)
def test_the_dialogues_launch_in_new_york_is_in_the_timeline(
    library: Library, lang: str, launch: str, new_york: str
) -> None:
    lib = library.for_lang(lang)
    body = "\n".join(str(b) for b in replies.news_reply(lib, limit=30).blocks_json())
    launched = next(d for d in lib.developments if d.id == "un-global-dialogue-launched")
    assert str(launched.date) == "2025-09-25" and not launched.untranslated
    assert launch in launched.summary and new_york in launched.title
    assert launched.title in body


@pytest.mark.parametrize(
    ("lang", "organization", "plan", "envoy", "proposal"),
    [
        (
            "en",
            "World AI Cooperation Organization",
            "Global AI Governance Action Plan",
            "Anne Bouverot",
            "still a proposal",
        ),
        (
            "fr",
            "Organisation mondiale de coopération sur l'IA",
            "Plan d'action pour la gouvernance mondiale de l'IA",
            "Anne Bouverot",
            "encore qu'une proposition",
        ),
        (
            "zh",
            "世界人工智能合作组织",
            "《全球人工智能治理行动计划》",
            "安妮·布韦罗",
            "仍处于倡议阶段",
        ),
    ],
)
def test_waic_2025_brought_the_cooperation_organization_proposal(
    library: Library, lang: str, organization: str, plan: str, envoy: str, proposal: str
) -> None:
    lib = library.for_lang(lang)
    dev = next(d for d in lib.developments if d.id == "waic-2025-cooperation-organization")
    assert str(dev.date) == "2025-07-26" and not dev.untranslated
    for needle in (organization, plan, envoy, proposal):
        assert needle in dev.summary, needle
    assert dev.events == ["waic-2025"] and "france-china-ai" in dev.topics


@pytest.mark.parametrize(
    ("lang", "vote", "including"),
    [
        (
            "en",
            "recorded vote that the United States requested",
            "including to the Global Dialogue",
        ),
        ("fr", "vote enregistré demandé par les États-Unis", "notamment au Dialogue mondial"),
        ("zh", "应美国要求进行记录表决", "包括向人工智能治理全球对话提供评估"),
    ],
)
def test_the_panel_appointment_says_who_objected_and_what_it_provides(
    library: Library, lang: str, vote: str, including: str
) -> None:
    lib = library.for_lang(lang)
    panel = next(d for d in lib.developments if d.id == "un-scientific-panel-appointed")
    assert vote in panel.summary and including in panel.summary
    hosts = {s.url for s in panel.sources}
    assert "https://press.un.org/en/2026/ga12751.doc.htm" in hosts
    # nothing says the Panel "reports to" the Dialogue
    for item in [*lib.developments, *lib.summits]:
        text = " ".join(x or "" for x in (getattr(item, "summary", ""), getattr(item, "note", "")))
        assert "reports to" not in text and "rend compte" not in text and "向对话报告" not in text


@pytest.mark.parametrize(
    ("lang", "title", "ceasefire", "recognition"),
    [
        ("en", "joint statement on Ukraine and Palestine", "9 October 2025", "22 September 2025"),
        (
            "fr",
            "déclaration conjointe sur l'Ukraine et la Palestine",
            "9 octobre 2025",
            "22 septembre 2025",
        ),
        ("zh", "关于乌克兰和巴勒斯坦问题的联合声明", "2025年10月9日", "2025年9月22日"),
    ],
)
def test_the_middle_east_card_cites_the_december_2025_statement(
    library: Library, lang: str, title: str, ceasefire: str, recognition: str
) -> None:
    lib = library.for_lang(lang)
    dev = next(d for d in lib.developments if d.id == "france-china-ukraine-palestine-statement")
    assert dev.topics == ["france-china-middle-east"] and not dev.untranslated
    assert ceasefire in dev.summary and recognition in dev.summary
    assert title in dev.title
    card = _reply(library, "middle east", lang)
    assert dev.title in card  # among the topic's latest developments
    middle_east = _topic(library, "en", "france-china-middle-east")
    assert any("hk01.com" in s.url for s in middle_east.sources)


@pytest.mark.parametrize(
    ("lang", "hostages"),
    [
        ("en", "immediate and unconditional release of all hostages"),
        ("fr", "libération immédiate et inconditionnelle de tous les otages"),
        ("zh", "立即无条件释放所有人质"),
    ],
)
def test_the_hostage_release_is_immediate_and_unconditional(
    library: Library, lang: str, hostages: str
) -> None:
    middle_east = _topic(library, lang, "france-china-middle-east")
    assert hostages in middle_east.summary
    assert any(hostages in p for p in middle_east.key_points)
    assert hostages in _reply(library, "middle east", lang)


def test_waic_2026_is_said_to_be_unconfirmed_and_not_sourced_from_2025(library: Library) -> None:
    waic = library.summit("waic-2026")
    assert waic is not None and waic.tentative and not waic.held
    assert all(s.date >= date(2026, 1, 1) for s in waic.sources)  # no WAIC 2025 report
    assert all("a60c63d1" not in s.url for s in waic.sources)
    for lang, counted, plainly in (
        ("en", "2023 to 2026", "is not confirmed as held"),
        ("fr", "de 2023 à 2026", "sa tenue n'est pas confirmée"),
        ("zh", "2023年至2026年", "是否已举行未经证实"),
    ):
        lib = library.for_lang(lang)
        later = lib.summit("waic-2027")
        assert later is not None and later.note is not None
        assert counted not in later.note and plainly in later.note
        this = lib.summit("waic-2026")
        assert this is not None and this.note is not None and "2026" in this.note


@pytest.mark.parametrize(
    ("lang", "palexpo"),
    [("en", "Palexpo, Geneva"), ("fr", "Palexpo, Genève"), ("zh", "日内瓦Palexpo会展中心")],
)
def test_ai_for_good_2026_gives_its_place_and_is_not_confirmed_as_held(
    library: Library, lang: str, palexpo: str
) -> None:
    summit = library.for_lang(lang).summit("ai-for-good-2026")
    assert summit is not None and palexpo in summit.location and not summit.held
    grades = {urlparse(s.url).netloc: s.grade for s in summit.sources}
    assert grades["gafam.ai"] == "P"  # a blog: never more than one weak source
    assert any(g in ("C", "C-") for h, g in grades.items() if h != "gafam.ai")


def test_chinese_cards_date_the_may_2024_texts_7_may_and_name_xi_first(library: Library) -> None:
    for topic_id in ("france-china-ai", "france-china-middle-east"):
        topic = _topic(library, "zh", topic_id)
        assert topic.title.endswith("（2024年5月7日）"), topic.title
        assert topic.summary.index("习近平主席和马克龙总统") >= 0
        assert "马克龙总统和习近平主席" not in topic.summary
    zh = library.for_lang("zh")
    texts = [x for tp in zh.topics for x in _texts(tp)]
    texts += [x for s in zh.summits for x in (s.name, s.note or "", s.summary or "")]
    texts += [x for d in zh.developments for x in (d.title, d.summary)]
    assert not any("确实" in x for x in texts)
    assert any("联邦环境、交通、能源和通信部" in x for x in texts)
    assert not any("通讯部" in x for x in texts)


def test_french_titles_and_names(library: Library) -> None:
    fr = library.for_lang("fr")
    devs = {d.id: d for d in fr.developments}
    assert "pour la population et la planète" in devs["paris-statement-signed"].summary
    assert "pour les personnes et la planète" not in devs["paris-statement-signed"].summary
    shanghai = devs["shanghai-declaration-issued"].summary
    assert "de la Conférence mondiale sur l'IA et de la Réunion de haut niveau" in shanghai
    full_name = "Groupe scientifique international indépendant sur l'intelligence artificielle"
    assert full_name in devs["un-scientific-panel-appointed"].summary
    assert full_name in devs["un-ai-bodies-established"].summary
    texts = [x for d in fr.developments for x in (d.title, d.summary)]
    texts += [x for s in fr.summits for x in (s.note or "", s.summary or "")]
    assert not any("groupe scientifique" in x for x in texts)  # always capitalised
    count = devs["new-delhi-declaration-91"].summary
    assert "le nombre de pays et d'organisations internationales" in count
    assert "de 88 au 21 février 2026 à 91" in count and "décompte" not in count


@pytest.mark.parametrize(
    ("lang", "uk", "un"),
    [
        ("en", "UK Government (GOV.UK)", "United Nations, Meetings Coverage and Press Releases"),
        ("fr", "Gouvernement britannique (GOV.UK)", "Nations Unies, couverture des réunions"),
        ("zh", "英国政府（GOV.UK）", "联合国（会议报道和新闻稿）"),
    ],
)
def test_publishers_appear_under_their_official_name_in_each_language(
    library: Library, lang: str, uk: str, un: str
) -> None:
    assert uk in _reply(library, "bletchley", lang)
    assert un in _reply(library, "news france china ai", lang)
    # a newspaper without an official name in the language keeps its own
    assert "The Brussels Times" in _reply(library, "bletchley", lang)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Timeline last reviewed 5 December 2026; nothing newer is on record."),
        ("fr", "Chronologie vérifiée pour la dernière fois le 5 décembre 2026"),
        ("zh", "时间线最近核查于2026年12月5日"),
    ],
)
def test_news_says_when_the_timeline_was_last_reviewed(
    library: Library, lang: str, line: str
) -> None:
    assert library.timeline_reviewed == REVIEWED
    assert line in _reply(library, "news", lang)
    assert line in _reply(library, "news middle east", lang)
