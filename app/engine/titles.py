"""The workflow title pattern: {stem}, {folder}, {n} (1-based) and {date}."""

from __future__ import annotations

import string
from datetime import datetime

TITLE_FIELDS = ("stem", "folder", "n", "date")


def title_pattern_problem(pattern: str) -> str | None:
    """A plain-language reason the pattern cannot be used, or None when it is fine."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        return "The title pattern has an unmatched { or }. Write {{ or }} for a literal brace."
    for name in fields:
        if name not in TITLE_FIELDS:
            shown = "{" + name + "}"
            allowed = ", ".join("{" + f + "}" for f in TITLE_FIELDS)
            return f"The title pattern uses {shown}, which is not known. You can use {allowed}."
    return None


def render_title(pattern: str, *, stem: str, folder: str, n: int, when: datetime) -> str:
    """The title for one item; {date} is the day the batch was made (YYYY-MM-DD)."""
    return pattern.format(stem=stem, folder=folder, n=n, date=when.strftime("%Y-%m-%d")).strip()
