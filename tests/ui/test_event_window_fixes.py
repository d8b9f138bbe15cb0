"""The window during an event (real engine, simulator, real files): no "batch finished" notice per
guest photo and no percentage jumping in the title; skipped files listed with their reasons."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLineEdit, QWidget

from app.engine.event_runner import RAW_TWIN_NOTE, EventRunner
from app.engine.model import ConnectionState, ConnectionStatus, EngineEvent, EventKind
from app.images.problems import RAW_MESSAGE
from app.ui.events.editor import EventEditor
from app.ui.events.panel import EventPanel, LatestImage, existing_question
from app.ui.session import Session


def _start_session(qtbot, window, workers, simulator, private_dirs) -> Session:  # type: ignore[no-untyped-def]
    session = Session(workers, key="test-key", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    return session


def _new_event(qtbot, panel: EventPanel, folder: Path) -> None:  # type: ignore[no-untyped-def]
    def fill(dialog: EventEditor) -> bool:
        dialog.findChild(QLineEdit, "eventName").setText("Wedding")
        dialog.findChild(QLineEdit, "eventFolder").setText(str(folder))
        dialog.settle.setValue(0.5)
        return True

    panel.ask_editor = fill
    panel.ask_existing = lambda _w, _count, _folder: False
    qtbot.waitUntil(lambda: panel.new_button.isEnabled(), timeout=10_000)
    panel.new_button.click()
    qtbot.waitUntil(lambda: panel.picker.count() == 1, timeout=10_000)


def test_no_batch_finished_notice_per_guest_photo_and_no_title_percentage(
    qtbot, make_window, workers, simulator, photo_factory, tmp_path: Path, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    shown: list[str] = []
    window.notifier.show_in_window = shown.append
    titles: list[str] = []
    window.windowTitleChanged.connect(titles.append)
    session = _start_session(qtbot, window, workers, simulator, private_dirs)
    panel = window.findChild(EventPanel, "eventPanel")
    booth = tmp_path / "booth"
    booth.mkdir()
    _new_event(qtbot, panel, booth)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.running, timeout=10_000)
    photo_factory(booth / "guest_1.jpg", (640, 480), "#e74c3c")
    qtbot.waitUntil(lambda: panel.counters["done"].text() == "1", timeout=30_000)
    photo_factory(booth / "guest_2.jpg", (640, 480), "#27ae60")
    qtbot.waitUntil(lambda: panel.counters["done"].text() == "2", timeout=30_000)
    assert session.engine is not None and session.engine.wait_idle(30)
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.running and not panel.summary.isHidden(), timeout=15_000)
    assert not [text for text in shown if "finished" in text], shown
    assert not [title for title in titles if "%" in title], titles
    panel.shutdown()


def test_start_is_refused_while_another_window_runs_the_event(
    qtbot, make_window, workers, simulator, tmp_path: Path, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    session = _start_session(qtbot, window, workers, simulator, private_dirs)
    panel = window.findChild(EventPanel, "eventPanel")
    booth = tmp_path / "booth"
    booth.mkdir()
    _new_event(qtbot, panel, booth)
    engine = session.engine
    assert engine is not None
    elsewhere = EventRunner(engine, panel.current())  # as another window or process would
    elsewhere.start()
    try:
        panel.start_button.click()
        qtbot.waitUntil(lambda: "already running" in panel.health.text(), timeout=10_000)
        assert not panel.running and panel.start_button.isEnabled()
    finally:
        elsewhere.stop()
    panel.shutdown()


def test_the_event_says_it_waits_for_a_connection_while_offline(
    qtbot, make_window, workers, simulator, tmp_path: Path, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    session = _start_session(qtbot, window, workers, simulator, private_dirs)
    panel = window.findChild(EventPanel, "eventPanel")
    booth = tmp_path / "booth"
    booth.mkdir()
    _new_event(qtbot, panel, booth)
    panel.start_button.click()
    qtbot.waitUntil(lambda: "Watching the folder." in panel.health.text(), timeout=10_000)

    def send(state: ConnectionState) -> None:
        """As the engine does: its listener is called on a worker thread."""
        event = EngineEvent(kind=EventKind.CONNECTION, connection=state)
        thread = threading.Thread(target=session.bridge._on_event, args=(event,))
        thread.start()
        thread.join()

    send(ConnectionState(ConnectionStatus.OFFLINE, message="Can't reach Vimmerse."))
    qtbot.waitUntil(lambda: "Waiting for a connection" in panel.health.text(), timeout=10_000)
    assert "Watching the folder." not in panel.health.text()
    send(ConnectionState())
    qtbot.waitUntil(lambda: "Watching the folder." in panel.health.text(), timeout=10_000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.running, timeout=15_000)
    panel.shutdown()


def test_skipped_files_are_listed_with_their_reasons(
    qtbot, make_window, workers, simulator, photo_factory, tmp_path: Path, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    _start_session(qtbot, window, workers, simulator, private_dirs)
    panel = window.findChild(EventPanel, "eventPanel")
    booth = tmp_path / "booth"
    booth.mkdir()
    _new_event(qtbot, panel, booth)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.running, timeout=10_000)
    photo_factory(booth / "IMG_7.JPG", (640, 480), "#e74c3c")
    (booth / "IMG_7.CR2").write_bytes(b"raw data" * 100)
    (booth / "IMG_8.NEF").write_bytes(b"raw data" * 50)
    qtbot.waitUntil(lambda: panel.counters["done"].text() == "1", timeout=30_000)
    (booth / "again.jpg").write_bytes((booth / "IMG_7.JPG").read_bytes())
    qtbot.waitUntil(lambda: panel.counters["skipped"].text() == "3", timeout=30_000)
    qtbot.waitUntil(lambda: "IMG_8.NEF" in panel.counters["skipped"].toolTip(), timeout=10_000)
    tip = panel.counters["skipped"].toolTip()
    assert f"IMG_7.CR2: {RAW_TWIN_NOTE}" in tip and "again.jpg: " in tip
    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.running and not panel.summary.isHidden(), timeout=15_000)
    text = panel.summary.text()
    assert f"IMG_7.CR2: {RAW_TWIN_NOTE}" in text
    assert f"IMG_8.NEF: {RAW_MESSAGE}" in text
    assert "again.jpg: A copy of" in text or "again.jpg: Already made" in text, text
    assert "IMG_8.NEF" in panel.summary.toolTip()
    panel.shutdown()


def test_existing_photos_question_words(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    box, send, _skip = existing_question(parent, 1, "/photos/booth")
    assert send.text() == "Make it too"
    assert box.text() == "The folder already holds 1 photo. Make it too?"
    first, second = box.informativeText().split("\n")
    assert first == "Photos that arrive from now on are always made."
    assert second == "Folder: “/photos/booth”"  # never a bare path opening a line
    box.deleteLater()
    box, send, _skip = existing_question(parent, 12, "/photos/booth")
    assert send.text() == "Make them too" and "12 photos. Make them too?" in box.text()
    box.deleteLater()


def test_the_new_event_dialog_closes_the_gap_of_its_error_line(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = EventEditor()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.problem.isVisible()
    with_error = dialog.height()
    dialog.findChild(QLineEdit, "eventName").setText("Wedding")
    dialog.findChild(QLineEdit, "eventFolder").setText(str(tmp_path))
    qtbot.waitUntil(lambda: not dialog.problem.isVisible(), timeout=5_000)
    assert dialog.height() < with_error
    assert dialog.height() == dialog.sizeHint().height()


def test_the_latest_result_caption_sits_right_under_the_picture(qtbot) -> None:  # type: ignore[no-untyped-def]
    latest = LatestImage()
    qtbot.addWidget(latest)
    latest.resize(400, 700)
    image = QImage(400, 200, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    latest.setPixmap(QPixmap.fromImage(image))
    latest.setCaption("guest_1")
    picture, caption = latest.placement()
    assert caption.top() == picture.bottom() + 1
    assert picture.width() == 400 and caption.height() > 0
    # The block is centred: not the picture in the middle and the caption at the very bottom.
    assert caption.bottom() < latest.height() - 200
    latest.show()
    qtbot.waitExposed(latest)
    latest.grab()  # paints without error
