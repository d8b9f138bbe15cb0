"""The app's settings, each declared once: key, type, default, label (Picard's options.py idea).

    settings = AppSettings.open(data_dir)            # data_dir/settings.ini, migrated on open
    settings.value(UPLOAD_CONCURRENCY)  -> int
    settings.set_value(AUTO_DOWNLOAD, True)           # emits changed("results/auto_download")

The dialog (`app/ui/dialogs/settings_dialog.py`) builds its form from `ALL_SETTINGS`, so a new
setting is one declaration here and nothing else. The API key is never a setting: it lives in the
OS keyring (`app.engine.keys`); `AppSettings` refuses any key that looks like one and removes
such entries that an old or hand-edited file may hold.

The file carries `meta/version`; `_MIGRATIONS[n]` turns version n into n + 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QStandardPaths, Signal

from app.api import DEFAULT_BASE_URL
from app.engine.downloads import name_pattern_problem
from app.engine.model import BatchSettings
from app.images.thumbnails import DEFAULT_CACHE_BYTES

T = TypeVar("T", bool, int, str)

SETTINGS_VERSION = 1
VERSION_KEY = "meta/version"
_CONTEXT = "Settings"


def _noop(text: str) -> str:
    """Marks a label for translation; it is translated where it is shown (`Setting.label`)."""
    return text


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting. `kind` is "folder" or "url" when a str needs a special editor."""

    key: str
    type: type[T]
    default: T
    text: str  # untranslated label; read `label`
    section: str
    help: str = ""
    advanced: bool = False
    minimum: int = 0
    maximum: int = 0
    suffix: str = ""
    kind: str = ""
    zero_text: str = ""  # what an int editor shows at its minimum of 0 (e.g. "No limit")

    @property
    def label(self) -> str:
        return QCoreApplication.translate(_CONTEXT, self.text)

    @property
    def tooltip(self) -> str:
        return QCoreApplication.translate(_CONTEXT, self.help) if self.help else ""

    def coerce(self, raw: object) -> T:
        """`raw` as read from QSettings (INI files give strings) in this setting's type, or the
        default when it cannot be read: a damaged file never stops the app."""
        if raw is None:
            return self.default
        value: Any  # checked against `type` at run time; mypy cannot follow that
        try:
            if self.type is bool:
                if isinstance(raw, str):
                    value = raw.strip().lower() in ("true", "1", "yes", "on")
                else:
                    value = bool(raw)
            elif self.type is int:
                value = int(str(raw).strip())
                if self.maximum > self.minimum:
                    value = max(self.minimum, min(self.maximum, value))
            else:
                value = str(raw)
        except (TypeError, ValueError):
            return self.default
        return cast(T, value)


# The window names saved results after the template's name, as the user knows it; the command
# line keeps DEFAULT_NAME_PATTERN (the id), which scripts may rely on. Both fields mean the same
# everywhere (app/engine/downloads.py, NAME_FIELDS).
WINDOW_NAME_PATTERN = "{stem}_{template_name}_{n}.{ext}"


def default_download_folder() -> str:
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return str(Path(pictures or Path.home()) / "Vimmerse")


# Sections, in the order the dialog shows them.
SECTION_RESULTS = _noop("Results")
SECTION_SENDING = _noop("Sending")
SECTION_PRIVACY = _noop("Privacy")
SECTION_STORAGE = _noop("Storage")
SECTION_ADVANCED = _noop("Advanced")

DOWNLOAD_FOLDER = Setting(
    "results/download_folder",
    str,
    "",  # empty: default_download_folder(), decided at run time (it depends on the platform)
    _noop("Save results in"),
    SECTION_RESULTS,
    _noop("The folder offered when you save results, and used by automatic saving."),
    kind="folder",
)
NAME_PATTERN = Setting(
    "results/name_pattern",
    str,
    WINDOW_NAME_PATTERN,
    _noop("File names"),
    SECTION_RESULTS,
    _noop(
        "How saved results are named. {stem} is the photo's name, {template_name} the "
        "template's name ({template} its id), {n} the result number, {ext} the file type "
        "(added at the end when left out), "
        "{title} the title, {folder} the photo's folder."
    ),
    kind="pattern",
)
AUTO_DOWNLOAD = Setting(
    "results/auto_download",
    bool,
    False,
    _noop("Save every result in that folder as soon as it is ready"),
    SECTION_RESULTS,
    _noop("Applies to batches you create from now on."),
)
AUTO_MARK_DELIVERED = Setting(
    "results/auto_mark_delivered",
    bool,
    False,
    _noop("Mark a result as delivered once it has been saved"),
    SECTION_RESULTS,
    _noop("Tells Vimmerse the date you handed the result on, so you can filter by it later."),
)
UPLOAD_CONCURRENCY = Setting(
    "sending/upload_concurrency",
    int,
    4,
    _noop("Photos sent at the same time"),
    SECTION_SENDING,
    _noop("More is faster on a fast connection; fewer is kinder to a slow one."),
    minimum=1,
    maximum=16,
)
UPLOAD_LIMIT_MBPS = Setting(
    "sending/max_upload_mbps",
    int,
    0,
    _noop("Use at most"),
    SECTION_SENDING,
    _noop(
        "Leaves part of the connection to others, e.g. at a venue where everyone shares the "
        "Wi-Fi. Sending takes longer the lower it is."
    ),
    minimum=0,
    maximum=10_000,
    suffix=" Mbit/s",
    zero_text=_noop("No limit"),
)
STRIP_GPS = Setting(
    "privacy/remove_location",
    bool,
    True,
    _noop("Remove location data (GPS) from photos before sending"),
    SECTION_PRIVACY,
    _noop("Your files on disk are not changed; only the copy sent to Vimmerse."),
)
ERROR_REPORTS = Setting(
    "privacy/error_reports",
    bool,
    False,  # off until the user says yes: asked once, at the first start (ERROR_REPORTS_ASKED)
    _noop("Send error reports to Vimmerse"),
    SECTION_PRIVACY,
    _noop(
        "When something goes wrong, a short description (never your photos, file paths or key) "
        "helps Vimmerse fix it."
    ),
)
# Not in the dialog: whether the first-run question about error reports was answered.
ERROR_REPORTS_ASKED = Setting(
    "privacy/error_reports_asked",
    bool,
    False,
    _noop("Asked about error reports"),
    SECTION_PRIVACY,
)
# Not in the dialog: the last session was the demo (no key stored). The next start reopens the
# demo, its practice jobs in view, instead of welcoming the user over an empty job list.
LAST_USED_DEMO = Setting(
    "session/last_used_demo",
    bool,
    False,
    _noop("Last used the demo"),
    SECTION_ADVANCED,
)
THUMBNAIL_CACHE_MB = Setting(
    "storage/thumbnail_cache_mb",
    int,
    DEFAULT_CACHE_BYTES // (1024 * 1024),
    _noop("Space for previews"),
    SECTION_STORAGE,
    _noop("Previews of photos and results kept on disk so that they open at once next time."),
    minimum=20,
    maximum=20_000,
    suffix=" MB",
)
SERVER_URL = Setting(
    "advanced/server_url",
    str,
    DEFAULT_BASE_URL,
    _noop("Server address"),
    SECTION_ADVANCED,
    _noop("Only change this if Vimmerse asked you to. Takes effect the next time you start."),
    advanced=True,
    kind="url",
)

ALL_SETTINGS: tuple[Setting[Any], ...] = (
    DOWNLOAD_FOLDER,
    NAME_PATTERN,
    AUTO_DOWNLOAD,
    AUTO_MARK_DELIVERED,
    UPLOAD_CONCURRENCY,
    UPLOAD_LIMIT_MBPS,
    STRIP_GPS,
    ERROR_REPORTS,
    THUMBNAIL_CACHE_MB,
    SERVER_URL,
)
SECTIONS = (SECTION_RESULTS, SECTION_SENDING, SECTION_PRIVACY, SECTION_STORAGE, SECTION_ADVANCED)

# Words that mark a secret: never stored here, removed if found (an old build, a hand edit).
_SECRET_WORDS = ("api_key", "apikey", "api-key", "secret", "token", "password")


def looks_secret(key: str) -> bool:
    name = key.lower().rsplit("/", 1)[-1]
    return name == "key" or any(word in key.lower() for word in _SECRET_WORDS)


def _migrate_0_to_1(store: QSettings) -> None:
    # Before versioning the window kept a "download_dir" of its own under "results/".
    old = store.value("results/download_dir")
    if old and not store.contains(DOWNLOAD_FOLDER.key):
        store.setValue(DOWNLOAD_FOLDER.key, old)
    store.remove("results/download_dir")


_MIGRATIONS: dict[int, Callable[[QSettings], None]] = {0: _migrate_0_to_1}


class AppSettings(QObject):
    """Typed access to the declared settings in one QSettings file.

    Signals:
        changed(str): the key of a setting whose stored value changed.
    """

    changed = Signal(str)

    def __init__(self, store: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path, parent: QObject | None = None) -> AppSettings:
        """The settings file in the data folder (INI, so it is readable and portable)."""
        store = QSettings(str(Path(data_dir) / "settings.ini"), QSettings.Format.IniFormat)
        settings = cls(store, parent)
        store.setParent(settings)
        return settings

    def _migrate(self) -> None:
        store = self.store
        version = Setting(VERSION_KEY, int, 0, "", "").coerce(store.value(VERSION_KEY))
        for key in store.allKeys():
            if looks_secret(key):
                store.remove(key)
        while version < SETTINGS_VERSION:
            _MIGRATIONS[version](store)
            version += 1
        store.setValue(VERSION_KEY, SETTINGS_VERSION)
        store.sync()

    def value(self, setting: Setting[T]) -> T:
        value = setting.coerce(self.store.value(setting.key))
        if setting is DOWNLOAD_FOLDER and not value:
            folder: Any = default_download_folder()
            return cast(T, folder)
        return value

    def set_value(self, setting: Setting[T], value: T) -> None:
        if looks_secret(setting.key):  # a declaration mistake must not leak a key to disk
            raise ValueError(f"{setting.key} looks like a secret; secrets go to the keyring")
        value = setting.coerce(value)
        if self.value(setting) == value:
            return  # an untouched default stays unstored, so a better default reaches the user
        # Written to disk by `sync()` (the dialog's OK, quitting) or Qt's own periodic sync:
        # not once per value, each a file write on the GUI thread.
        self.store.setValue(setting.key, value)
        self.changed.emit(setting.key)

    def reset(self, setting: Setting[Any]) -> None:
        if self.store.contains(setting.key):
            self.store.remove(setting.key)
            self.changed.emit(setting.key)

    def sync(self) -> None:
        """Write the values set so far to the file (once per dialog OK and at quit)."""
        self.store.sync()

    def problem(self, setting: Setting[Any], value: object) -> str | None:
        """Plain words when `value` cannot be used for `setting`, else None."""
        if setting is NAME_PATTERN:
            return name_pattern_problem(str(value))
        if setting is SERVER_URL:
            # Only the address's form is checked: no HTTP client is built on the GUI thread.
            from app.api import check_base_url

            try:
                check_base_url(str(value))
            except ValueError as exc:
                return str(exc)
        return None

    # --- what the rest of the app reads ----------------------------------------------------

    def apply_to_batch(self, batch: BatchSettings) -> BatchSettings:
        """A new batch's settings with the user's saving and privacy choices filled in."""
        return dataclasses.replace(
            batch,
            download_dir=self.value(DOWNLOAD_FOLDER) if self.value(AUTO_DOWNLOAD) else None,
            name_pattern=self.value(NAME_PATTERN),
            strip_gps=self.value(STRIP_GPS),
        )

    def cache_bytes(self) -> int:
        return self.value(THUMBNAIL_CACHE_MB) * 1024 * 1024
