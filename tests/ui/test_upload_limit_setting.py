"""The window's "Use at most N Mbit/s" setting: off by default, applied to the running engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QSpinBox

from app.engine import set_upload_limit, upload_limit
from app.ui.dialogs.settings_dialog import SettingsDialog
from app.ui.session import Session
from app.ui.settings import UPLOAD_LIMIT_MBPS


@pytest.fixture(autouse=True)
def no_limit_after() -> Iterator[None]:
    yield
    set_upload_limit(None)  # process-wide: the next test starts without one


def test_the_limit_reaches_every_upload_and_is_off_by_default(
    qtbot, make_window, workers, simulator, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    settings = window.settings
    assert settings.value(UPLOAD_LIMIT_MBPS) == 0
    session = Session(workers, key="k", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    assert upload_limit() is None
    engine = session.engine
    assert engine is not None
    settings.set_value(UPLOAD_LIMIT_MBPS, 12)
    assert upload_limit() == 12.0
    assert engine.client.upload_cap.mbps == 12.0  # the engine's own client follows it
    settings.set_value(UPLOAD_LIMIT_MBPS, 0)
    assert upload_limit() is None

    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    editor = dialog.findChild(QSpinBox, f"setting-{UPLOAD_LIMIT_MBPS.key}")
    assert editor is not None and editor.text() == "No limit"
    editor.setValue(8)
    assert editor.text() == "8 Mbit/s"
    dialog.accept()
    assert settings.value(UPLOAD_LIMIT_MBPS) == 8 and upload_limit() == 8.0
    window.set_session(None)
    session.shutdown()
