"""Tests of the FakeSlack test double against the real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


def _command_payload(fake: FakeSlack, text: str = "ping", key: str = "cmd1") -> dict[str, Any]:
    return {
        "token": "verification-token",
        "team_id": "T1",
        "team_domain": "fake",
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U1",
        "user_name": "alice",
        "command": "/declaration",
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": fake.response_url(key),
        "trigger_id": "1.2.3",
    }


def _form_post(url: str, fields: dict[str, str]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url,
        data=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_web_client_post_is_recorded(fake: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    second = client.chat_postMessage(channel="C2", text="again")

    assert first["ok"] is True
    assert first["channel"] == "C1"
    assert first["message"]["text"] == "hello"
    assert float(first["ts"]) < float(second["ts"])

    posts = fake.posts()
    assert [p.params["channel"] for p in posts] == ["C1", "C2"]
    call = posts[0]
    assert call.token == "xoxb-test"
    assert call.params["text"] == "hello"
    assert call.params["blocks"] == [{"type": "divider"}]
    assert call.status == 200
    assert call.response["ts"] == first["ts"]
    assert call.at <= posts[1].at


def test_form_encoded_params_token_param_and_json_strings(fake: FakeSlack) -> None:
    view = json.dumps({"type": "home", "blocks": []})
    status, body = _form_post(
        fake.base_url + "views.publish", {"token": "xoxb-form", "user_id": "U1", "view": view}
    )
    assert status == 200
    assert body["ok"] is True
    assert body["view"]["id"] == "V1"
    assert body["view"]["type"] == "home"

    (call,) = fake.calls_to("views.publish")
    assert call.token == "xoxb-form"
    assert call.params["view"] == view  # JSON-encoded string kept as given

    _, oauth = _form_post(fake.base_url + "oauth.v2.access", {"code": "abc"})
    assert oauth["access_token"] == "xoxb-abc"
    assert oauth["team"] == {"id": "T-abc", "name": "Team abc"}
    _, other = _form_post(fake.base_url + "reactions.add", {"name": "tada"})
    assert other == {"ok": True}


def test_scripted_429_raises_with_retry_after(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "ratelimited", status=429, retry_after=7)
    client = WebClient(token="xoxb-test", base_url=fake.base_url)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="too fast")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response["error"] == "ratelimited"
    assert excinfo.value.response.headers["Retry-After"] == "7"

    # The fault was used up: the next call succeeds. The failed one is recorded but not a post.
    client.chat_postMessage(channel="C1", text="later")
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert [p.params["text"] for p in fake.posts()] == ["later"]


def test_faults_by_channel_times_always_and_reset(fake: FakeSlack) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    fake.fail("chat.postMessage", "channel_not_found", channel="C-gone", times=2)
    fake.fail_always("chat.postMessage", "is_archived", channel="C-archived")

    client.chat_postMessage(channel="C-ok", text="fine")
    for _ in range(2):
        with pytest.raises(SlackApiError, match="channel_not_found"):
            client.chat_postMessage(channel="C-gone", text="x")
    client.chat_postMessage(channel="C-gone", text="back")
    for _ in range(3):
        with pytest.raises(SlackApiError, match="is_archived"):
            client.chat_postMessage(channel="C-archived", text="x")
    assert [p.params["channel"] for p in fake.posts()] == ["C-ok", "C-gone"]

    fake.reset()
    assert fake.calls == []
    client.chat_postMessage(channel="C-archived", text="unarchived")
    assert len(fake.posts()) == 1


def test_users_info_returns_registered_user_tz(fake: FakeSlack) -> None:
    fake.add_user("U1", tz="Asia/Kolkata", locale="fr-FR", is_admin=True)
    client = WebClient(token="xoxb-test", base_url=fake.base_url)

    user = client.users_info(user="U1")["user"]
    assert user["id"] == "U1"
    assert user["tz"] == "Asia/Kolkata"
    assert user["tz_offset"] == 5 * 3600 + 30 * 60  # no DST in India
    assert user["locale"] == "fr-FR"
    assert user["is_admin"] is True
    assert user["is_owner"] is False

    with pytest.raises(SlackApiError, match="user_not_found"):
        client.users_info(user="U-nobody")


def test_wait_for_times_out_with_a_dump(fake: FakeSlack) -> None:
    WebClient(token="xoxb-test", base_url=fake.base_url).auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        fake.wait_for(lambda: False, timeout=0.05)


def test_socket_mode_builtin_handler_acks_slash_command(fake: FakeSlack) -> None:
    # Note: App(token=..., client=...) ignores `token` (with a warning) and uses client.token.
    app = App(client=WebClient(token="xoxb-test", base_url=fake.base_url))

    @app.command("/declaration")
    def declaration(ack: Ack, respond: Respond) -> None:
        ack(text="pong")
        respond(text="details follow")

    handler = SocketModeHandler(
        app, app_token="xapp-test", web_client=WebClient(base_url=fake.base_url)
    )
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        fake.wait_socket_connected()
        assert fake.socket_connections == 1
        (open_call,) = fake.calls_to("apps.connections.open")
        assert open_call.token == "xapp-test"

        ack = fake.send_envelope("slash_commands", _command_payload(fake))
        assert ack["payload"]["text"] == "pong"
        fake.wait_for(lambda: fake.responses.get("cmd1") == [{"text": "details follow"}])

        # Slack asks clients to reconnect from time to time; the builtin client does so.
        fake.disconnect_socket()
        fake.wait_for(lambda: fake.socket_connections == 2)
        ack = fake.send_envelope("slash_commands", _command_payload(fake, key="cmd2"))
        assert ack["payload"]["text"] == "pong"
    finally:
        handler.close()  # type: ignore[no-untyped-call]


async def test_async_web_client_posts(fake: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-async", base_url=fake.base_url)
    resp = await client.chat_postMessage(channel="C9", text="from asyncio")
    assert resp["ok"] is True
    (call,) = fake.posts()
    assert call.token == "xoxb-async"
    assert call.params == {"channel": "C9", "text": "from asyncio"}


async def test_delay_is_concurrent() -> None:
    with FakeSlack(delay=0.3) as fake:
        client = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
        started = time.monotonic()
        await asyncio.gather(
            *(client.chat_postMessage(channel="C1", text=str(i)) for i in range(50))
        )
        elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 2.0
    assert len(fake.posts()) == 50
    assert len({p.response["ts"] for p in fake.posts()}) == 50


async def test_socket_mode_async_handler_acks_slash_command(fake: FakeSlack) -> None:
    app = AsyncApp(client=AsyncWebClient(token="xoxb-test", base_url=fake.base_url))

    @app.command("/declaration")
    async def declaration(ack: AsyncAck) -> None:
        await ack(text="pong")

    mentions: list[str] = []

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any]) -> None:  # Bolt acks events itself
        mentions.append(event["text"])

    handler = AsyncSocketModeHandler(
        app, app_token="xapp-test", web_client=AsyncWebClient(base_url=fake.base_url)
    )
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        await fake.wait_socket_connected_async()
        ack = await fake.send_envelope_async("slash_commands", _command_payload(fake))
        assert ack["payload"]["text"] == "pong"
        event = {"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.2"}
        events_ack = await fake.send_envelope_async(
            "events_api",
            {"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event": event},
        )
        assert set(events_ack) == {"envelope_id"}
        await fake.wait_for_async(lambda: mentions == ["hi"])
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def test_the_fake_refuses_what_slack_refuses(fake: FakeSlack) -> None:
    from tests.fakeslack import new_trigger_id

    client = WebClient(token="xoxb-test", base_url=fake.base_url)

    def error(call: Any) -> str:
        with pytest.raises(SlackApiError) as caught:
            call()
        return str(caught.value.response["error"])

    too_many = [{"type": "divider"}] * 51
    assert error(lambda: client.chat_postMessage(channel="C1", text="x", blocks=too_many)) == (
        "invalid_blocks"
    )
    assert error(lambda: client.chat_postMessage(channel="C1", text="x" * 40_001)) == (
        "msg_too_long"
    )
    fake.add_channel("G1", is_private=True, bot_member=False)
    fake.add_channel("C2", bot_member=False)
    assert error(lambda: client.chat_postMessage(channel="G1", text="x")) == "channel_not_found"
    client.chat_postMessage(channel="C2", text="x")  # chat:write.public
    assert error(lambda: client.conversations_history(channel="C2")) == "not_in_channel"
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    trigger = new_trigger_id()
    client.views_open(trigger_id=trigger, view=view)
    assert error(lambda: client.views_open(trigger_id=trigger, view=view)) == (
        "exchanged_trigger_id"
    )
    old = f"trigger-{time.monotonic_ns() - 4_000_000_000}-0"
    assert error(lambda: client.views_open(trigger_id=old, view=view)) == "expired_trigger_id"
    url = fake.response_url("five")
    for n in range(5):
        assert _json_post(url, {"text": f"use {n}"})[0] == 200
    assert _json_post(url, {"text": "a sixth"})[0] == 404


def test_the_fake_fails_a_test_whose_payload_slack_would_render_wrongly() -> None:
    with pytest.raises(AssertionError, match="unescaped"), FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        client.chat_postMessage(channel="C1", text="try `search <words>`")


def _json_post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_threads_are_kept_as_slack_keeps_them(fake: FakeSlack) -> None:
    """A reply names its parent (thread_ts); conversations.history lists the parents only,
    conversations.replies a thread (the parent first, then its replies), metadata only when
    asked; a thread_ts or ts that names no message is refused."""
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    meta = {"event_type": "e", "event_payload": {"k": "v"}}
    top = client.chat_postMessage(channel="C1", text="parent", metadata=meta)["ts"]
    one = client.chat_postMessage(channel="C1", text="one", thread_ts=top, metadata=meta)["ts"]
    client.chat_postMessage(channel="C1", text="two", thread_ts=one)  # a reply's ts: its thread
    client.chat_postMessage(channel="C1", text="later")
    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["later", "parent"]
    (parent,) = [m for m in history if m["ts"] == top]
    assert parent["reply_count"] == 2 and parent["thread_ts"] == top
    thread = client.conversations_replies(channel="C1", ts=top, include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["parent", "one", "two"]
    assert thread["messages"][1]["metadata"] == meta
    assert all(m["thread_ts"] == top for m in thread["messages"])
    bare = client.conversations_replies(channel="C1", ts=one)["messages"]
    assert [m["text"] for m in bare] == ["parent", "one", "two"]
    assert not any("metadata" in m for m in bare)
    paged = client.conversations_replies(channel="C1", ts=top, limit=2)
    assert paged["has_more"] and len(paged["messages"]) == 2
    rest = client.conversations_replies(
        channel="C1", ts=top, cursor=paged["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["two"] and not rest["has_more"]
    for call in (
        lambda: client.conversations_replies(channel="C1", ts="1.000001"),
        lambda: client.chat_postMessage(channel="C1", text="x", thread_ts="1.000001"),
    ):
        with pytest.raises(SlackApiError) as caught:
            call()
        assert caught.value.response["error"] == "thread_not_found"
    assert fake.thread("C1", top)[0]["text"] == "one" and len(fake.top_level("C1")) == 2
