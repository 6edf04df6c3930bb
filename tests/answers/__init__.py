"""Tests of bot/answers: content questions and their replies, search, news, the calendar."""
