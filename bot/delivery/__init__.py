"""Posting what channels are owed: the planner decides what is due, the digest composes the post,
the deliverer claims, posts and records under leases, and the ticker drives it from the clock."""
