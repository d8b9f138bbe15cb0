"""Settings: declared once, stored in a real INI file through QSettings, edited by the dialog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox

from app.engine import BatchSettings
from app.images.thumbnails import ThumbnailCache
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.settings import (
    ALL_SETTINGS,
    AUTO_DOWNLOAD,
    DOWNLOAD_FOLDER,
    ERROR_REPORTS,
    NAME_PATTERN,
    SERVER_URL,
    SETTINGS_VERSION,
    STRIP_GPS,
    THUMBNAIL_CACHE_MB,
    UPLOAD_CONCURRENCY,
    AppSettings,
)
from app.ui.workers import Workers


def test_every_setting_is_declared_once_with_a_default_of_its_type() -> None:
    keys = [s.key for s in ALL_SETTINGS]
    assert len(keys) == len(set(keys))
    for setting in ALL_SETTINGS:
        assert isinstance(setting.default, setting.type)
        assert setting.text and setting.section
        assert "key" not in setting.key.rsplit("/", 1)[-1]


def test_settings_round_trip_through_the_file(qtbot: Any, tmp_path: Path) -> None:
    first = AppSettings.open(tmp_path)
    assert first.value(UPLOAD_CONCURRENCY) == 4
    assert first.value(STRIP_GPS) is True
    with qtbot.waitSignal(first.changed) as changed:
        first.set_value(UPLOAD_CONCURRENCY, 7)
    assert changed.args == [UPLOAD_CONCURRENCY.key]
    first.set_value(STRIP_GPS, False)
    first.set_value(NAME_PATTERN, "{title}-{n}.{ext}")
    first.set_value(DOWNLOAD_FOLDER, str(tmp_path / "out"))
    first.set_value(AUTO_DOWNLOAD, True)
    first.set_value(UPLOAD_CONCURRENCY, 99)  # clamped to the declared range
    first.sync()

    again = AppSettings.open(tmp_path)
    assert again.value(UPLOAD_CONCURRENCY) == 16
    assert again.value(STRIP_GPS) is False
    assert again.value(NAME_PATTERN) == "{title}-{n}.{ext}"
    batch = again.apply_to_batch(BatchSettings(template_id="vim_arctic"))
    assert batch.download_dir == str(tmp_path / "out")
    assert batch.name_pattern == "{title}-{n}.{ext}"
    assert batch.strip_gps is False and batch.template_id == "vim_arctic"
    text = (tmp_path / "settings.ini").read_text()
    assert f"version={SETTINGS_VERSION}" in text


def test_a_damaged_file_gives_defaults_and_an_old_one_is_migrated_without_secrets(
    qtbot: Any, tmp_path: Path
) -> None:
    raw = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    raw.setValue("sending/upload_concurrency", "lots")
    raw.setValue("results/download_dir", "/old/place")
    raw.setValue("account/api_key", "sk-live-123")
    raw.sync()
    del raw
    settings = AppSettings.open(tmp_path)
    assert settings.value(UPLOAD_CONCURRENCY) == 4
    assert settings.value(DOWNLOAD_FOLDER) == "/old/place"
    text = (tmp_path / "settings.ini").read_text()
    assert "sk-live-123" not in text and "api_key" not in text
    assert "download_dir" not in text


def test_dialog_stores_on_ok_and_refuses_what_cannot_be_used(
    qtbot: Any, tmp_path: Path, workers: Workers
) -> None:
    settings = AppSettings.open(tmp_path)
    thumbs = ThumbnailCache(tmp_path / "thumbs")
    (tmp_path / "photo.jpg").write_bytes(b"")
    dialog = SettingsDialog(settings, caches=[thumbs], runner=workers.io)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.cache_label.text()[:1].isdigit())  # measured on a worker

    spin = dialog.editors[UPLOAD_CONCURRENCY.key]
    assert isinstance(spin, QSpinBox) and spin.value() == 4
    spin.setValue(2)
    reports = dialog.editors[ERROR_REPORTS.key]
    assert isinstance(reports, QCheckBox)
    assert not reports.isChecked()  # off until the user says yes
    reports.setChecked(True)
    pattern = dialog.editors[NAME_PATTERN.key]
    assert isinstance(pattern, QLineEdit)
    pattern.setText("{stem}.{ext}")  # no {n}: two results would collide
    dialog.accept()
    assert dialog.isVisible()
    assert "{n}" in dialog.problems[NAME_PATTERN.key].text()
    assert settings.value(UPLOAD_CONCURRENCY) == 4  # nothing stored yet

    pattern.setText("{stem}-{n}.{ext}")
    assert "IMG_0042-1.jpg" in dialog.pattern_example.text()
    server = dialog.editors[SERVER_URL.key]
    assert isinstance(server, QLineEdit)
    server.setText("http://example.com")  # a key must not travel unencrypted
    dialog.accept()
    assert dialog.isVisible() and dialog.advanced_toggle.isChecked()
    assert dialog.problems[SERVER_URL.key].isVisible()
    server.setText("https://api.vimmerse.net")
    cache_spin = dialog.editors[THUMBNAIL_CACHE_MB.key]
    assert isinstance(cache_spin, QSpinBox)
    cache_spin.setValue(500)
    seen: list[str] = []
    settings.changed.connect(seen.append)
    dialog.accept()
    assert not dialog.isVisible()
    assert settings.value(UPLOAD_CONCURRENCY) == 2
    assert settings.value(ERROR_REPORTS) is True
    assert settings.value(NAME_PATTERN) == "{stem}-{n}.{ext}"
    assert settings.cache_bytes() == 500 * 1024 * 1024
    assert set(seen) == {
        UPLOAD_CONCURRENCY.key, ERROR_REPORTS.key, NAME_PATTERN.key, THUMBNAIL_CACHE_MB.key,
    }  # fmt: skip


def test_clear_cache_empties_the_thumbnail_cache(
    qtbot: Any, tmp_path: Path, workers: Workers, photo_factory: Any
) -> None:
    thumbs = ThumbnailCache(tmp_path / "thumbs")
    thumbs.get_or_make(photo_factory(tmp_path / "a.jpg"))
    assert thumbs.size_bytes() > 0
    dialog = SettingsDialog(AppSettings.open(tmp_path), caches=[thumbs], runner=workers.io)
    qtbot.addWidget(dialog)
    dialog.clear_cache_button.click()
    qtbot.waitUntil(lambda: dialog.clear_cache_button.isEnabled(), timeout=5000)
    assert thumbs.size_bytes() == 0
    assert not list((tmp_path / "thumbs").rglob("*.jpg"))


def test_values_reach_the_file_once_on_sync_not_on_every_change(qtbot: Any, tmp_path: Path) -> None:
    settings = AppSettings.open(tmp_path)
    settings.set_value(UPLOAD_CONCURRENCY, 9)
    settings.set_value(STRIP_GPS, False)
    assert settings.value(UPLOAD_CONCURRENCY) == 9  # in effect at once
    assert "upload_concurrency" not in (tmp_path / "settings.ini").read_text()
    settings.sync()
    text = (tmp_path / "settings.ini").read_text()
    assert "upload_concurrency=9" in text


def test_server_address_is_checked_without_building_a_client(
    qtbot: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from app.api import client

    def no_client(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("an HTTP client was built on the GUI thread")

    monkeypatch.setattr(client.WorkflowClient, "__init__", no_client)
    settings = AppSettings.open(tmp_path)
    assert settings.problem(SERVER_URL, "https://api.example.com") is None
    assert settings.problem(SERVER_URL, "http://example.com")  # plain http to another machine
    assert settings.problem(SERVER_URL, "not an address")


def test_closing_the_dialog_while_the_cache_is_measured_is_harmless(
    qtbot: Any, tmp_path: Path, workers: Workers
) -> None:
    import time

    class SlowCache:
        def size_bytes(self) -> int:
            time.sleep(0.4)
            return 1234

        def clear(self) -> None:
            pass

    dialog = SettingsDialog(AppSettings.open(tmp_path), caches=[SlowCache()], runner=workers.io)
    dialog.reject()
    dialog.deleteLater()
    qtbot.wait(50)  # the dialog is gone while the measurement still runs
    qtbot.waitUntil(lambda: workers.io.pending() == 0, timeout=5000)
    qtbot.wait(50)  # a late answer would have touched the deleted label here
