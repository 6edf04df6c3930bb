"""declaration-bot: sourced summaries of AI-governance declarations and summits, for Slack."""

__version__ = "0.1.0"
