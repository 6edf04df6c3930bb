"""The content library: topics, summits and developments, loaded from YAML and validated.

Every file in ``content/topics/*.yml`` is one topic; ``content/summits.yml`` lists the summits and
other events; ``content/developments.yml`` is the dated timeline. English is the source of truth:
:func:`load_library` either returns a complete :class:`Library` or raises :class:`ContentError`
listing every error found, each naming the file, the line (where known) and the field. A French or
Chinese text that is missing or out of step with English is not an error: the item is shown in
English with a note, and the library carries a warning naming the file and the item
(:attr:`Library.warnings`; ``check-content`` prints them, ``--strict`` fails on them).

- :mod:`bot.content.schema`: what a file may say (pydantic models and field types);
- :mod:`bot.content.yaml_lines`: reading a file once, with the line of every value;
- :mod:`bot.content.translations`: French and Chinese text, and the merge into English;
- :mod:`bot.content.loading`: :func:`load_library` and the rules across files;
- :mod:`bot.content.library`: :class:`Library`, what the rest of the bot reads;
- :mod:`bot.content.source`: :class:`ContentSource`, the library in force in a running bot.
"""
