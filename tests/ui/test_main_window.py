"""The main window end to end: real drops, real intake, the real engine on the simulator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QWidget

from app.api import Visibility
from app.engine.model import ItemState
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.image_grid import ProblemRole
from app.ui.main_window import DEFAULT_SIZE, first_size
from app.ui.session import Session


def _drop(widget, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


def test_window_has_the_named_parts_and_default_size(make_window) -> None:
    window = make_window()
    assert window.objectName() == "MainWindow"
    # 1280×800, or less on a smaller screen (the offscreen one is 800×800): never past its edge.
    assert QSize(1280, 800) == DEFAULT_SIZE
    assert window.size() == first_size(window.screen().availableGeometry().size())
    for name in ("imageGrid", "templatePicker", "visibilityPicker", "createButton", "jobList"):
        assert window.findChild(object, name) is not None, name
    create = window.findChild(QPushButton, "createButton")
    assert create.text() == "Create 0 results" and not create.isEnabled()
    assert window.photo_area.currentWidget() is window.photo_area.empty


def test_drop_adds_photos_and_bad_file_shows_its_badge(qtbot, make_window, photo_dir) -> None:
    window = make_window()
    window.show()
    files = sorted(photo_dir.iterdir())
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        _drop(window, files)
    model = window.photos
    assert model.rowCount() == 5
    problems = {model.photo(r).path.name: model.data(model.index(r), ProblemRole) for r in range(5)}
    assert problems["broken.jpg"] and all(
        v is None for k, v in problems.items() if k != "broken.jpg"
    )
    assert (
        "5 photos" in window.count_label.text() and "1 cannot be used" in window.count_label.text()
    )
    assert window.photo_area.currentWidget() is window.grid
    # Delete removes the selection (the grid has focus), the count follows.
    window.grid.setFocus()
    window.grid.setCurrentIndex(model.index(0))
    window.grid.selectionModel().select(
        model.index(0), window.grid.selectionModel().SelectionFlag.Select
    )
    qtbot.keyClick(window.grid, Qt.Key.Key_Delete)
    assert model.rowCount() == 4


def test_settings_remembered_with_geometry(qtbot, make_window, private_dirs) -> None:
    window = make_window()
    window.settings_panel.template_picker.set_template_id("vim_arctic")
    window.settings_panel.visibility_picker.set_visibility(Visibility.PRIVATE)
    window.show()
    # The offscreen screen is 800×600 and restoring clamps to it: the height tells.
    window.resize(window.minimumSizeHint().width(), 560)
    window.main_splitter.setSizes([500, 400])
    qtbot.waitUntil(lambda: window.height() == 560)
    window.save_state()
    again = make_window()
    again.show()
    assert again.settings_panel.template_picker.template_id() == "vim_arctic"
    assert again.settings_panel.visibility_picker.visibility() is Visibility.PRIVATE
    assert again.height() == 560
    assert again.main_splitter.sizes()[1] == window.main_splitter.sizes()[1]


def test_end_to_end_on_the_simulator(
    qtbot, make_window, workers, simulator, photo_dir, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    session = Session(workers, key="test-key", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])

    panel = window.settings_panel
    panel.template_picker.set_template_id("vim_instagramframeescape_0226")
    ratio = window.findChild(QComboBox, "option_aspect_ratio")
    ratio.setCurrentIndex(ratio.findData("9:16"))
    window.findChild(QLineEdit, "option_user_name").setText("Ada")
    panel.visibility_picker.set_visibility(Visibility.PUBLIC)
    panel.title_pattern.setText("Party {stem}")
    panel.description.setText("Office party")

    create = window.findChild(QPushButton, "createButton")
    assert create.isEnabled() and create.text() == "Create 4 results"
    seen: list[str] = []

    def confirm(dialog: ConfirmCreateDialog) -> bool:
        seen.append(dialog.findChild(object, "confirmFacts").text())
        skipped = dialog.findChild(object, "skippedList")
        seen.append(skipped.toPlainText().splitlines()[0])
        return True

    window.confirm = confirm
    with qtbot.waitSignal(window.batch_created, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Instagram Frame Escape" in seen[0] and "Public" in seen[0]
    assert seen[1].startswith("broken.jpg — ")
    assert window.photos.rowCount() == 1  # only the photo that cannot be used stays

    engine = session.engine
    assert engine is not None
    qtbot.waitUntil(
        lambda: [i.state for i in engine.items()] == [ItemState.SUCCEEDED] * 4, timeout=30_000
    )
    creates = [r for r in simulator.requests if r.method == "POST" and r.path == "/workflow"]
    assert len(creates) == 4
    sent = {}
    for request in creates:
        fields = dict(request.fields)
        assert fields["template_id"] == "vim_instagramframeescape_0226"
        assert json.loads(fields["options"]) == {
            "aspect_ratio": "9:16",
            "user_name": "Ada",
            "job_description": "businessman",
        }
        assert fields["visibility_status"] == "2"
        assert fields["description"] == "Office party"
        assert fields["event_id"] == "no_event"
        assert len(request.files) == 1
        sent[fields["title"]] = request.files[0].sha256
    expected = {
        f"Party {p.stem}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(photo_dir.glob("photo_*.jpg"))
    }
    assert sent == expected
    # The job list shows the batch.
    job_list = window.findChild(object, "jobList")
    qtbot.waitUntil(lambda: job_list.model().rowCount() == 4, timeout=10_000)


def test_demo_start_shows_banner_and_runs_on_the_simulator(qtbot, private_dirs) -> None:
    from app.ui.app import AppController

    controller = AppController(
        demo=True, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=False
    )
    window = controller.window
    qtbot.addWidget(window)
    try:
        controller.start()
        assert window.demo_banner.isVisibleTo(window)
        assert "nothing is sent to Vimmerse" in window.demo_banner.label.text()
        # The simulator starts on a worker; the session follows once it is up.
        qtbot.waitUntil(
            lambda: window.session is not None and window.session.bridge is not None, timeout=10_000
        )
        assert controller.simulator is not None
        # Keys are still checked with the real service, never with the demo's simulator.
        assert window.base_url == controller.real_base_url != controller.simulator.base_url
        assert window.session.base_url == controller.simulator.base_url
        # Demo jobs live in their own store, never mixed with real ones.
        assert Path(window.session.data_dir) == private_dirs / "demo"
        with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
            window.photo_area.samples_button.click()
        assert window.photos.rowCount() == 8 and window.photos.problem_count() == 0
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()
    assert controller.simulator is None and controller.workers.io.pool.activeThreadCount() == 0


def test_quitting_with_work_in_flight_asks_first(
    qtbot, make_window, workers, sim_factory, photo_dir, private_dirs
) -> None:
    sim = sim_factory(processing_time=30.0)
    window = make_window(base_url=sim.base_url)
    session = Session(workers, key="k", base_url=sim.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    window.confirm = lambda _d: True
    with qtbot.waitSignal(window.batch_created, timeout=10_000):
        window.create_workflows()
    asked: list[int] = []
    window.ask_quit = lambda _w, n: asked.append(n) or False
    window.show()
    qtbot.waitUntil(lambda: window.job_list.model.unfinished_count() == 4, timeout=10_000)
    # Closing counts from the job list's memory: the store is not read on the GUI thread.
    engine = session.engine
    assert engine is not None
    store_reads: list[str] = []
    real_items = engine.items
    engine.items = lambda *a, **k: store_reads.append("items") or real_items(*a, **k)  # type: ignore[method-assign]
    assert not window.close()  # the user chose "Keep working"
    assert asked == [4] and window.isVisible()
    assert store_reads == []
    window.ask_quit = lambda _w, n: True
    assert window.close()


def test_results_in_the_window_rating_reaches_the_server_and_settings_apply(
    qtbot, make_window, workers, simulator, photo_dir, private_dirs, tmp_path
) -> None:
    from app.ui.dialogs.settings_dialog import SettingsDialog
    from app.ui.results.model import ResultRole
    from app.ui.settings import (
        AUTO_DOWNLOAD,
        DOWNLOAD_FOLDER,
        ERROR_REPORTS,
        NAME_PATTERN,
        STRIP_GPS,
        UPLOAD_CONCURRENCY,
    )

    window = make_window(base_url=simulator.base_url)
    window.show()
    settings = window.settings
    out = tmp_path / "saved"
    settings.set_value(DOWNLOAD_FOLDER, str(out))
    settings.set_value(AUTO_DOWNLOAD, True)
    settings.set_value(NAME_PATTERN, "{stem}-done.{ext}")
    settings.set_value(STRIP_GPS, False)
    settings.set_value(UPLOAD_CONCURRENCY, 2)
    settings.set_value(ERROR_REPORTS, False)
    session = Session(workers, key="k", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    engine = session.engine
    assert engine is not None and engine.error_reports is False
    # A change while running reaches the engine too.
    settings.set_value(ERROR_REPORTS, True)
    qtbot.waitUntil(lambda: engine.error_reports is True, timeout=5000)

    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    assert window.right_tabs.currentWidget() is window.batch_page
    assert window.job_list.summary.label.text() == (
        "Nothing sent yet: press “Create 4 results” to start."
    )
    window.confirm = lambda _dialog: True
    with qtbot.waitSignal(window.batch_created, timeout=10_000) as created:
        window.create_workflows()
    batch = engine.store.settings(created.args[0])
    assert (batch.download_dir, batch.name_pattern, batch.strip_gps) == (
        str(out), "{stem}-done.{ext}", False,
    )  # fmt: skip
    qtbot.waitUntil(
        lambda: [i.state for i in engine.items()] == [ItemState.SUCCEEDED] * 4, timeout=30_000
    )
    assert sorted(p.name for p in out.iterdir()) == [f"photo_{i}-done.jpg" for i in range(4)]

    # The window's own results panel shows them; choosing a finished job brings it forward.
    panel = window.results_panel
    assert window.right_tabs.indexOf(panel) >= 0
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4, timeout=10_000)
    jobs = window.job_list
    qtbot.waitUntil(lambda: jobs.view.model().rowCount() == 4, timeout=5000)
    jobs.view.selectionModel().select(
        jobs.view.model().index(1, 0), jobs.view.selectionModel().SelectionFlag.ClearAndSelect
    )
    assert window.right_tabs.currentWidget() is panel
    assert panel.model.rowCount() == 1
    chosen = panel.model.index(0).data(ResultRole.ITEM)
    panel.select_tile(0)
    panel.rating.choose(5)
    qtbot.waitUntil(
        lambda: (
            panel.model.items[chosen.id].rating == "5"
            and not panel.model.items[chosen.id].pending_update
        ),
        timeout=10_000,
    )
    puts = [r for r in simulator.requests if r.method == "PUT"]
    assert [(r.path, r.json) for r in puts] == [
        (f"/workflow/{chosen.workflow_id}", {"rating": "5"})
    ]
    assert simulator.workflows[chosen.workflow_id]["rating"] == "5"

    # Settings… opens the dialog on the same settings.
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.edited_value(UPLOAD_CONCURRENCY) == 2
    dialog.reject()
    window.set_session(None)
    assert panel.engine is None
    session.shutdown()  # the window let go of it: its engine (and scheduler thread) stop here


def test_the_app_icon_comes_from_the_packaged_icons(qtbot) -> None:
    from app.ui.app import app_icon

    icon = app_icon()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 256} <= sizes
    assert not icon.pixmap(64).toImage().isNull()


def test_fits_an_800_px_wide_screen_with_a_big_mixed_batch(qtbot, make_window, photo_dir) -> None:
    from test_job_list import make_batch, mixed_items

    window = make_window()
    window.show()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    jobs = window.job_list
    jobs.bridge = object()  # only "connected" matters to the summary
    try:
        jobs._loaded(mixed_items(4800), [make_batch(1, "credit", "Out of credit")])
        jobs.model.flush()
        window.info_bar.show_message("1 photo was already in the list and was skipped.")
        for tab in (window.batch_page, window.results_panel):
            window.right_tabs.setCurrentWidget(tab)
            window.centralWidget().layout().activate()
            assert window.minimumSizeHint().width() <= 800, tab.objectName()
        window.resize(800, 600)
        qtbot.waitUntil(lambda: window.width() == 800)
        # Every tab still reachable and the summary still there, wrapped if need be.
        assert "2,800" in jobs.tabs.tabText(1) or "2800" in jobs.tabs.tabText(1)
        assert jobs.summary.label.isVisible() and jobs.summary.label.width() > 100
    finally:
        jobs.bridge = None


def test_with_jobs_and_no_photos_the_drop_area_is_one_line_and_the_jobs_get_the_room(
    qtbot, make_window, photo_dir
) -> None:
    from test_job_list import make_batch, mixed_items

    window = make_window()
    window.show()
    area = window.photo_area
    qtbot.waitExposed(window)
    # First start, no jobs: the big invitation, with the sample photos.
    assert area.currentWidget() is area.empty and area.samples_button.isVisibleTo(area)
    jobs = window.job_list
    jobs.bridge = object()  # only "connected" matters to the summary
    try:
        jobs._loaded(mixed_items(40), [make_batch(1)])
        jobs.model.flush()
        qtbot.waitUntil(lambda: area.currentWidget() is area.strip)
        window.centralWidget().layout().activate()
        photos, job_pane = window.left_splitter.sizes()
        assert area.height() < 60 and photos < 100 and job_pane > 5 * photos
        assert not window.add_photos_button.isVisible()  # the strip has its own
        assert area.strip_samples_button.isVisible()  # nothing was added in this window yet
        for name in ("stripAddPhotos", "stripAddFolder", "dropStripText"):
            assert area.strip.findChild(QWidget, name).isVisible(), name

        # Drops still work anywhere: here, onto the job list.
        with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
            _drop(jobs.view, [photo_dir / "photo_0.jpg"])
        assert area.currentWidget() is window.grid
        assert window.add_photos_button.isVisible()
        assert window.left_splitter.sizes()[0] > 250  # room for the grid again
        window.photos.clear()
        qtbot.waitUntil(lambda: area.currentWidget() is area.strip)
        assert not area.strip_samples_button.isVisible()  # photos were added once
    finally:
        jobs.bridge = None


def test_remove_key_says_when_the_environment_still_holds_one(
    qtbot, make_window, memory_keyring, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.engine import keys

    memory_keyring.secrets[(keys.SERVICE, keys.ACCOUNT)] = "stored-key"
    monkeypatch.setenv(keys.KEY_ENV, "env-key")
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    window = make_window()
    with qtbot.waitSignal(window.key_removed, timeout=5000):
        window.remove_key()
    assert (keys.SERVICE, keys.ACCOUNT) not in memory_keyring.secrets
    status = window.status_text.text()
    assert keys.KEY_ENV in status and "next time" in status


def test_remove_key_without_environment_key_says_it_is_gone(
    qtbot, make_window, memory_keyring, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.engine import keys

    memory_keyring.secrets[(keys.SERVICE, keys.ACCOUNT)] = "stored-key"
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    window = make_window()
    with qtbot.waitSignal(window.key_removed, timeout=5000):
        window.remove_key()
    assert memory_keyring.secrets == {}
    assert window.status_text.text() == "The API key was removed from this computer."


def test_the_keyring_is_only_used_off_the_gui_thread(
    qtbot, memory_keyring, monkeypatch, sim_factory
) -> None:
    import threading

    from PySide6.QtWidgets import QMessageBox

    from app.engine import keys
    from app.ui.app import AppController

    sim = sim_factory()
    calls: list[tuple[str, bool]] = []
    for name in ("get_password", "set_password", "delete_password"):
        real = getattr(memory_keyring, name)

        def spy(*args, _real=real, _name=name):  # type: ignore[no-untyped-def]
            calls.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(*args)

        monkeypatch.setattr(memory_keyring, name, spy)
    memory_keyring.secrets[(keys.SERVICE, keys.ACCOUNT)] = "stored-key"
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    controller = AppController(
        demo=False, demo_if_no_key=False, base_url=sim.base_url, data_dir=None, error_reports=False
    )
    window = controller.window
    qtbot.addWidget(window)
    try:
        controller.start()  # reads the stored key
        qtbot.waitUntil(lambda: window.session is not None, timeout=10_000)
        assert window.session.key == "stored-key"
        with qtbot.waitSignal(window.key_removed, timeout=5000):
            window.remove_key()
        dialog = window.open_key_dialog()
        dialog.key_edit.setText("new-key")
        with qtbot.waitSignal(dialog.accepted, timeout=10_000):
            dialog.save_button.click()
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()
    names = {name for name, _ in calls}
    assert {"get_password", "set_password", "delete_password"} <= names
    assert not any(on_gui for _, on_gui in calls), calls


def test_quitting_with_photos_not_sent_yet_asks_first(qtbot, make_window, photo_dir) -> None:
    window = make_window()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(photo_dir)])
    asked: list[int] = []
    window.ask_unsent = lambda _w, n: asked.append(n) or False
    window.show()
    assert not window.close()  # "Keep them"
    assert asked == [4] and window.isVisible()  # the broken file would not be sent anyway
    assert window.photos.rowCount() == 5
    window.ask_unsent = lambda _w, n: asked.append(n) or True
    assert window.close()
    assert asked == [4, 4]


def test_leaving_the_demo_stops_its_engine_in_the_background(qtbot, sim_factory) -> None:
    from app.ui.app import AppController

    sim = sim_factory()
    controller = AppController(
        demo=True, demo_if_no_key=False, base_url=sim.base_url, data_dir=None, error_reports=False
    )
    window = controller.window
    qtbot.addWidget(window)
    try:
        controller.start()
        qtbot.waitUntil(
            lambda: window.session is not None and window.session.bridge is not None, timeout=10_000
        )
        demo_session = window.session
        window.key_changed.emit("real-key")  # as after "Enter key…" in the demo banner
        # The demo engine stops on a worker; the window says so and is not held up meanwhile.
        assert "Finishing" in window.status_text.text()
        assert window.session is not demo_session and not window.session.demo
        qtbot.waitUntil(lambda: demo_session.wait_stopped(0), timeout=10_000)
        qtbot.waitUntil(lambda: window.status_text.text() == "", timeout=5000)
        qtbot.waitUntil(lambda: window.session.bridge is not None, timeout=10_000)
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()
    assert controller.workers.engine.pool.activeThreadCount() == 0


def test_try_with_sample_photos_adds_the_bundled_samples(qtbot, make_window) -> None:
    from app.ui.demo import sample_photos

    window = make_window()
    window.show()
    button = window.findChild(QPushButton, "samplesButton")
    assert button is not None and button.isVisible()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    names = sorted(window.photos.photo(r).path.name for r in range(window.photos.rowCount()))
    assert names == [p.name for p in sample_photos()] and len(names) >= 8
    assert all(
        window.photos.data(window.photos.index(r), ProblemRole) is None
        for r in range(window.photos.rowCount())
    )
