"""Prompts and canned messages as plain text; installed as the package data of bot.prompt_files."""
