"""The batch engine: job store, scheduler (upload / poll / download), recovery, key storage,
template catalog and error reports. Plain Python, no Qt."""

from app.engine.downloads import choose_target, name_pattern_problem, result_name
from app.engine.engine import Engine
from app.engine.error_reports import ErrorReporter
from app.engine.executor import Executor, ThreadExecutor
from app.engine.model import (
    DEFAULT_NAME_PATTERN,
    DEFAULT_TEMPLATE,
    DEFAULT_TITLE_PATTERN,
    BatchSettings,
    BatchSnapshot,
    ConnectionState,
    ConnectionStatus,
    EngineEvent,
    EventKind,
    Grouping,
    ItemSnapshot,
    ItemState,
    OverwritePolicy,
    SaveOutcome,
    WhenUnsure,
)
from app.engine.polling import Backoff, PollPolicy
from app.engine.session import build_engine, make_client, open_store, resolve_base_url
from app.engine.store import JobStore
from app.engine.store_errors import (
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreUnavailableError,
)
from app.engine.titles import render_title, title_pattern_problem

__all__ = [
    "DEFAULT_NAME_PATTERN",
    "DEFAULT_TEMPLATE",
    "DEFAULT_TITLE_PATTERN",
    "Backoff",
    "BatchSettings",
    "BatchSnapshot",
    "ConnectionState",
    "ConnectionStatus",
    "Engine",
    "EngineEvent",
    "ErrorReporter",
    "EventKind",
    "Executor",
    "Grouping",
    "ItemSnapshot",
    "ItemState",
    "JobStore",
    "OverwritePolicy",
    "PollPolicy",
    "SaveOutcome",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "StoreUnavailableError",
    "ThreadExecutor",
    "WhenUnsure",
    "build_engine",
    "choose_target",
    "make_client",
    "name_pattern_problem",
    "open_store",
    "render_title",
    "resolve_base_url",
    "result_name",
    "title_pattern_problem",
]
