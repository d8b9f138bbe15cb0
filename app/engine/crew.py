"""What every worker part of the engine (uploads, following, saving, updates) works with.

The engine builds one `Crew` and hands it to each part; a part's own collaborators (the part it
hands finished work to, its policy) stay explicit constructor arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.api import WorkflowClient
from app.engine.connection import Connection
from app.engine.error_reports import ErrorReporter
from app.engine.events import Events
from app.engine.polling import Backoff, Failures
from app.engine.scheduler import Scheduler
from app.engine.store import JobStore
from app.engine.tasks import Tasks


@dataclass(frozen=True)
class Crew:
    store: JobStore
    client: Callable[[], WorkflowClient]  # the current client: it changes with the key
    events: Events
    tasks: Tasks
    scheduler: Scheduler
    backoff: Backoff
    reporter: ErrorReporter
    connection: Connection


class CrewMember:
    """Base of the engine's worker parts: the crew's tools as attributes, and the part's own
    count of consecutive failures per item (for back-off)."""

    def __init__(self, crew: Crew) -> None:
        self._store = crew.store
        self._client = crew.client
        self._events = crew.events
        self._tasks = crew.tasks
        self._scheduler = crew.scheduler
        self._backoff = crew.backoff
        self._reporter = crew.reporter
        self._connection = crew.connection
        self._failures = Failures()
