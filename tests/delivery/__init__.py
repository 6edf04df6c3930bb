"""Tests of bot/delivery: the planner, the deliverer, quiet digests, exactly once."""
