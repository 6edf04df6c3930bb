"""Tests of bot/slack: mrkdwn, Block Kit and what Slack renders of every reply."""
