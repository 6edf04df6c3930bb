"""The local front end: a shell in the terminal that answers as the bot does in Slack, with the
replies drawn as plain text."""
