"""What readers see of the mrkdwn writer (bot.slack.mrkdwn): text from outside cannot ping, link
or command; ``*bold*`` and ``_italic_`` show as formatting in Chinese too (Slack prints the
asterisks of a span glued to a character it does not take as a word edge, unless an invisible
boundary is put there), and nothing is padded where Slack needs no boundary; a section's text and
user text shown back stay within their limits."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.slack.mrkdwn import ZWSP, emphasis, escape, md, quote_user_text
from tests.slackrules import mrkdwn_problems


def test_text_from_outside_cannot_ping_link_or_command() -> None:
    assert (
        escape("<!channel> & <@U1> <https://evil.example|click>")
        == "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://evil.example|click&gt;"
    )
    assert escape("nothing to escape") == "nothing to escape"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("开幕*30天后*开幕", f"开幕{ZWSP}*30天后*{ZWSP}开幕"),  # bold between Chinese words
        ("距离_开幕_还有", f"距离{ZWSP}_开幕_{ZWSP}还有"),  # italic, the same
        ("：*重点*。", f"：{ZWSP}*重点*{ZWSP}。"),  # full-width punctuation
        ("*时间：*2027年", f"*时间：*{ZWSP}2027年"),  # a Chinese edge against a digit
        ("2027*年份*", f"2027{ZWSP}*年份*"),
        ("*主题：**布莱切利宣言*", f"*主题：*{ZWSP}{ZWSP}*布莱切利宣言*"),  # two spans touching
    ],
)
def test_bold_and_italic_in_chinese_show_as_formatting(written: str, shown: str) -> None:
    assert emphasis(written) == shown
    assert not mrkdwn_problems(shown)


@pytest.mark.parametrize(
    "written",
    [
        "a *bold* word, an _italic_ one.",
        "(*bold*) and *bold*s",  # ASCII punctuation and letters are word edges enough
        "snake_case_words stay as they are",
        "*粗体*",  # nothing around it
        "开幕 *30天后* 开幕",  # spaces around it
        "*粗体*\u3000下一句",  # an ideographic space is a word edge
        "<@U1>*粗体*<#C1>",  # a mention or a channel link beside it
        "`code`*粗体*:tada:",  # a code span or an emoji beside it
        "no emphasis at all: 2 * 3",
    ],
)
def test_emphasis_where_slack_needs_no_boundary_is_left_as_written(written: str) -> None:
    assert emphasis(written) == written


@given(st.text(alphabet="*_ a1：开<>@U`:-", max_size=30))
@example("__开_")  # once padded, "_\u200b_" must not read as a span of its own
@example("*时间：*2027年")
def test_padding_is_never_doubled(text: str) -> None:
    once = emphasis(text)
    assert once.replace(ZWSP, "") == text  # only invisible boundaries are added
    assert emphasis(once) == once


def test_a_long_section_is_cut_to_slacks_limit_not_refused() -> None:
    text = md("x" * 5000).text
    assert len(text) == 3000 and text.endswith("…")
    assert md("short").text == "short"


def test_user_text_shown_back_is_at_most_a_hundred_characters() -> None:
    quoted = quote_user_text("x" * 300)
    assert len(quoted.strip("“”")) == 100 and quoted.endswith("…”")
    assert quote_user_text("x" * 100) == "“" + "x" * 100 + "”"
