"""Posting what channels are owed: the planner decides what is due, the digest composes the post,
the deliverer claims, posts (transport) and records under leases (leases), asks the fault table
(faults) what Slack's answers mean and the history (history) where a post's fate is unknown, and
the ticker drives it from the clock. outcomes holds the words for what became of a post."""
