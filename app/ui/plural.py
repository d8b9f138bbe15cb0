"""Plural forms through Qt's translator: `ntr(context, "Saved %n file.", "Saved %n files.", n)`.

The plural text is the source passed to `QCoreApplication.translate` with `n`, so a
translation's numerus forms (Qt Linguist) decide every language's forms. The app ships no
translation yet, and without one Qt would say "Saved 1 files."; the English singular is given
beside it and used when no translation answered.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale


def ntr(context: str, one: str, many: str, n: int) -> str:
    """`many` (the source text, `%n` for the count) translated for `n`; untranslated, `one`
    when n is 1, else `many`, with the count written the user's way."""
    translated = QCoreApplication.translate(context, many, None, n)
    if translated != many.replace("%n", str(n)):  # a translation answered: its forms are right
        return translated
    return (one if n == 1 else many).replace("%n", QLocale().toString(n))
