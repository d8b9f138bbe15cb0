"""What a newcomer hit (issue 12), driven the way they drove it: demo, key, quitting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.ui.app import AppController
from app.ui.dialogs.key_dialog import KeyDialog
from app.ui.fit import needed_height


@pytest.fixture
def demo_app(qtbot, private_dirs: Path) -> Iterator[AppController]:  # type: ignore[no-untyped-def]
    """The app as `vimbatch --demo` starts it, its demo session up; shut down after."""
    controller = AppController(
        demo=True, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=False
    )
    window = controller.window
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    controller.start()
    qtbot.waitUntil(
        lambda: window.session is not None and window.session.bridge is not None, timeout=15_000
    )
    try:
        yield controller
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()


def _key_dialog(qtbot, controller: AppController) -> KeyDialog:  # type: ignore[no-untyped-def]
    window = controller.window
    qtbot.mouseClick(window.demo_banner.key_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(KeyDialog, "keyDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def test_a_key_typed_in_the_demo_is_checked_with_the_real_service(
    qtbot, sim_factory, monkeypatch, private_dirs, memory_keyring
) -> None:
    # The "real" service: a simulator that knows one key, reached as VIMBATCH_BASE_URL says.
    service = sim_factory(valid_keys=frozenset({"good-key"}))
    monkeypatch.setenv("VIMBATCH_BASE_URL", service.base_url)
    controller = AppController(
        demo=True, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=False
    )
    window = controller.window
    qtbot.addWidget(window)
    window.show()
    try:
        controller.start()
        qtbot.waitUntil(
            lambda: window.session is not None and window.session.bridge is not None,
            timeout=15_000,
        )
        demo_session = window.session
        assert controller.simulator is not None
        demo_requests = len(controller.simulator.requests)

        dialog = _key_dialog(qtbot, controller)
        # Before anything happens, the dialog says what leaving the demo means.
        assert "leaves the demo" in dialog.intro.text()
        assert "starts empty" in dialog.intro.text()
        qtbot.keyClicks(dialog.key_edit, "abc")
        with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert checked.args == [False]
        assert "checked and saved" not in window.status_text.text()
        assert dialog.isVisible() and dialog.status.isVisible()
        assert "key" in dialog.status.text().lower()
        assert memory_keyring.secrets == {}
        assert window.session is demo_session and window.demo
        # The check went to the service, not to the demo's simulator.
        assert [r.api_key for r in service.requests] == ["abc"]
        assert all(r.api_key != "abc" for r in controller.simulator.requests[demo_requests:])

        dialog.key_edit.clear()
        qtbot.keyClicks(dialog.key_edit, "good-key")
        with qtbot.waitSignal(dialog.accepted, timeout=10_000):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        # Never a silent switch: the window says what became of the demo and its jobs.
        assert not window.demo and not window.demo_banner.isVisible()
        assert window.info_bar.isVisible()
        text = window.info_bar.label.text()
        assert "left the demo" in text and "stay in the demo" in text
        assert window.session is not demo_session and not window.session.demo
        assert Path(window.session.data_dir) == private_dirs
        assert window.session.base_url == service.base_url
        qtbot.waitUntil(lambda: window.session.bridge is not None, timeout=10_000)
        assert window.job_list.model.rowCount() == 0
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()


def assert_nothing_clipped(dialog) -> None:  # type: ignore[no-untyped-def]
    """Every visible wrapped label gets the height its text needs, and no two overlap."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QLabel

    labels = [
        label
        for label in dialog.findChildren(QLabel)
        if label.isVisibleTo(dialog) and label.wordWrap() and label.text()
    ]
    assert labels
    rects: list[tuple[QLabel, QRect]] = []
    for label in labels:
        needed = label.heightForWidth(label.width())
        assert label.height() >= needed, (label.objectName(), label.height(), needed)
        rect = QRect(label.mapTo(dialog, label.rect().topLeft()), label.size())
        assert dialog.rect().contains(rect), (label.objectName(), rect, dialog.rect())
        for other, other_rect in rects:
            assert not rect.intersects(other_rect), (label.objectName(), other.objectName())
        rects.append((label, rect))


def test_the_key_dialog_says_one_thing_and_never_overlaps(qtbot, workers, sim_factory) -> None:
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    from app.engine import keys

    keyring.set_keyring(NullKeyring())
    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    dialog = KeyDialog(workers.io, sim.base_url, welcome=False, leaving_demo=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.key_edit.setText("wrong-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.height() >= needed_height(dialog), timeout=2000)
    assert_nothing_clipped(dialog)
    dialog.key_edit.setText("good-key")
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.save_button.click()
    try:
        assert not dialog.status.isVisibleTo(dialog)
        assert "only until you quit" in dialog.note.text()
        assert "password store, never in a file" not in dialog.note.text()
        for width in (dialog.minimumWidth(), 700, 1100):
            dialog.resize(width, 10)  # as small as the window manager allows
            qtbot.wait(20)
            qtbot.waitUntil(lambda: dialog.height() >= needed_height(dialog), timeout=2000)
            assert_nothing_clipped(dialog)
    finally:
        keys.clear_key()


def _start_app(data: Path, *args: str):  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        VIMBATCH_DATA_DIR=str(data),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONUNBUFFERED="1",
    )
    env.pop("VIMMERSE_API_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_a_quit_signal_closes_the_window_as_quit_does(tmp_path: Path, signame: str) -> None:
    import signal
    import time

    data = tmp_path / "data"
    process = _start_app(data, "--demo")
    try:
        # The demo's job store appears once the event loop runs the session: by then the
        # signal handling is in place (it is installed before the loop starts).
        deadline = time.monotonic() + 60
        while not (data / "demo" / "jobs.sqlite3").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        assert not (data / "window.ini").exists()
        sent = time.monotonic()
        process.send_signal(getattr(signal, signame))
        out, err = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, (out, err)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # Closed the way Quit closes it: the window's state was saved.
    assert (data / "window.ini").exists()
    assert took < 15, took


def test_signals_reach_the_gui_thread_as_calls_not_keyboard_interrupts(qtbot) -> None:
    import os
    import signal

    from app.ui.quit_signals import QuitOnSignal

    calls: list[bool] = []
    before = signal.getsignal(signal.SIGINT)
    handler = QuitOnSignal(calls.append)
    try:
        os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt without it
        qtbot.waitUntil(lambda: calls == [False], timeout=5000)
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: calls == [False, True], timeout=5000)
    finally:
        handler.uninstall()
        handler.deleteLater()
    assert signal.getsignal(signal.SIGINT) is before


def test_a_second_signal_quits_without_waiting_for_an_answer(
    qtbot, demo_app: AppController, photo_dir: Path
) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    window = demo_app.window
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    asked: list[int] = []

    def ask(_w: object, n: int) -> bool:
        # The real question is modal: show one, as the user would see it, and say "Keep them".
        box = QMessageBox(window)
        box.setText("Quit anyway?")
        box.open()
        asked.append(n)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is box, timeout=5000)
        demo_app.quit_by_signal(True)  # the second signal arrives while it is open
        qtbot.waitUntil(lambda: not box.isVisible(), timeout=5000)
        return False

    window.ask_unsent = ask
    demo_app.quit_by_signal(False)  # first signal: asks, like Quit (photos not sent yet)
    assert asked == [4]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert asked == [4]  # the forced close asked nothing more
    assert (Path(window.data_dir) / "window.ini").exists()


def test_settings_show_the_whole_reason_and_ok_says_why_nothing_was_saved(
    qtbot, tmp_path: Path
) -> None:
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.dialogs.settings_dialog import SettingsDialog
    from app.ui.settings import NAME_PATTERN, AppSettings

    settings = AppSettings.open(tmp_path)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.resize(dialog.minimumSize())  # the smallest the user can make it
    qtbot.waitUntil(lambda: dialog.size() == dialog.minimumSize(), timeout=2000)
    pattern = dialog.editors[NAME_PATTERN.key]
    pattern.selectAll()
    qtbot.keyClicks(pattern, "{foo}/{n}")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and settings.value(NAME_PATTERN) != "{foo}/{n}"
    # OK said why nothing happened, next to the buttons.
    assert dialog.refusal.isVisible() and "Nothing was saved" in dialog.refusal.text()
    assert "File names" in dialog.refusal.text()
    problem = dialog.problems[NAME_PATTERN.key]
    reason = problem.text()
    assert "{foo}" in reason and reason.rstrip().endswith("{folder}.")
    # The whole reason shows: every line of it, inside the visible part of the sections.
    viewport = dialog.sections.viewport()

    def reason_in_view() -> bool:
        top_left = problem.mapTo(viewport, QPoint(0, 0))
        return viewport.rect().contains(QRect(top_left, problem.size()))

    qtbot.waitUntil(reason_in_view, timeout=2000)
    assert problem.height() >= problem.heightForWidth(problem.width())
    assert problem.width() >= pattern.width() * 0.9  # wrapped across the field, not a sliver
    assert dialog.focusWidget() is pattern
    # The buttons stay in view at this size.
    for button in dialog.buttons.buttons():
        top_left = button.mapTo(dialog, QPoint(0, 0))
        assert dialog.rect().contains(QRect(top_left, button.size()))
    # Fixing it clears the refusal; OK then stores.
    pattern.setText("{stem}-{n}.{ext}")
    assert not dialog.refusal.isVisible()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and settings.value(NAME_PATTERN) == "{stem}-{n}.{ext}"


def test_the_save_folder_dialog_starts_somewhere_real(tmp_path: Path) -> None:
    from app.ui.folder_choice import StartFolder, start_folder

    default = tmp_path / "Pictures" / "Vimmerse"
    # The default is made when it is where the dialog starts: *Choose* works at once.
    assert start_folder(str(default), str(default)) == StartFolder(str(default))
    assert default.is_dir()
    assert start_folder("", str(tmp_path / "other" / "Vimmerse")).folder.endswith("Vimmerse")
    # Any other missing folder: the nearest one that exists, the missing name suggested.
    gone = tmp_path / "usb" / "Shoot 2026" / "Results"
    assert start_folder(str(gone), str(default)) == StartFolder(str(tmp_path), "usb")
    assert not (tmp_path / "usb").exists()


def test_the_folder_dialog_takes_a_new_folder_name(qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

    from app.ui.folder_choice import FolderDialog, StartFolder

    (tmp_path / "Existing").mkdir()
    dialog = FolderDialog(None, "Save results in", StartFolder(str(tmp_path), "Vimmerse"))
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    choose = dialog.findChild(QDialogButtonBox, "buttonBox").button(
        QDialogButtonBox.StandardButton.Open
    )
    assert edit.text() == "Vimmerse"
    assert choose.isEnabled()  # the suggested folder does not exist yet: still choosable
    edit.selectAll()  # the user types over the suggestion
    qtbot.keyClicks(edit, "Wedding 2026")
    assert edit.text() == "Wedding 2026"
    assert choose.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    assert dialog.chosen() == str(tmp_path / "Wedding 2026")
    assert not (tmp_path / "Wedding 2026").exists()  # made by the engine when it saves

    again = FolderDialog(None, "Save results in", StartFolder(str(tmp_path)))
    qtbot.addWidget(again)
    again.open()
    qtbot.waitExposed(again)
    edit = again.findChild(QLineEdit, "fileNameEdit")
    edit.setText("Existing")
    with qtbot.waitSignal(again.accepted, timeout=2000):
        again.accept()
    assert again.chosen() == str(tmp_path / "Existing")


def test_settings_choose_opens_where_the_folder_is_or_nearest(
    qtbot, tmp_path: Path, workers
) -> None:
    from app.ui.dialogs.settings_dialog import SettingsDialog
    from app.ui.folder_choice import StartFolder
    from app.ui.settings import DOWNLOAD_FOLDER, AppSettings

    dialog = SettingsDialog(AppSettings.open(tmp_path / "data"), runner=workers.io)
    qtbot.addWidget(dialog)
    starts: list[StartFolder] = []
    dialog.choose_folder = lambda start: starts.append(start) or str(tmp_path / "picked")
    editor = dialog.editors[DOWNLOAD_FOLDER.key]
    editor.setText(str(tmp_path / "missing" / "deeper"))
    browse = dialog.findChild(QPushButton, f"browse-{DOWNLOAD_FOLDER.key}")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.text() == str(tmp_path / "picked"), timeout=5000)
    assert starts == [StartFolder(str(tmp_path), "missing")]


def test_a_demo_batch_quit_midway_finishes_after_a_restart(
    qtbot, private_dirs: Path, tmp_path: Path, monkeypatch
) -> None:
    """The newcomer's path: demo, sample photos, Create, quit while they are being made, start
    again: every photo finishes, results preview and save (nothing "no longer" on Vimmerse)."""
    from app.engine.model import ItemState
    from app.ui import demo
    from app.ui.results.model import ResultRole

    # Quick demo workflows, still long enough to quit in the middle.
    monkeypatch.setattr(demo.start_simulator, "__defaults__", (None, 3.0))

    def run_app() -> AppController:
        controller = AppController(
            demo=True, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=False
        )
        qtbot.addWidget(controller.window)
        controller.window.show()
        controller.start()
        qtbot.waitUntil(
            lambda: (
                controller.window.session is not None
                and controller.window.session.bridge is not None
            ),
            timeout=15_000,
        )
        return controller

    def quit_app(controller: AppController) -> None:
        controller.window.ask_quit = lambda _w, _n: True
        assert controller.window.close()
        controller.shutdown()

    first = run_app()
    try:
        window = first.window
        with qtbot.waitSignal(window.photos.intake_finished, timeout=15_000):
            window.photo_area.samples_button.click()
        count = window.photos.rowCount()
        window.confirm = lambda _dialog: True
        with qtbot.waitSignal(window.batch_created, timeout=15_000):
            window.create_workflows()
        engine = window.session.engine
        qtbot.waitUntil(
            lambda: all(i.state.is_remote for i in engine.items()) and len(engine.items()) == count,
            timeout=30_000,
        )
    finally:
        quit_app(first)

    second = run_app()
    try:
        window = second.window
        engine = window.session.engine
        qtbot.waitUntil(
            lambda: [i.state for i in engine.items()] == [ItemState.SUCCEEDED] * count,
            timeout=60_000,
        )
        assert all(i.error is None for i in engine.items())
        panel = window.results_panel
        window.show_results()
        qtbot.waitUntil(lambda: panel.model.rowCount() == count, timeout=15_000)
        model = panel.model
        qtbot.waitUntil(
            lambda: all(model.index(r).data(ResultRole.PREVIEW) is not None for r in range(3)),
            timeout=30_000,
        )
        out = tmp_path / "saved"
        panel.choose_folder = lambda _start: str(out)
        with qtbot.waitSignal(panel.saving.saved, timeout=30_000) as saved:
            panel.save_all()
        assert saved.args[0].count == count and not saved.args[0].problems
        assert len(list(out.glob("*.jpg"))) == count
    finally:
        quit_app(second)


def test_a_quit_signal_asks_nothing_once_every_photo_is_on_vimmerse(
    qtbot, demo_app: AppController
) -> None:
    """Every photo sent ("being made"): nothing is at risk, so the signal closes without asking
    (the engine follows them again at the next start)."""
    window = demo_app.window
    with qtbot.waitSignal(window.photos.intake_finished, timeout=15_000):
        window.photo_area.samples_button.click()
    count = window.photos.rowCount()
    window.confirm = lambda _dialog: True
    with qtbot.waitSignal(window.batch_created, timeout=15_000):
        window.create_workflows()
    engine = window.session.engine
    qtbot.waitUntil(
        lambda: len(engine.items()) == count and all(i.state.is_remote for i in engine.items()),
        timeout=30_000,
    )
    model = window.job_list.model
    qtbot.waitUntil(lambda: model.not_sent_count() == 0 and model.unfinished_count() == count)
    asked: list[int] = []
    window.ask_quit = lambda _w, n: asked.append(n) or False
    demo_app.quit_by_signal(False)
    assert asked == []
    assert not window.isVisible()
    assert (Path(window.data_dir) / "window.ini").exists()


def test_an_unanswered_quit_signal_question_does_not_block_forever(
    qtbot, demo_app: AppController, photo_dir: Path
) -> None:
    """Photos not sent yet: the signal asks, but nobody may be there (logout): after a while
    the app quits anyway, as after a second signal."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    window = demo_app.window
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    asked: list[int] = []

    def ask(_w: object, n: int) -> bool:
        asked.append(n)
        box = QMessageBox(window)
        box.setText("Quit anyway?")
        keep = box.addButton("Keep them", QMessageBox.ButtonRole.RejectRole)
        # Nobody answers. (The test's own guard ends it, failing, if the app waits for ever.)
        guard = QTimer(box)
        guard.setSingleShot(True)
        guard.timeout.connect(box.reject)
        guard.start(10_000)
        box.exec()
        guard.stop()
        return box.clickedButton() is not keep and box.clickedButton() is not None

    window.ask_unsent = ask
    demo_app.signal_answer_ms = 300
    demo_app.quit_by_signal(False)
    assert asked == [4]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert asked == [4]


def test_a_demo_user_who_starts_again_is_back_in_the_demo(
    qtbot, private_dirs: Path, memory_keyring
) -> None:
    """No key stored, the demo chosen in the Welcome dialog: the next start (as the desktop
    entry starts it, no flags) reopens the demo, not the Welcome dialog over an empty list."""

    def start() -> AppController:
        controller = AppController(
            demo=False, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=False
        )
        qtbot.addWidget(controller.window)
        controller.window.show()
        controller.start()
        return controller

    def stop(controller: AppController) -> None:
        controller.window.ask_quit = lambda _w, _n: True
        controller.window.close()
        controller.shutdown()

    first = start()
    try:
        welcome = None

        def welcomed() -> bool:
            nonlocal welcome
            welcome = first.window.findChild(KeyDialog, "welcomeDialog")
            return welcome is not None and welcome.isVisible()

        qtbot.waitUntil(welcomed, timeout=15_000)
        assert welcome is not None and welcome.demo_button is not None
        welcome.demo_button.click()
        qtbot.waitUntil(
            lambda: first.window.session is not None and first.window.session.demo,
            timeout=15_000,
        )
    finally:
        stop(first)
    second = start()
    try:
        qtbot.waitUntil(
            lambda: second.window.session is not None and second.window.session.demo,
            timeout=15_000,
        )
        assert second.window.findChild(KeyDialog, "welcomeDialog") is None
    finally:
        stop(second)
