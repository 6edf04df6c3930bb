"""Names vulture (`make lint`) would call unused that are called by a framework, not by our code.

Each line is a use of the name, as vulture reads a whitelist; grouped by who calls it."""

# ruff: noqa: B018, F821
# mypy: ignore-errors

# Bolt: a middleware's entry point, the installation store and OAuth state store interfaces it
# calls, client settings it reads (the listeners are named in each register(app))
_.async_process
_.async_save
_.async_save_bot
_.async_find_bot
_.async_delete_bot
_.async_delete_installation
_.async_delete_all
_.async_issue
_.async_consume
bot  # a parameter of async_save_bot, named by Bolt's interface
_.base_url
_.retry_handlers
# Block Kit: the conversations select's options, read by slack_sdk when it serializes
_.initial_conversation
_.default_to_current_conversation

# pydantic: model settings and validators, called by the model
_.model_config
_._lead_days, _._upper, _._api_url, _._pasted, _._bot_token, _._app_token, _._database_url
_._uncertain_posts, _._lower, _._public_url, _._fernet_key, _._dates_in_order
_.series
_._normalized, _._one_group_each
# bot/locales/questions.yml's groups: read by name (bot.answers.questions.GROUPS)
_.remind, _.filler

# SQLAlchemy: a TypeDecorator's hooks and settings, an engine's option
_.impl
_.cache_ok
_.process_bind_param
_.process_result_value
_.isolation_level

# logging and prometheus_client: a formatter's hook, the logging module's switches, a collector
_.usesTime
_._srcfile
_.logThreads
_.logProcesses
_.logMultiprocessing
_.collect

# signal handlers take (signum, frame)
signum, frame

# read by tests and bench/fanout.py: the post from plain arguments, the plan's skipped posts
compose
_.too_late

# read by tests/test_i18n.py: every code that pauses a subscription has its phrase
PAUSING

# the schedule alone, without which parts the words named: how the tests and benchmarks build one
parse_schedule
