"""Tests of bot/store: transactions, migrations, installations, what a workspace change reaches."""
