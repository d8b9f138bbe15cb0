"""The window's Event tab on the real engine and simulator: create an event, answer the question
about photos already there, watch new photos become results, see the folder's health, stop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLineEdit, QRadioButton

from app.engine.model import ItemState
from app.ui.dialogs.confirm_create import ConfirmCreateDialog
from app.ui.events.editor import EventEditor
from app.ui.events.panel import EventPanel
from app.ui.jobs.model import JobRole
from app.ui.session import Session


def _start_session(qtbot, window, workers, simulator, private_dirs) -> Session:  # type: ignore[no-untyped-def]
    session = Session(workers, key="test-key", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    return session


def test_event_tab_watches_a_folder_end_to_end(
    qtbot, make_window, workers, simulator, photo_factory, tmp_path: Path, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    _start_session(qtbot, window, workers, simulator, private_dirs)
    panel = window.findChild(EventPanel, "eventPanel")
    assert panel is not None
    tabs = window.right_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["New batch", "Event", "Results"]
    tabs.setCurrentIndex(1)

    booth = tmp_path / "booth"
    photo_factory(booth / "before_1.jpg", color="#222222")
    photo_factory(booth / "before_2.jpg", color="#444444")

    def fill(dialog: EventEditor) -> bool:
        dialog.findChild(QLineEdit, "eventName").setText("New Year 2026")
        dialog.findChild(QLineEdit, "eventFolder").setText(str(booth))
        assert dialog.findChild(QLineEdit, "eventId").text() == "new_year_2026"
        dialog.settle.setValue(0.5)
        return True

    panel.ask_editor = fill
    asked: list[int] = []
    panel.ask_existing = lambda _w, count, _folder: asked.append(count) is None and False
    qtbot.waitUntil(lambda: panel.new_button.isEnabled(), timeout=10_000)
    panel.new_button.click()
    qtbot.waitUntil(lambda: panel.picker.count() == 1, timeout=10_000)
    assert panel.picker.currentText() == "New Year 2026"

    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.running, timeout=10_000)
    assert asked == [2]  # the question names how many photos were there already
    assert panel.start_button.text() == "Stop"
    photo_factory(booth / "guest_1.jpg", (640, 480), "#e74c3c")
    photo_factory(booth / "guest_2.jpg", (640, 480), "#27ae60")
    qtbot.waitUntil(lambda: panel.counters["done"].text() == "2", timeout=30_000)
    assert panel.counters["skipped"].text() == "2"
    qtbot.waitUntil(
        lambda: panel.latest.pixmap() is not None and not panel.latest.pixmap().isNull(),
        timeout=10_000,
    )
    assert panel.latest_caption.text().startswith("guest_")
    assert "Watching" in panel.health.text()

    # The card is pulled: the tab says so at once, and carries on when it is back.
    moved = tmp_path / "away"
    booth.rename(moved)
    qtbot.waitUntil(lambda: "can't be reached" in panel.health.text(), timeout=15_000)
    moved.rename(booth)
    qtbot.waitUntil(lambda: "Watching" in panel.health.text(), timeout=15_000)

    # The event's batches are ordinary batches in the job list, their event shown.
    engine = window.session.engine
    assert {b.settings.event_name for b in engine.batches()} == {"New Year 2026"}
    model = window.job_list.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=10_000)
    qtbot.waitUntil(
        lambda: all(
            model.index(r, 0).data(JobRole.STATUS_TEXT).endswith("· New Year 2026")
            for r in range(model.rowCount())
        ),
        timeout=10_000,
    )
    # What the row paints (one call per row) and what a screen reader hears name it too.
    for r in range(model.rowCount()):
        _item, _title, _pixmap, painted = model.paint_data(r)
        assert painted == model.index(r, 0).data(JobRole.STATUS_TEXT)
        assert painted in model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole)

    panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.running and not panel.summary.isHidden(), timeout=15_000)
    assert "Made: 2" in panel.summary.text()
    assert "Photos seen: 4" in panel.summary.text()

    # Duplicate for the next event: same choices, a new name, never started.
    panel.duplicate_button.click()
    qtbot.waitUntil(lambda: panel.picker.count() == 2, timeout=10_000)
    assert panel.picker.currentText() == "New Year 2026 (copy)"
    assert panel.current().started_at is None
    panel.shutdown()  # as the window does before its engine stops
    assert not panel.start_button.isEnabled()


def test_create_confirmation_offers_to_skip_photos_already_made(
    qtbot, make_window, workers, simulator, photo_dir, photo_factory, private_dirs
) -> None:
    window = make_window(base_url=simulator.base_url)
    window.show()
    session = _start_session(qtbot, window, workers, simulator, private_dirs)
    engine = session.engine
    good = sorted(p for p in photo_dir.iterdir() if p.name != "broken.jpg")

    def add_and_create(answer, more=()) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
        with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
            window.add_paths([str(p) for p in [*good, *more]])
        seen: list[str] = []

        def confirm(dialog: ConfirmCreateDialog) -> bool:
            box = dialog.findChild(QGroupBox, "alreadyMade")
            seen.append(box.title() if box is not None else "")
            seen.append(dialog.create_button.text())
            answer(dialog)
            return True

        window.confirm = confirm
        with qtbot.waitSignal(window.batch_created, timeout=10_000) as created:
            window.create_workflows()
        qtbot.waitUntil(lambda: engine.wait_idle(0), timeout=30_000)
        return int(created.args[0]), seen

    first, seen = add_and_create(lambda _d: None)
    assert seen == ["", "Create 4 results"]
    # All four again: skipping them (the default) leaves nothing to make.
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(p) for p in good])
    shown: list[tuple[str, str, bool]] = []

    def look(dialog: ConfirmCreateDialog) -> bool:
        box = dialog.findChild(QGroupBox, "alreadyMade")
        shown.append((box.title(), dialog.create_button.text(), dialog.create_button.isEnabled()))
        return False

    window.confirm = look
    with qtbot.waitSignal(window.create_flow.declined, timeout=10_000):
        window.create_workflows()
    (title, button, enabled) = shown[0]
    assert title.startswith("4 of these photos were already made with New Year 2026 (")
    assert (button, enabled) == ("Create 0 results", False)
    # Two new photos with them: two are made, the four already made are skipped.
    extra = [
        photo_factory(photo_dir / "new" / f"extra_{i}.jpg", (300, 200), c)
        for i, c in enumerate(("#101010", "#fafafa"))
    ]
    second, seen = add_and_create(lambda _d: None, more=extra)
    assert seen[0].startswith("4 of these photos were already made with New Year 2026 (")
    assert seen[1] == "Create 2 results"
    states = sorted(i.state.value for i in engine.items(second))
    assert states == ["cancelled"] * 4 + ["succeeded"] * 2
    assert all(
        i.error.startswith("Already made with New Year 2026")
        for i in engine.items(second)
        if i.state is ItemState.CANCELLED
    )
    third, seen = add_and_create(lambda d: d.findChild(QRadioButton, "makeAgain").setChecked(True))
    qtbot.waitUntil(
        lambda: {i.state for i in engine.items(third)} == {ItemState.SUCCEEDED}, timeout=30_000
    )
    creates = [r for r in simulator.requests if r.method == "POST" and r.path == "/workflow"]
    assert len(creates) == 10 and first < second < third
