"""The first-use issue's minor items, driven as a user would: real window, real engine on the
simulator, real clicks and keys (pytest-qt, offscreen)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest
from engine.enginetools import make_jpegs
from PySide6.QtCore import QLocale, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QScrollArea,
    QStyle,
    QStyleFactory,
    QStyleOptionButton,
    QWidget,
)
from test_job_list import make_item

from app import APP_NAME
from app.engine.downloads import result_name
from app.engine.model import DEFAULT_NAME_PATTERN, ItemState
from app.engine.templates import load_catalog
from app.images.photo import Photo
from app.ui import theme
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.dialogs.error_reports_question import ErrorReportsQuestion
from app.ui.jobs.menu import JobAction, build_menu
from app.ui.plural import ntr
from app.ui.session import Session
from app.ui.settings import ERROR_REPORTS, ERROR_REPORTS_ASKED

# --- helpers ---------------------------------------------------------------------------------


class Rig:
    """A shown window with a session on the simulator, and its batches made through Create."""

    def __init__(self, qtbot: Any, window: Any, session: Session, tmp: Path) -> None:
        self.qtbot = qtbot
        self.window = window
        self.session = session
        self.tmp = tmp
        self.batches = 0

    @property
    def engine(self) -> Any:
        return self.session.engine

    def add(self, count: int) -> list[Path]:
        self.batches += 1
        photos = make_jpegs(self.tmp / f"in{self.batches}", count, offset=100 * self.batches)
        with self.qtbot.waitSignal(self.window.photos.intake_finished, timeout=10_000):
            self.window.add_paths([str(p) for p in photos])
        return photos

    def create(self) -> int:
        window = self.window
        window.confirm = lambda _dialog: True
        with self.qtbot.waitSignal(window.batch_created, timeout=10_000) as created:
            self.qtbot.mouseClick(window.create_button, Qt.MouseButton.LeftButton)
        batch = int(created.args[0])
        self.qtbot.waitUntil(
            lambda: all(i.state is ItemState.SUCCEEDED for i in self.engine.items(batch)),
            timeout=30_000,
        )
        # ...and the window has caught up with the engine's events.
        ids = {i.id for i in self.engine.items(batch)}
        known = window.results_panel.all_items
        self.qtbot.waitUntil(
            lambda: all(
                i in known and known[i].state is ItemState.SUCCEEDED and known[i].results
                for i in ids
            ),
            timeout=10_000,
        )
        return batch

    def job_row_rect(self, row: int) -> Any:
        view = self.window.job_list.view
        self.qtbot.waitUntil(lambda: view.model().rowCount() > row, timeout=10_000)
        return view.visualRect(view.model().index(row, 0))


@pytest.fixture
def rig(qtbot, make_window, workers, simulator, private_dirs, tmp_path):  # type: ignore[no-untyped-def]
    window = make_window(base_url=simulator.base_url)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    session = Session(workers, key="test-key", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    return Rig(qtbot, window, session, tmp_path)


def _texts_on_screen(window: QWidget) -> list[str]:
    """Every word a user can read in the window (and its menus) without hovering."""
    texts: list[str] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
    for menu in window.menuBar().findChildren(QWidget):
        texts += [a.text() for a in menu.actions()]
    return texts


# --- window title ------------------------------------------------------------------------------


def test_the_title_names_the_app_once_and_counts_the_work_done(qtbot, make_window) -> None:
    window = make_window(demo=True)
    # Qt appends the application's display name unless the title already ends with it.
    assert window.windowTitle() == f"Demo — {APP_NAME}"
    notifier = window.notifier
    # Four photos each 40 % made, none finished: the title says 40 %, not 0 %.
    for i in range(1, 5):
        notifier.item_changed(make_item(i, ItemState.RUNNING, progress=40, workflow_id=f"w{i}"))
    qtbot.waitUntil(lambda: window.windowTitle() == f"40% — Demo — {APP_NAME}")
    for i in (1, 2):
        notifier.item_changed(make_item(i, ItemState.SUCCEEDED, progress=100))
    qtbot.waitUntil(lambda: window.windowTitle() == f"70% — Demo — {APP_NAME}")
    # Being sent: the title counts what the row shows ("Sending · 90%"), as the rows do.
    notifier.item_changed(make_item(3, ItemState.UPLOADING, progress=90))
    qtbot.waitUntil(lambda: window.windowTitle() == f"82% — Demo — {APP_NAME}")
    for i in (3, 4):
        notifier.item_changed(make_item(i, ItemState.SUCCEEDED, progress=100))
    qtbot.waitUntil(lambda: window.windowTitle() == f"Demo — {APP_NAME}")  # finished
    window.set_demo(False)
    assert window.windowTitle() == APP_NAME
    assert window.windowTitle().count(APP_NAME) == 1


# --- the smallest window -----------------------------------------------------------------------


def test_at_850_by_600_nothing_hides_or_scrolls_sideways_and_jobs_show(rig) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(4)
    rig.create()
    rig.add(3)  # photos waiting: the New batch tab is in front
    window.resize(850, 600)
    qtbot.waitUntil(lambda: window.size().width() == 850)
    window.centralWidget().layout().activate()
    qtbot.wait(50)

    scroll = window.findChild(QScrollArea)
    assert scroll is window.settings_scroll
    viewport = scroll.viewport()
    panel = window.settings_panel
    assert panel.width() <= viewport.width()
    for field in panel.focus_chain():
        if field.isVisibleTo(window):
            right = field.mapTo(viewport, QPoint(field.width(), 0)).x()
            assert right <= viewport.width(), field.objectName()
    jobs = window.job_list.view
    row_height = jobs.visualRect(jobs.model().index(0, 0)).height()
    assert jobs.viewport().height() >= 3 * row_height
    assert jobs.horizontalScrollBar().maximum() == 0

    window.show_results()
    results = window.results_panel
    qtbot.waitUntil(lambda: results.model.rowCount() == 4, timeout=10_000)
    results.select_tile(0)
    window.centralWidget().layout().activate()
    qtbot.wait(50)
    assert results.view.horizontalScrollBar().maximum() == 0
    assert window.minimumSizeHint().width() <= 850 and window.minimumSizeHint().height() <= 600


# --- confirmation ------------------------------------------------------------------------------


def test_skip_reasons_wrap_in_the_confirmation(qtbot) -> None:
    reason = (
        "This file is damaged and the picture in it cannot be read; it may have been cut off "
        "while it was copied. Copy it again from the camera or phone."
    )
    skipped = [Photo(path=Path(f"/photos/broken_{i}.jpg"), problem=reason) for i in range(3)]
    dialog = ConfirmCreateDialog(
        count=301, template_label="New Year 2026", visibility_label="Private", skipped=skipped
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(dialog.minimumSizeHint())
    qtbot.waitExposed(dialog)
    listing = dialog.findChild(QWidget, "skippedList")
    assert listing.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways to
    block = listing.document().firstBlock()
    assert block.text() == f"broken_0.jpg — {reason}"
    qtbot.waitUntil(lambda: block.layout().lineCount() > 1)  # the whole reason, wrapped


# --- keyboard ----------------------------------------------------------------------------------


def test_tab_order_follows_the_screen_and_every_stop_shows_focus(rig) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    rig.create()
    rig.add(2)
    window.show_new_batch()
    window.add_photos_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: window.add_photos_button.hasFocus())
    seen: list[QWidget] = []
    radio_stop = object()
    unchanged: list[str] = []  # stops that look the same with and without the focus
    for _ in range(60):
        widget = QApplication.focusWidget()
        if widget in seen:
            break
        seen.append(widget)
        focused = widget.grab().toImage()
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        if widget.grab().toImage() == focused and len(seen) > 1:
            unchanged.append(widget.objectName() or type(widget).__name__)
    expected = [
        window.add_photos_button,
        window.add_folder_button,
        window.grid,
        window.job_list.tabs,
        window.job_list.search,
        window.job_list.view,
        window.right_tabs.tabBar(),
        window.settings_panel.template_picker.combo,
        *window.settings_panel.options.fields(),
        radio_stop,  # one stop for the group
        window.settings_panel.title_pattern,
        window.settings_panel.title_fields,
        window.settings_panel.description,
        window.settings_panel.grouping,
        window.settings_panel.advanced_toggle,
        window.create_button,
    ]
    radios = [w for w in seen if isinstance(w, QRadioButton)]
    assert len(radios) == 1
    seen_in_order = [radio_stop if w in radios else w for w in seen]
    assert [w for w in seen_in_order if w in expected] == expected
    assert seen[-1] is window.create_button or seen.index(window.create_button) > seen.index(
        window.settings_panel.advanced_toggle
    )
    assert unchanged == []  # every stop shows that it has the focus
    # No stop that shows nothing: no bare scroll area, and a list shows its current row.
    assert not any(isinstance(w, QScrollArea) for w in seen)
    for view in (window.grid, window.job_list.view):
        assert view.currentIndex().isValid()

    # The Event tab: from the tab bar, Tab goes into the page shown.
    window.right_tabs.setCurrentWidget(window.event_page)
    window.right_tabs.tabBar().setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(window.right_tabs.tabBar(), Qt.Key.Key_Tab)
    assert window.event_page.isAncestorOf(QApplication.focusWidget())
    window.show_new_batch()

    # The Create button's focus ring: the window's text colour around it, clearly visible.
    button = window.create_button
    window.grid.setFocus()
    qtbot.waitUntil(lambda: not button.hasFocus())
    plain = button.grab().toImage()
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(button.hasFocus)
    ring = button.grab().toImage()
    y = ring.height() // 2
    text = window.palette().color(QPalette.ColorRole.WindowText)
    ring_pixel = QColor(ring.pixel(int(ring.devicePixelRatio()) + 1, y))
    plain_pixel = QColor(plain.pixel(int(plain.devicePixelRatio()) + 1, y))
    assert theme.contrast(ring_pixel, text) < 1.5  # the ring is drawn in the text colour
    assert theme.contrast(ring_pixel, plain_pixel) > 3  # and stands out from the button


# --- opening results ---------------------------------------------------------------------------


def test_open_with_no_viewer_says_so_and_offers_the_folder(rig, tmp_path) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    rig.create()
    panel = window.results_panel
    window.show_results()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    opened: list[str] = []

    def no_viewer(url: QUrl) -> bool:  # a computer with no picture viewer, but a file manager
        opened.append(url.toLocalFile())
        return Path(url.toLocalFile()).is_dir()

    asked: list[str] = []
    panel.opener = no_viewer
    panel.ask_show_in_folder = lambda _parent, name: asked.append(name) is None
    panel.select_tile(0)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=10_000)  # fetched, tried, folder shown
    assert len(asked) == 1 and asked[0] == Path(opened[0]).name
    assert opened[1] == str(Path(opened[0]).parent)

    # Double-click, and nothing at all can show files: the status bar says where it is.
    def nothing_opens(url: QUrl) -> bool:
        opened.append(url.toLocalFile())
        return False

    panel.opener = nothing_opens
    rect = panel.view.visualRect(panel.model.index(0))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: "The file is here" in window.status_text.text(), timeout=10_000)
    assert len(asked) == 2

    # The job list's double-click on a finished row: no browser either, and it says so.
    jobs = window.job_list
    jobs.opener = lambda _url: False
    row = rig.job_row_rect(0)
    qtbot.mouseClick(jobs.view.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    qtbot.mouseDClick(jobs.view.viewport(), Qt.MouseButton.LeftButton, pos=row.center())
    qtbot.waitUntil(lambda: "could open" in window.status_text.text(), timeout=5000)


# --- mark delivered ----------------------------------------------------------------------------


def test_mark_delivered_asks_once_saying_it_cannot_be_undone(rig, simulator) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    rig.create()
    panel = window.results_panel
    window.show_results()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    panel.view.selectAll()
    questions: list[str] = []
    panel.confirm = lambda _title, text, _yes: questions.append(text) is not None  # "no"
    qtbot.mouseClick(panel.deliver_button, Qt.MouseButton.LeftButton)
    assert len(questions) == 1  # one question for both
    assert "2 results" in questions[0] and "cannot be undone on Vimmerse" in questions[0]
    assert not [r for r in simulator.requests if r.method == "PUT"]

    panel.confirm = lambda _title, text, _yes: questions.append(text) is None  # "yes"
    qtbot.mouseClick(panel.deliver_button, Qt.MouseButton.LeftButton)
    assert len(questions) == 2
    qtbot.waitUntil(
        lambda: len([r for r in simulator.requests if r.method == "PUT"]) == 2, timeout=10_000
    )
    qtbot.waitUntil(lambda: not panel.deliver_button.isEnabled(), timeout=10_000)


# --- results follow the latest batch -----------------------------------------------------------


def test_results_follow_the_latest_batch_and_job_clicks_keep_new_batch_while_photos_wait(
    rig,
) -> None:
    qtbot, window = rig.qtbot, rig.window
    panel = window.results_panel
    rig.add(2)
    first = rig.create()
    # Nothing waits: clicking a finished job shows its result.
    qtbot.mouseClick(
        window.job_list.view.viewport(), Qt.MouseButton.LeftButton, pos=rig.job_row_rect(0).center()
    )
    assert window.right_tabs.currentWidget() is panel
    assert panel.model.rowCount() == 1

    rig.add(3)
    assert window.right_tabs.currentWidget() is window.batch_page
    # Photos wait to be sent: a job click does not take the Create button away.
    qtbot.mouseClick(
        window.job_list.view.viewport(), Qt.MouseButton.LeftButton, pos=rig.job_row_rect(1).center()
    )
    assert window.right_tabs.currentWidget() is window.batch_page
    second = rig.create()
    assert second != first
    # The new batch is what Results shows, not the job picked from the old one.
    qtbot.waitUntil(
        lambda: {i.batch_id for i in panel.model.items.values()} == {second}, timeout=10_000
    )
    assert panel.model.rowCount() == 3
    assert "latest batch" in panel.scope_label.text()


# --- status bar and plurals --------------------------------------------------------------------


def test_status_messages_pass_and_counted_words_agree(qtbot, make_window) -> None:
    window = make_window()
    window.show()
    window.show_status("Saved 8 files to out.")
    tabs = window.right_tabs.tabBar()
    results_tab = window.right_tabs.indexOf(window.results_panel)
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(results_tab).center())
    assert window.right_tabs.currentWidget() is window.results_panel
    assert window.status_text.text() == ""  # the user moved on
    window.status_timer.setInterval(50)
    window.show_status("Checked and saved.")
    qtbot.waitUntil(lambda: window.status_text.text() == "", timeout=2000)
    # The job list's notice beside its summary passes too.
    jobs = window.job_list
    jobs._notice_timer.setInterval(50)
    jobs._notice("Saved 8 files to out.")
    assert jobs.summary.notice.isVisibleTo(window)
    qtbot.waitUntil(lambda: not jobs.summary.notice.isVisibleTo(window), timeout=2000)

    saving = ("ResultActions", "Saving %n result…", "Saving %n results…")
    assert ntr(*saving, 1) == "Saving 1 result…"
    assert ntr(*saving, 2) == "Saving 2 results…"
    many = ntr("MainWindow", "Removed %n photo.", "Removed %n photos.", 1234)
    assert many == f"Removed {QLocale().toString(1234)} photos."


def test_picking_up_is_said_until_the_photos_are_picked_up(
    qtbot, make_window, workers, sim_factory, private_dirs, tmp_path
) -> None:
    sim = sim_factory(processing_time=4.0)  # still being made when the window picks them up
    first = Session(workers, key="k", base_url=sim.base_url, data_dir=private_dirs)
    with qtbot.waitSignal(first.ready, timeout=10_000):
        first.start()
    from engine.enginetools import photos_of

    from app.engine.model import BatchSettings

    engine = first.engine
    batch = engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))
    assert engine.wait_submitted(batch, 10)
    first.shutdown()  # quit mid-batch

    window = make_window(base_url=sim.base_url)
    window.show()
    session = Session(workers, key="k", base_url=sim.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.resumed, timeout=10_000):
        session.start()
    assert window.info_bar.isVisible()
    assert window.info_bar.label.text() == "Picking up 2 photos left unfinished last time."
    qtbot.waitUntil(lambda: not window.info_bar.isVisible(), timeout=20_000)
    assert all(i.state is ItemState.SUCCEEDED for i in session.engine.items())


# --- menus -------------------------------------------------------------------------------------


def test_demo_account_menu_only_offers_leaving_the_demo(qtbot, make_window, monkeypatch) -> None:
    window = make_window(demo=True)
    window.show()
    account = next(
        m.menu() for m in window.menuBar().actions() if m.text().replace("&", "") == "Account"
    )
    visible = [a.text().replace("&", "") for a in account.actions() if a.isVisible()]
    assert visible == ["Use my API key…"]
    asked: list[object] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **_k: asked.append(a))
    window.remove_key()  # e.g. from an old shortcut: nothing to remove, nothing asked
    assert asked == []
    window.set_demo(False)
    visible = [a.text().replace("&", "") for a in account.actions() if a.isVisible()]
    assert visible == ["Replace API key…", "Remove API key"]


def test_a_job_menu_says_which_photo_it_cancels(qtbot) -> None:
    menu = build_menu([make_item(1, ItemState.RUNNING, workflow_id="w1")])
    texts = {a.data(): a.text() for a in menu.actions() if not a.isSeparator()}
    assert texts[JobAction.CANCEL.value] == "Cancel this photo"
    menu.deleteLater()


def test_sample_photos_have_one_name(make_window) -> None:
    window = make_window()
    area = window.photo_area
    names = {
        window.samples_action.text().replace("&", ""),
        area.samples_button.text(),
        area.strip_samples_button.text(),
    }
    assert names == {"Try with sample photos"}


# --- words -------------------------------------------------------------------------------------


def test_titles_take_fields_by_name_and_the_jargon_stays_in_advanced(rig) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    panel = window.settings_panel
    menu = panel.title_fields.menu()
    assert [a.text() for a in menu.actions()] == ["File name", "Folder", "Number", "Date"]
    panel.title_pattern.clear()
    qtbot.keyClicks(panel.title_pattern, "Party ")
    next(a for a in menu.actions() if a.text() == "Number").trigger()
    assert panel.title_pattern.text() == "Party {n}"
    assert panel.title_example.text() == "For example: Party 1"
    assert panel.title_pattern.hasFocus()  # back to typing

    # Options as JSON and the event live under Advanced only; an empty event is "no event".
    for field in (panel.raw_options, panel.event_id):
        assert not field.isVisibleTo(window)
    qtbot.mouseClick(panel.advanced_toggle, Qt.MouseButton.LeftButton)
    assert panel.raw_options.isVisibleTo(window) and panel.event_id.isVisibleTo(window)
    panel.event_id.clear()
    assert panel.problem() is None and panel.settings().event_id == "no_event"
    qtbot.mouseClick(panel.advanced_toggle, Qt.MouseButton.LeftButton)

    texts = _texts_on_screen(window)
    assert "Create 2 results" in texts
    assert not [t for t in texts if "workflow" in t.lower() or "json" in t.lower()]


def test_saved_files_are_named_after_the_template_name(rig, tmp_path) -> None:
    qtbot, window = rig.qtbot, rig.window
    photos = rig.add(1)
    window.settings_panel.template_picker.set_template_id("vim_arctic")
    rig.create()
    panel = window.results_panel
    window.show_results()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    out = tmp_path / "saved"
    panel.choose_folder = lambda _start: str(out)
    qtbot.mouseClick(panel.save_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: out.is_dir() and any(out.iterdir()), timeout=10_000)
    label = load_catalog().label_for("vim_arctic")
    assert label != "vim_arctic"
    qtbot.waitUntil(
        lambda: [p.name for p in out.iterdir()] == [f"{photos[0].stem}_{label}_1.jpg"],
        timeout=10_000,
    )
    # The folder is named by its whole path, once.
    saved = f"Saved 1 file to {out}."
    qtbot.waitUntil(lambda: saved in window.status_text.text(), timeout=5000)
    assert window.status_text.text().count(str(out)) == 1
    # The command line's documented default keeps the id; both fields mean the same everywhere.
    common = {"stem": "IMG_1", "template": "vim_arctic", "n": 1, "ext": "jpg"}
    assert result_name(DEFAULT_NAME_PATTERN, **common) == "IMG_1_vim_arctic_1.jpg"
    assert result_name("{stem}_{template_name}_{n}.{ext}", **common) == f"IMG_1_{label}_1.jpg"


# --- report ------------------------------------------------------------------------------------


def test_the_report_has_titles_and_covers_a_chosen_batch_or_all(rig, tmp_path) -> None:
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    first = rig.create()
    rig.add(3)
    second = rig.create()
    panel = window.results_panel
    window.show_results()
    qtbot.waitUntil(lambda: len(panel.all_items) == 5, timeout=10_000)
    menu = panel.report_button.menu()
    assert menu is not None
    menu.aboutToShow.emit()  # as when the user opens "Export report…"
    actions = {a.objectName(): a for a in menu.actions() if a.objectName()}
    assert list(actions) == [f"reportBatch_{second}", f"reportBatch_{first}", "reportAllBatches"]
    assert "(shown)" in actions[f"reportBatch_{second}"].text()
    assert "2 photos" in actions[f"reportBatch_{first}"].text()

    def export(action_name: str, name: str) -> list[dict[str, str]]:
        path = tmp_path / name
        panel.choose_report_file = lambda _start: str(path)
        actions[action_name].trigger()
        qtbot.waitUntil(path.exists, timeout=10_000)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    rows = export(f"reportBatch_{first}", "first.csv")
    assert {r["Batch"] for r in rows} == {str(first)} and len(rows) == 2
    titles = {i.title for i in rig.engine.items(first)}
    assert {r["Title"] for r in rows} == titles and all(titles)
    everything = export("reportAllBatches", "all.csv")
    assert len(everything) == 5 and {r["Batch"] for r in everything} == {str(first), str(second)}


# --- error reports -----------------------------------------------------------------------------


def test_error_reports_are_off_until_asked_once_showing_what_is_sent(qtbot, make_window) -> None:
    window = make_window()
    window.show()
    assert window.settings.value(ERROR_REPORTS) is False
    question = window.ask_error_reports_once()
    assert isinstance(question, ErrorReportsQuestion) and question.isVisible()
    details = question.informativeText()  # shown, not behind a button
    assert "&quot;app_version&quot;" in details and "IMG_0001.jpg" in details
    assert "/home/you" not in details  # folders never go (the example's file has one)
    assert question.defaultButton() is question.keep_button
    qtbot.mouseClick(question.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.settings.value(ERROR_REPORTS_ASKED) is True)
    assert window.settings.value(ERROR_REPORTS) is True
    assert window.ask_error_reports_once() is None  # once


def test_the_first_start_asks_about_error_reports(qtbot, private_dirs) -> None:
    from app.ui.app import AppController

    controller = AppController(
        demo=True, demo_if_no_key=False, base_url=None, data_dir=None, error_reports=True
    )
    window = controller.window
    qtbot.addWidget(window)
    try:
        controller.start()
        qtbot.waitUntil(lambda: window.findChild(ErrorReportsQuestion) is not None, timeout=10_000)
        question = window.findChild(ErrorReportsQuestion)
        qtbot.mouseClick(question.keep_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.settings.value(ERROR_REPORTS_ASKED) is True)
        assert window.settings.value(ERROR_REPORTS) is False
        qtbot.waitUntil(lambda: window.session is not None and window.session.bridge is not None)
        assert window.session.engine.error_reports is False
    finally:
        window.ask_quit = lambda _w, _n: True
        window.close()
        controller.shutdown()


# --- dark scheme -------------------------------------------------------------------------------


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2d31"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1f2023"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#35373c"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Mid, "#4a4c52"),
        (QPalette.ColorRole.Highlight, "#3b82f6"),
    ):
        palette.setColor(role, QColor(color))
    return palette


def test_dark_scheme_keeps_create_banner_and_radios_readable(qtbot, make_window) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old = app.palette()
    window = make_window(demo=True)
    window.show()
    try:
        for palette in (old, _dark_palette()):
            app.setPalette(palette)
            wanted = palette.color(QPalette.ColorRole.Window)
            qtbot.waitUntil(lambda w=wanted: window.palette().color(QPalette.ColorRole.Window) == w)
            colors = theme.primary_button_colors(palette)
            assert theme.contrast(colors.disabled_text, colors.disabled_background) >= 3
            assert theme.contrast(colors.text, colors.background) >= 4
            banner = theme.banner_colors(palette)
            assert theme.contrast(banner.text, banner.background) >= 7
            assert banner.background.name() in window.demo_banner.styleSheet()
            assert colors.disabled_text.name() in window.create_button.styleSheet()
        # On the dark scheme the banner is no longer a bright yellow band.
        assert theme.banner_colors(_dark_palette()).background.lightnessF() < 0.3
    finally:
        app.setPalette(old)


def test_a_batch_finishing_while_photos_are_added_keeps_new_batch_in_front(
    qtbot, make_window, tmp_path
) -> None:
    window = make_window()
    window.show()
    photos = make_jpegs(tmp_path / "in", 40)
    window.add_paths([str(p) for p in photos])
    assert window.photos.is_busy() and window.photos.rowCount() == 0  # still being listed
    window.notifier.batch_finished.emit(1, "3 done")  # an earlier batch finishes now
    assert window.right_tabs.currentWidget() is window.batch_page
    qtbot.waitUntil(lambda: not window.photos.is_busy(), timeout=20_000)


@pytest.mark.parametrize("kind", [QCheckBox, QRadioButton])
def test_check_boxes_and_radio_buttons_show_on_a_dark_window(qtbot, kind) -> None:
    palette = _dark_palette()
    window = palette.color(QPalette.ColorRole.Window)

    def indicator_contrast(style: QStyle) -> float:
        button = kind("Send error reports")
        qtbot.addWidget(button)
        button.setStyle(style)
        button.setPalette(palette)
        button.resize(200, 24)
        image = button.grab().toImage()
        option = QStyleOptionButton()
        option.initFrom(button)
        element = (
            QStyle.SubElement.SE_CheckBoxIndicator
            if kind is QCheckBox
            else QStyle.SubElement.SE_RadioButtonIndicator
        )
        box = style.subElementRect(element, option, button)
        return max(
            theme.contrast(QColor(image.pixel(x, y)), window)
            for x in range(box.left(), box.right() + 1)
            for y in range(box.top(), box.bottom() + 1)
        )

    fusion = QStyleFactory.create("Fusion")
    assert indicator_contrast(fusion) < 1.5  # the faint outline the newcomer saw
    assert indicator_contrast(theme.ContrastStyle()) >= 3.5


def test_the_app_uses_the_contrast_style() -> None:
    """A fresh process, as the user starts it (the test process already has its QApplication)."""
    import subprocess
    import sys

    code = (
        "from app.ui.app import make_application; "
        "print(type(make_application(['x']).style()).__name__)"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ContrastStyle"


def test_tab_goes_round_the_whole_window_not_only_the_right_side(rig) -> None:
    """From Create, Tab carries on to the photo column and the job list, and comes back; Shift+
    Tab walks the same round backwards."""
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    rig.create()
    rig.add(2)
    window.show_new_batch()
    window.create_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: window.create_button.hasFocus())
    forward: list[QWidget] = []
    for _ in range(60):
        widget = QApplication.focusWidget()
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        after = QApplication.focusWidget()
        forward.append(after)
        if after is window.create_button:
            break
    assert forward[-1] is window.create_button, "Tab never came back round to Create"
    for stop in (
        window.add_photos_button,
        window.grid,
        window.job_list.tabs,
        window.job_list.view,
        window.right_tabs.tabBar(),
    ):
        assert stop in forward
    assert forward.index(window.add_photos_button) < forward.index(window.grid)
    assert forward.index(window.grid) < forward.index(window.job_list.view)
    assert forward.index(window.job_list.view) < forward.index(window.right_tabs.tabBar())
    backward: list[QWidget] = []
    for _ in range(len(forward)):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
        backward.append(QApplication.focusWidget())
    assert backward[::-1][1:] == forward[:-1]


def test_the_first_window_fits_the_screen(qtbot, make_window) -> None:
    """No stored size: the window opens at most as big as the screen's free area, status bar
    on screen; on a big screen it keeps the default size."""
    from PySide6.QtCore import QSize

    from app.ui.main_window import DEFAULT_SIZE, first_size

    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()) or (
        window.width() <= available.width() and window.height() <= available.height()
    )
    bar = window.statusBar()
    bottom = bar.mapTo(window, bar.rect().bottomLeft()).y()
    assert window.geometry().top() + bottom <= available.bottom()
    assert first_size(QSize(1280, 800)).height() < 800  # the frame needs room too
    assert first_size(QSize(1280, 800)).width() <= 1280
    assert first_size(QSize(2560, 1440)) == DEFAULT_SIZE


def test_the_title_percentage_agrees_with_the_rows(qtbot, make_window) -> None:
    """Rows saying "Sending · 42%" … "47%": the title says about the same, not 8 %."""
    from app.ui.jobs.model import status_text

    window = make_window(demo=True)
    notifier = window.notifier
    items = [make_item(i, ItemState.UPLOADING, progress=42 + i) for i in range(6)]
    for item in items:
        notifier.item_changed(item)
    assert status_text(items[0]) == "Sending · 42%"
    qtbot.waitUntil(lambda: window.windowTitle() == f"44% — Demo — {APP_NAME}")


def test_the_report_menu_dates_name_the_month(rig) -> None:
    """In a locale whose short date is all numbers (C: "6 12 2026 15:43"), the Export report
    menu still names the month."""
    import re
    import time as _time

    qtbot, window = rig.qtbot, rig.window
    rig.add(1)
    batch = rig.create()
    panel = window.results_panel
    window.show_results()
    qtbot.waitUntil(lambda: len(panel.all_items) == 1, timeout=10_000)
    previous = QLocale()
    QLocale.setDefault(QLocale.c())
    try:
        menu = panel.report_button.menu()
        menu.aboutToShow.emit()  # as when the user opens "Export report…"
        text = next(a.text() for a in menu.actions() if a.objectName() == f"reportBatch_{batch}")
    finally:
        QLocale.setDefault(previous)
    month = QLocale.c().monthName(_time.localtime().tm_mon, QLocale.FormatType.ShortFormat)
    assert month in text, text
    assert not re.search(r"\b\d{1,2} \d{1,2} \d{4}\b", text), text


def test_a_job_picked_in_the_list_can_be_saved_opened_and_delivered_at_once(rig) -> None:
    """Picking a finished job's row shows its result with Save, Open and Mark delivered ready:
    no extra click on the tile."""
    qtbot, window = rig.qtbot, rig.window
    rig.add(2)
    rig.create()
    jobs = window.job_list
    qtbot.waitUntil(lambda: jobs.model.rowCount() == 2, timeout=10_000)
    view = jobs.view
    qtbot.waitUntil(lambda: view.model().rowCount() == 2)
    rect = view.visualRect(view.model().index(0, 0))
    assert rect.isValid()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    panel = window.results_panel
    qtbot.waitUntil(lambda: len(panel.selection) == 1 and panel.model.rowCount() >= 1)
    assert window.right_tabs.currentWidget() is panel
    assert not panel.view.selectionModel().selectedRows()  # the tile itself was not clicked
    assert panel.save_button.isEnabled()
    assert panel.deliver_button.isEnabled()
    assert panel.open_button.isEnabled() == (panel.model.rowCount() == 1)


def test_the_quit_questions_titles_fit_their_title_bar(qtbot, make_window) -> None:
    """The question's title is short enough for the narrow box that asks it."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QMessageBox

    from app.ui.main_window import _ask_quit, _ask_unsent

    window = make_window()
    window.show()
    seen: list[tuple[str, int]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append((box.windowTitle(), box.width()))
        box.reject()

    for ask in (_ask_quit, _ask_unsent):
        QTimer.singleShot(0, answer)
        assert ask(window, 3) is False
    assert len(seen) == 2
    font = QApplication.font()
    font.setBold(True)  # as most title bars show it
    metrics = QFontMetrics(font)
    for title, width in seen:
        # Room left for the window manager's icon and buttons (close, minimise) beside it.
        assert metrics.horizontalAdvance(title) + 160 < width, (title, width)
