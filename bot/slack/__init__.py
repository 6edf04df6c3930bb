"""Slack's side of the bot: the mrkdwn writer, Block Kit primitives, the wire format of a reply,
every id the app gives Slack (command, actions, callbacks, blocks) and the shape of Slack's own ids,
the Web API clients and who may be reached."""
