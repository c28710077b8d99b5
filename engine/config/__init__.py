"""Settings: the `Config` model the engine runs on, the one key schema (defaults,
validation, env and flag precedence, `config get/set`, docs), reading config.toml strictly,
and comment-keeping edits of it.
"""
