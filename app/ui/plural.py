"""Plural forms through Qt's translator: `ntr(context, "Saved %n files.", n)`.

The source text is the plural with `%n`, passed to `QCoreApplication.translate` with `n`, so a
translation's numerus forms (Qt Linguist) decide every language's forms. The app ships no
translation yet, and without one Qt would say "Saved 1 files."; English's singular is therefore
derived from the same source text ("%n files" → "%n file") when no translation answered.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QLocale

# The English plural nouns the app's counted sentences use, with their singular.
_SINGULAR = {
    "photos": "photo",
    "results": "result",
    "files": "file",
    "jobs": "job",
    "items": "item",
    "folders": "folder",
    "rows": "row",
    "batches": "batch",
    "were": "was",
    "are": "is",
    "these": "this",
    "need": "needs",
    "them": "it",
    "their": "its",
}
_WORD = re.compile(r"[A-Za-z]+")


def _english_singular(text: str) -> str:
    return _WORD.sub(lambda m: _SINGULAR.get(m.group(0), m.group(0)), text)


def ntr(context: str, text: str, n: int) -> str:
    """`text` (English plural, `%n` for the count) translated for `n`, the count localised."""
    number = QLocale().toString(n)
    translated = QCoreApplication.translate(context, text, None, n)
    untranslated = text.replace("%n", str(n))
    if translated != untranslated:  # a translation answered: its forms are right
        return translated
    source = _english_singular(text) if n == 1 else text
    return source.replace("%n", number)
