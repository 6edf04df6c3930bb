"""The words of `subscribe me`, `status me`, `pause until …`, `pause for …` and `skip next`, read
into commands (issue 20, items 4 and 5): `me` (also `moi`, `我`) anywhere names the caller's own
subscription, the rest are the command's words."""

from __future__ import annotations

import pytest

from bot import commands as c


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("subscribe me daily 09:00 UTC", c.Subscribe(("daily", "09:00", "UTC"), me=True)),
        ("subscribe me", c.Subscribe((), me=True)),
        ("sub moi lang:fr", c.Subscribe((), me=True)),
        ("subscribe daily", c.Subscribe(("daily",))),
        ("status me", c.Status(me=True)),
        ("status", c.Status()),
        ("pause me", c.Pause((), me=True)),
        ("pause until 2027-03-10", c.Pause(("until", "2027-03-10"))),
        ("pause me for 2 weeks", c.Pause(("for", "2", "weeks"), me=True)),
        ("resume 我", c.Resume(me=True)),
        ("unsubscribe me", c.Unsubscribe(me=True)),
        ("stop", c.Unsubscribe()),
        ("skip next", c.Skip(("next",))),
        ("skip next me", c.Skip(("next",), me=True)),
        ("digest", c.Digest()),
        ("preview me", c.Digest(me=True)),
    ],
)
def test_read(text: str, command: c.Command) -> None:
    assert c.parse(text) == command
