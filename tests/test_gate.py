"""bot.gate's decisions as plain functions: which fields of a request are malformed, which
workspaces a body names, and the bounded, expiring memory of Events API deliveries."""

from __future__ import annotations

from typing import Any

import pytest

from bot.gate import SeenEvents, claimed_teams, problem
from bot.slack.ids import is_id, shown
from tests.e2e import button_press, command_fields, event_body


def test_ids_are_slack_shaped() -> None:
    for kind, good in (
        ("team", "T0123ABCD"),
        ("user", "W0123"),
        ("channel", "G1"),
        ("channel", "D1"),
    ):
        assert is_id(kind, good), good  # type: ignore[arg-type]
    for bad in ("<!channel>", "C", "c1", "C1 ", "C1\n", "C²", "#general", "C" + "1" * 40, 7, None):
        assert not is_id("channel", bad), bad
    assert shown("<!channel>") == "-" and shown("T1") == "T1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (command_fields("topics"), None),
        (command_fields("topics", channel_id="<!channel>"), "channel_id"),
        ({**command_fields("topics"), "enterprise_id": ""}, None),  # Slack sends it empty
        (button_press("home_pause", "C1", "http://x"), None),
        (button_press("home_pause", "<!here>", "http://x"), "actions.value"),
        (button_press("share_topic", "bletchley|fr", "http://x"), None),  # not a channel
        (button_press("subscription_form", "", "http://x"), None),  # the form, no channel
        ({**button_press("home_pause", "C1", "http://x"), "team": "T1"}, "team.id"),
        ({**button_press("home_pause", "C1", "http://x"), "actions": []}, "actions"),
        (event_body({"type": "app_home_opened", "user": "U1"}), None),
        (event_body({"type": "app_uninstalled"}), None),
        (event_body({"type": "app_home_opened"}), "event.user"),
        (
            {**event_body({"type": "app_uninstalled"}), "authorizations": [{"team_id": 1}]},
            "authorizations",
        ),
        ({"type": "url_verification", "challenge": "x"}, None),
    ],
)
def test_what_is_malformed(body: dict[str, Any], field: str | None) -> None:
    assert problem(body) == field


def test_the_workspaces_a_body_names() -> None:
    press = button_press("home_pause", "C1", "http://x")
    press["view"] = {"id": "V", "team_id": "T1", "app_installed_team_id": "T2"}
    assert claimed_teams(press) == {"T1", "T2"}
    assert claimed_teams(command_fields("status")) == {"T1"}


def test_deliveries_are_remembered_for_a_while_and_at_most_so_many() -> None:
    now = [0.0]
    seen = SeenEvents(capacity=3, ttl=600.0, clock=lambda: now[0])
    assert seen.first_time("Ev1") and not seen.first_time("Ev1")
    now[0] = 599.0
    assert not seen.first_time("Ev1")  # Slack's last retry comes after about 5 minutes
    now[0] = 600.0
    assert seen.first_time("Ev1")  # forgotten: remembered again from now
    for n in range(2, 10):
        assert seen.first_time(f"Ev{n}")
    assert len(seen) <= 3  # the oldest went first
    assert not seen.first_time("Ev9") and seen.first_time("Ev2")


async def _through_same_team(
    body: dict[str, Any], *, team: str, enterprise: str | None, org_install: bool, token_team: str
) -> bool:
    """Whether SameTeam lets a request Bolt authorized for ``team`` with a token of
    ``token_team`` (what auth.test names for it) through to the listeners."""
    from slack_bolt.authorization import AuthorizeResult
    from slack_bolt.request.async_request import AsyncBoltRequest
    from slack_bolt.response import BoltResponse

    from bot.gate import SameTeam

    req = AsyncBoltRequest(body=body, mode="socket_mode")
    req.context["team_id"] = team
    req.context["enterprise_id"] = enterprise
    req.context["is_enterprise_install"] = org_install
    req.context["authorize_result"] = AuthorizeResult(
        enterprise_id=enterprise, team_id=token_team, bot_token="xoxb-1"
    )

    reached: list[bool] = []

    async def handled() -> BoltResponse:
        reached.append(True)
        return BoltResponse(status=200)

    gate = SameTeam(installations=True)
    await gate.async_process(req=req, resp=BoltResponse(status=200), next=handled)
    return bool(reached)


async def test_an_org_wide_install_answers_every_workspace_of_its_org_and_no_other() -> None:
    press = button_press("home_pause", "C1", "http://x")
    press["team"] = {"id": "T2", "enterprise_id": "E1"}
    press["enterprise"] = {"id": "E1"}
    # the org's token names the org, not the workspace asking: still that org's request
    assert await _through_same_team(
        press, team="T2", enterprise="E1", org_install=True, token_team="E1"
    )
    # a workspace's own install whose token names another workspace is refused, as before
    assert not await _through_same_team(
        press, team="T2", enterprise="E1", org_install=False, token_team="T9"
    )
    # and an org install never answers for another org
    assert not await _through_same_team(
        press, team="T2", enterprise="E2", org_install=True, token_team="E2"
    )
