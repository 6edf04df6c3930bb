"""Tests of bot/local: the shell and the terminal."""
