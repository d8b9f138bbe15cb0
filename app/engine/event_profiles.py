"""Saved events (event mode): a watched folder with the choices every photo landing in it is made
with. Kept in the job store (table event_profiles); one can be duplicated for the next event."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from app.api import Visibility
from app.engine.folder_scan import RESULTS_FOLDER as RESULTS_FOLDER  # re-exported
from app.engine.model import (
    DEFAULT_NAME_PATTERN,
    DEFAULT_TEMPLATE,
    DEFAULT_TITLE_PATTERN,
    BatchSettings,
    OverwritePolicy,
)
from app.engine.store import JobStore

DEFAULT_SETTLE = 2.0
EXISTING_CHOICES = ("send", "skip")


@dataclass(frozen=True)
class EventProfile:
    """One saved event. `folder` may hold `{date}` (today, as 2026-12-31)."""

    name: str
    folder: str
    template_id: str = DEFAULT_TEMPLATE
    options: dict[str, Any] = field(default_factory=dict)
    visibility: Visibility = Visibility.UNLISTED
    title_pattern: str = DEFAULT_TITLE_PATTERN
    description: str = ""
    event_id: str = ""  # "" = the slug of the name
    output_dir: str = ""  # "" = <watched folder>/vimbatch-results
    mark_delivered: bool = False
    existing: str = "skip"  # what was in the folder when the event first started: send|skip
    settle: float = DEFAULT_SETTLE
    id: int | None = None
    started_at: float | None = None  # first start: what was there then is "existing"
    created_at: float = 0.0

    @property
    def api_event_id(self) -> str:
        return self.event_id or slug(self.name)

    def watched_folder(self, when: datetime | None = None) -> Path:
        return Path(expand_date(self.folder, when or datetime.now())).expanduser()

    def results_folder(self, when: datetime | None = None) -> Path:
        if self.output_dir:
            return Path(expand_date(self.output_dir, when or datetime.now())).expanduser()
        return self.watched_folder(when) / RESULTS_FOLDER

    def batch_settings(self, when: datetime | None = None) -> BatchSettings:
        return BatchSettings(
            template_id=self.template_id,
            options=dict(self.options),
            visibility=self.visibility,
            title_pattern=self.title_pattern,
            description=self.description,
            event_id=self.api_event_id,
            download_dir=str(self.results_folder(when).resolve()),
            name_pattern=DEFAULT_NAME_PATTERN,
            overwrite=OverwritePolicy.RENAME,
            event_name=self.name,
        )


def slug(name: str) -> str:
    """ "New Year 2026!" -> "new_year_2026" (the API's event_id)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    return words or "event"


def expand_date(text: str, when: datetime) -> str:
    return text.replace("{date}", when.strftime("%Y-%m-%d"))


def profile_problem(profile: EventProfile, others: list[EventProfile]) -> str | None:
    """Plain words when the profile cannot be used, else None."""
    if not profile.name.strip():
        return "Give the event a name."
    if not profile.folder.strip():
        return "Choose the folder to watch."
    if profile.existing not in EXISTING_CHOICES:
        return "Choose whether photos already in the folder are sent or skipped."
    if not 0 < profile.settle <= 600:
        return "The wait for a photo to be complete must be between 0 and 600 seconds."
    watched = profile.watched_folder().resolve()
    results = profile.results_folder().resolve()
    if results == watched or watched.is_relative_to(results):
        return (
            "The results folder cannot be the watched folder or hold it: choose another "
            "results folder."
        )
    for other in others:
        if other.id == profile.id:
            continue
        theirs = other.watched_folder().resolve()
        if results.is_relative_to(theirs) and not results.is_relative_to(
            other.results_folder().resolve()
        ):
            return (
                f"The results folder is inside the folder the event “{other.name}” watches, "
                "so results would be taken for new photos: choose another results folder."
            )
    return None


class EventBook:
    """The saved events of one job store."""

    def __init__(self, store: JobStore) -> None:
        self._store = store

    def all(self) -> list[EventProfile]:
        rows = self._store.read("SELECT * FROM event_profiles ORDER BY created_at, id")
        return [_profile(row) for row in rows]

    def get(self, event_id: int) -> EventProfile | None:
        rows = self._store.read("SELECT * FROM event_profiles WHERE id = ?", (event_id,))
        return _profile(rows[0]) if rows else None

    def by_name(self, name: str) -> EventProfile | None:
        rows = self._store.read("SELECT * FROM event_profiles WHERE name = ?", (name,))
        return _profile(rows[0]) if rows else None

    def save(self, profile: EventProfile) -> EventProfile:
        """Insert (id None) or replace; returns it with its id. ValueError (plain words) when
        the name is taken by another event or the profile cannot be used."""
        problem = profile_problem(profile, self.all())
        if problem:
            raise ValueError(problem)
        now = time.time()
        try:
            with self._store.writing() as db:
                if profile.id is None:
                    profile = replace(profile, created_at=profile.created_at or now)
                    cursor = db.execute(
                        "INSERT INTO event_profiles (name, profile, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?)",
                        (profile.name, _to_json(profile), profile.created_at, now),
                    )
                    profile = replace(profile, id=int(cursor.lastrowid or 0))
                else:
                    db.execute(
                        "UPDATE event_profiles SET name = ?, profile = ?, updated_at = ? "
                        "WHERE id = ?",
                        (profile.name, _to_json(profile), now, profile.id),
                    )
        except sqlite3.IntegrityError:
            raise ValueError(
                f"There is already an event called “{profile.name}”: choose another name."
            ) from None
        return profile

    def mark_started(self, profile: EventProfile) -> EventProfile:
        """Record the first start (only once): what was in the folder then is "existing"."""
        if profile.started_at is not None:
            return profile
        return self.save(replace(profile, started_at=time.time()))

    def duplicate(self, event_id: int, name: str | None = None) -> EventProfile:
        """A copy for the next event: same choices, a new name (and event id), never started."""
        original = self.get(event_id)
        if original is None:
            raise ValueError("That event no longer exists.")
        taken = {p.name for p in self.all()}
        new_name = name or _next_name(original.name, taken)
        return self.save(
            replace(
                original,
                id=None,
                name=new_name,
                event_id="",
                started_at=None,
                created_at=0.0,
            )
        )

    def delete(self, event_id: int) -> None:
        with self._store.writing() as db:
            db.execute("DELETE FROM event_profiles WHERE id = ?", (event_id,))
            db.execute("DELETE FROM event_files WHERE event = ?", (event_id,))


def _next_name(name: str, taken: set[str]) -> str:
    base = re.sub(r" \(copy(?: \d+)?\)$", "", name)
    candidate = f"{base} (copy)"
    n = 2
    while candidate in taken:
        candidate = f"{base} (copy {n})"
        n += 1
    return candidate


def _to_json(profile: EventProfile) -> str:
    raw = asdict(profile)
    raw.pop("id")
    raw["visibility"] = profile.visibility.value
    return json.dumps(raw)


def _profile(row: sqlite3.Row) -> EventProfile:
    raw: dict[str, Any] = json.loads(row["profile"])
    known = set(EventProfile.__dataclass_fields__)
    values = {k: v for k, v in raw.items() if k in known}
    values["visibility"] = Visibility.parse(values.get("visibility", "1"))
    values["id"] = int(row["id"])
    values["name"] = str(row["name"])
    return EventProfile(**values)
