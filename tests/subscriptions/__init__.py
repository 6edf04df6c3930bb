"""Tests of bot/subscriptions: the grammar, schedules, replies, the form and the Home tab."""
