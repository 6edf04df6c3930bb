"""Tests of bot/content: loading, validation, check-content, reloading, the shipped facts."""
