"""Replies as terminal text: no Slack markup left, dates in the terminal's zone, buttons numbered,
words never cut; and search highlighting that keeps words whole, in Slack and in the terminal."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answers import core
from bot.answers.replies import ZWSP, highlight
from bot.content.library import Library
from bot.i18n import slack_datetime
from bot.local.terminal import (
    history_file,
    look_for,
    render_blocks,
    terminal_lang,
    width,
    wrap,
    zone_name,
)
from bot.slack.plaintext import Look, mrkdwn

TODAY = date(2026, 11, 27)
SGR = re.compile(r"\x1b\[[0-9;]*m")
SLACK_MARKUP = re.compile(r"(?<![\w*])\*\S[^*\n]*\*(?![\w*])|`|:[a-z_]+:|<[!#@]|<https?:|&lt;|&gt;")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_mrkdwn_becomes_plain_text_when_piped() -> None:
    text = (
        ":warning: *Key points* and _maybe_ `code` :made_up_code: "
        "<https://example.org/a_b|A &amp; B> <#C-LOCAL> <@U-LOCAL> <!here>\n"
        "> a quote with *bold*\n    an indented note, 09:00:30, New_York"
    )
    look = Look(names={"C-LOCAL": "local", "U-LOCAL": "ada"})
    assert mrkdwn(text, look) == (
        "⚠ Key points and maybe code A & B (https://example.org/a_b) #local @ada @here\n"
        "    a quote with bold\n    an indented note, 09:00:30, New_York"
    )


def test_on_a_terminal_bold_and_links_are_escapes_and_no_color_drops_the_styles() -> None:
    tty_look = look_for(Tty(), {}, ZoneInfo("UTC"), "en")
    out = mrkdwn("*Sources*: <https://example.org|Example>", tty_look)
    assert "\x1b[1mSources\x1b[22m" in out
    assert "\x1b]8;;https://example.org\x1b\\Example\x1b]8;;\x1b\\ (https://example.org)" in out
    no_color = look_for(Tty(), {"NO_COLOR": "1"}, ZoneInfo("UTC"), "en")
    out = mrkdwn("*Sources*: <https://example.org|Example>", no_color)
    assert not SGR.search(out) and "Sources" in out and "*" not in out
    piped = look_for(io.StringIO(), {}, ZoneInfo("UTC"), "en")
    assert "\x1b" not in mrkdwn("*Sources*: <https://example.org|Example>", piped)
    dumb = look_for(Tty(), {"TERM": "dumb"}, ZoneInfo("UTC"), "en")
    assert "\x1b" not in mrkdwn("*Sources*: <https://example.org|Example>", dumb)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Shanghai"])
def test_a_calendar_day_is_the_same_day_in_every_zone(library: Library, zone: str) -> None:
    for lang, written in (
        ("en", "1 November 2023"),
        ("fr", "1er novembre 2023"),
        ("zh", "2023年11月1日"),
    ):
        card = core.reply_to(f"bletchley lang:{lang}", library, TODAY)
        out = render_blocks(card.blocks_json(), card.text, Look(zone=ZoneInfo(zone), lang=lang))
        assert written in out.text, (lang, out.text)


def test_an_instant_is_written_in_the_terminals_zone_and_language() -> None:
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    when = slack_datetime(moment)
    assert mrkdwn(when, Look(zone=ZoneInfo("Europe/Paris"))) == "1 Dec 2026 at 09:00 CET"
    assert mrkdwn(
        slack_datetime(moment, "fr"), Look(zone=ZoneInfo("Asia/Shanghai"), lang="fr")
    ) == ("1 déc. 2026 à 16:00 CST")
    assert mrkdwn(
        slack_datetime(moment, "zh"), Look(zone=ZoneInfo("America/New_York"), lang="zh")
    ) == ("2026年12月1日 03:00 EST")


def test_an_instant_in_slack_speaks_the_readers_language_and_falls_back_to_the_channels_zone() -> (
    None
):
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    ts = int(moment.timestamp())
    assert (
        slack_datetime(moment)
        == f"<!date^{ts}^{{date_short_pretty}} at {{time}}|1 Dec 2026 at 08:00 UTC>"
    )
    assert slack_datetime(moment, "fr", "Europe/Paris") == (
        f"<!date^{ts}^{{date_short_pretty}} à {{time}}|1 déc. 2026 à 09:00 CET>"
    )
    assert slack_datetime(moment, "zh", "Asia/Shanghai") == (
        f"<!date^{ts}^{{date_short_pretty}} {{time}}|2026年12月1日 16:00 CST>"
    )


def test_control_characters_never_reach_the_terminal() -> None:
    assert mrkdwn("a\x1b[2Jb\x07c\x9bd") == "a[2Jbcd"


def test_buttons_are_numbered_in_order_and_headers_underlined_to_their_width(
    library: Library,
) -> None:
    reply = core.reply_to("topics lang:zh", library, TODAY)
    shown = render_blocks(reply.blocks_json(), reply.text, Look(lang="zh"))
    assert [c.number for c in shown.choices] == [1, 2, 3]
    assert all(
        c.action_id.startswith("show_topic:") and c.value.endswith("|zh") for c in shown.choices
    )
    assert "  [1] 查看" in shown.text and "[3] 查看" in shown.text
    assert "主题\n====" in shown.text  # two Chinese characters take four columns
    topic = core.reply_to("bletchley", library, TODAY)
    shown = render_blocks(topic.blocks_json(), topic.text, Look())
    assert [(c.number, c.action_id) for c in shown.choices] == [
        (1, "share_topic"),
        (2, "list_topics"),
    ]
    assert "[1] Share in channel   [2] All topics" in shown.text


def test_every_reply_renders_without_slack_markup(library: Library) -> None:
    for text in ("help", "topics", "bletchley", "search ceasefire rafah", "summits", "share"):
        for lang in ("en", "fr", "zh"):
            reply = core.reply_to(f"{text} lang:{lang}", library, TODAY, zone="Europe/Paris")
            out = render_blocks(reply.blocks_json(), reply.text, Look(lang=lang)).text
            assert not SLACK_MARKUP.search(out), (text, lang, SLACK_MARKUP.search(out))
            assert ZWSP not in out and "\x1b" not in out


# --- highlighting: whole words, nothing inserted ----------------------------------------------


def test_highlight_keeps_hyphenated_words_whole_and_adds_no_spaces_to_chinese() -> None:
    assert highlight("un cessez-le-feu immédiat", ["cessez", "feu"]) == (
        "un *cessez-le-feu* immédiat"
    )
    assert highlight("l'accès humanitaire", ["accès"]) == "*l'accès* humanitaire"
    assert highlight("可持续停火、释放", ["停火"]) == f"可持续{ZWSP}*停火*{ZWSP}、释放"
    assert highlight("A ceasefire, now.", ["cease"]) == "A *ceasefire*, now."
    assert highlight("<b> & ceasefire", ["ceasefire"]) == "&lt;b&gt; &amp; *ceasefire*"


def test_search_in_french_and_chinese_reads_whole_in_the_terminal(library: Library) -> None:
    for query, lang, whole in (
        ("cessez-le-feu", "fr", "cessez-le-feu"),
        ("停火", "zh", "可持续停火、立即无条件释放"),
    ):
        reply = core.reply_to(f"search {query} lang:{lang}", library, TODAY)
        out = render_blocks(reply.blocks_json(), reply.text, Look(lang=lang)).text
        assert whole in out, out
        tty = render_blocks(reply.blocks_json(), reply.text, Look(ansi=True, lang=lang)).text
        assert f"\x1b[1m{query}\x1b[22m" in tty


_ALPHABET = st.sampled_from(
    [*"abcé", "-", "'", " ", ",", "。", "、", "停", "火", "可", "<", "&", "\n"]
)


@given(st.text(_ALPHABET, max_size=60), st.lists(st.sampled_from(["ab", "cé", "停火", "a"])))
def test_highlight_only_adds_markers_and_bolds_whole_units(text: str, terms: list[str]) -> None:
    out = highlight(text, terms)
    marked = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    # nothing but "*" and invisible boundaries is added; no word is cut by a space
    stripped = re.sub(r"\*", "", marked.replace(ZWSP, ""))
    assert stripped == text
    for m in re.finditer(r"\*([^*]+)\*", out.replace(ZWSP, " ")):
        before = out.replace(ZWSP, " ")[m.start() - 1 : m.start()]
        assert not before.isalnum(), (text, terms, out)


# --- fitting the terminal ----------------------------------------------------------------------


@given(
    st.lists(
        st.one_of(
            st.text("abcdefghij", min_size=1, max_size=14), st.sampled_from(["停火", "可持续"])
        ),
        max_size=40,
    ),
    st.integers(min_value=20, max_value=60),
)
def test_wrap_breaks_between_words_only(words: list[str], columns: int) -> None:
    line = "• " + " ".join(words)
    rows = wrap(line, columns).split("\n")
    assert all(width(r) <= columns for r in rows)
    rejoined = rows[0] + "".join(
        " " + r.strip() if r.strip()[:1].isascii() else r.strip() for r in rows[1:]
    )
    assert rejoined.replace(" ", "") == line.replace(" ", "")
    assert all(r.startswith("  ") for r in rows[1:])  # under the bullet's text


def test_wrap_keeps_a_long_url_whole_and_styles_with_their_word() -> None:
    url = "https://www.gov.uk/" + "a" * 80
    rows = wrap(f"see \x1b[1mbold\x1b[22m words ({url}) and more", 30).split("\n")
    assert f"({url})" in rows
    assert any(r.startswith("see \x1b[1mbold") for r in rows)


# --- what the terminal says about itself ------------------------------------------------------


def test_the_terminals_zone_comes_from_tz_then_the_system(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    assert zone_name({"TZ": "Asia/Shanghai"}, etc) == "Asia/Shanghai"
    assert zone_name({"TZ": ":Europe/Paris"}, etc) == "Europe/Paris"
    assert zone_name({"TZ": "Mars/Olympus"}, etc) == "UTC"
    assert zone_name({"TZ": "../../etc/passwd"}, etc) == "UTC"
    (etc / "timezone").write_text("America/New_York\n")
    assert zone_name({}, etc) == "America/New_York"
    (etc / "timezone").unlink()
    (etc / "localtime").symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert zone_name({}, etc) == "Europe/Berlin"


def test_the_terminals_language_and_history_file() -> None:
    assert terminal_lang({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert terminal_lang({"LC_ALL": "zh_CN.UTF-8", "LANG": "fr_FR.UTF-8"}) == "zh"
    assert terminal_lang({"LANG": "C.UTF-8"}) == "en"
    assert terminal_lang({}) == "en"
    assert history_file({"XDG_STATE_HOME": "/x/state", "HOME": "/h"}) == Path(
        "/x/state/declaration-bot/history"
    )
    assert history_file({"XDG_STATE_HOME": "relative", "HOME": "/h"}) == Path(
        "/h/.local/state/declaration-bot/history"
    )
