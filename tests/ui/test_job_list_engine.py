"""The job list panel on the real engine (SQLite store, simulator over HTTP, Qt thread pool).

The issue's acceptance tests: out of credit shows the banner and Resume finishes the batch; a
refused key shows the banner with "Enter key…"; commands from the panel reach the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine.enginetools import close, make_client, make_jpegs, new_engine, photos_of
from PySide6.QtCore import Qt

from app.engine import BatchSettings, Engine, ItemState
from app.images.thumbnails import ThumbnailCache
from app.ui.engine_bridge import EngineBridge
from app.ui.jobs.banner import HoldKind
from app.ui.jobs.menu import JobAction
from app.ui.jobs.model import JobRole
from app.ui.jobs.panel import JobListPanel
from app.ui.jobs.thumbnails import JobThumbnails
from app.ui.workers import Workers


class Rig:
    """An engine, its bridge and a shown panel; torn down in the right order."""

    def __init__(self, qtbot: Any, engine: Engine, workers: Workers) -> None:
        self.engine = engine
        self.bridge = EngineBridge(engine, workers.io)
        self.panel = JobListPanel(self.bridge)
        qtbot.addWidget(self.panel)
        self.panel.resize(900, 500)
        self.panel.show()
        self.seen: dict[ItemState, int] = {}
        self.panel.model.flushed.connect(self._count)

    def _count(self) -> None:
        counts: dict[ItemState, int] = {}
        for item in self.panel.model.items():
            counts[item.state] = counts.get(item.state, 0) + 1
        self.seen = counts

    def states(self) -> dict[ItemState, int]:
        """The states as the view was last told of them (at the last refresh tick)."""
        return self.seen

    def close(self) -> None:
        self.bridge.close()
        close(self.engine)


@pytest.fixture
def rig_factory(qtbot: Any, private_dirs: Path, workers: Workers) -> Iterator[Any]:
    rigs: list[Rig] = []

    def make(base_url: str, key: str = "test-key") -> Rig:
        engine = new_engine(private_dirs, base_url, key=key, executor=workers.io.executor())
        rig = Rig(qtbot, engine, workers)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


def test_out_of_credit_shows_banner_and_resume_finishes_the_batch(
    qtbot: Any, sim_factory: Any, rig_factory: Any, tmp_path: Path
) -> None:
    sim = sim_factory(credit=2)
    rig = rig_factory(sim.base_url)
    panel = rig.panel
    rig.engine.start()
    rig.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 5)))

    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=20_000)
    assert panel.banner.kind is HoldKind.CREDIT
    assert "credit" in panel.banner.message.text().lower()
    assert not panel.banner.key_button.isVisible()
    assert panel.pause_button.text() == "Resume sending"
    # The two that fit in the credit finish; the rest wait, paused, nothing failed.
    qtbot.waitUntil(lambda: rig.states().get(ItemState.SUCCEEDED) == 2, timeout=20_000)
    qtbot.waitUntil(
        lambda: rig.states() == {ItemState.SUCCEEDED: 2, ItemState.PAUSED: 3}, timeout=5000
    )
    assert sim.created_count() == 2
    # ... and look paused: the row's words, and the summary.
    panel.model.flush()
    waiting = [
        panel.proxy.index(r, 0)
        for r in range(panel.proxy.rowCount())
        if panel.proxy.index(r, 0).data(JobRole.STATE) == ItemState.PAUSED.value
    ]
    assert len(waiting) == 3
    assert all(i.data(JobRole.STATUS_TEXT).startswith("Paused") for i in waiting)
    assert "3 paused" in panel.summary.label.text()
    assert panel.summary.label.text().endswith("sending is paused")

    sim.add_credit(10)
    qtbot.mouseClick(panel.banner.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rig.states() == {ItemState.SUCCEEDED: 5}, timeout=20_000)
    assert panel.banner.isHidden()
    assert sim.created_count() == 5
    qtbot.waitUntil(lambda: panel.summary.label.text().startswith("5 done"), timeout=5000)
    assert panel.summary.label.text().endswith("all finished")
    assert panel.pause_button.text() == "Pause sending"


def test_refused_key_shows_banner_with_enter_key(
    qtbot: Any, sim_factory: Any, rig_factory: Any, tmp_path: Path
) -> None:
    sim = sim_factory(valid_keys=frozenset({"good-key"}))
    rig = rig_factory(sim.base_url, key="wrong-key")
    panel = rig.panel
    rig.engine.start()
    rig.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))

    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=20_000)
    assert panel.banner.kind is HoldKind.KEY
    assert panel.banner.key_button.isVisible()
    with qtbot.waitSignal(panel.key_requested, timeout=1000):
        qtbot.mouseClick(panel.banner.key_button, Qt.MouseButton.LeftButton)
    assert sim.created_count() == 0

    # What the window's key dialog does with a good key: the engine carries on by itself.
    old = rig.engine.client
    rig.engine.set_client(make_client(sim.base_url, "good-key"))
    old.close()
    qtbot.waitUntil(lambda: rig.states() == {ItemState.SUCCEEDED: 2}, timeout=20_000)
    qtbot.waitUntil(lambda: panel.banner.isHidden(), timeout=5000)


def test_pause_button_and_menu_commands_reach_the_engine(
    qtbot: Any, sim_factory: Any, rig_factory: Any, tmp_path: Path, settle: Any
) -> None:
    sim = sim_factory(fail_rate=1.0)
    rig = rig_factory(sim.base_url)
    panel = rig.panel
    rig.engine.start()
    rig.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 3)))
    qtbot.waitUntil(lambda: rig.states() == {ItemState.FAILED: 3}, timeout=20_000)
    assert panel.retry_button.isEnabled()
    assert panel.tabs.tabText(4) == "Failed (3)"

    # Retry one from the context menu, with the simulator behaving again.
    sim.config.fail_rate = 0.0
    panel.view.setCurrentIndex(panel.view.model().index(0, 0))
    menu = panel.context_menu()
    retry = next(a for a in menu.actions() if a.data() == JobAction.RETRY.value)
    retry.trigger()
    menu.deleteLater()
    qtbot.waitUntil(
        lambda: rig.states() == {ItemState.SUCCEEDED: 1, ItemState.FAILED: 2}, timeout=20_000
    )

    # Nothing waits to be sent: there is nothing to pause.
    panel.model.flush()
    assert panel.pause_button.text() == "Pause sending"
    assert not panel.pause_button.isEnabled()

    # "Retry all failed" in the toolbar, on a slow server so the two are still on their way.
    sim.config.latency = 1.0
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.pause_button.isEnabled, timeout=5000)
    # Pause: the new batch waits; Resume sends it.
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Resume sending", timeout=5000)
    assert panel.pause_button.isEnabled()
    assert panel.banner.isHidden()  # the user's own pause needs no banner
    waiting = rig.engine.create_batch(
        BatchSettings(), photos_of(make_jpegs(tmp_path / "more", 1, offset=50))
    )
    settle(rig.engine, rig.bridge)
    assert [i.state for i in rig.engine.items(waiting)] == [ItemState.PAUSED]
    sim.config.latency = 0.0
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: rig.states() == {ItemState.SUCCEEDED: 4}, timeout=20_000)
    assert not panel.retry_button.isEnabled()
    # All finished: nothing to pause any more.
    qtbot.waitUntil(lambda: not panel.pause_button.isEnabled(), timeout=5000)
    assert panel.pause_button.text() == "Pause sending"


def test_rows_get_thumbnails_from_the_shared_cache(
    qtbot: Any, simulator: Any, rig_factory: Any, workers: Workers, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    thumbs = JobThumbnails(workers.cpu, ThumbnailCache(tmp_path / "thumbs"))
    rig.panel.set_thumbnails(thumbs)
    rig.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2, size=300)))
    model = rig.panel.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    rig.panel.view.viewport().repaint()  # asks the visible rows for their thumbnails
    qtbot.waitUntil(
        lambda: all(
            model.index(r, 0).data(Qt.ItemDataRole.DecorationRole) is not None for r in range(2)
        ),
        timeout=10_000,
    )
    pixmap = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert max(pixmap.width(), pixmap.height()) == 96
    thumbs.stop()


def test_delete_key_asks_then_deletes_on_the_server(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path, settle: Any
) -> None:
    rig = rig_factory(simulator.base_url)
    panel = rig.panel
    rig.engine.start()
    rig.engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))
    qtbot.waitUntil(lambda: rig.states() == {ItemState.SUCCEEDED: 2}, timeout=20_000)
    first = panel.model.item(0)
    assert first.workflow_id in simulator.workflows

    asked: list[str] = []
    answer = False

    def confirm(title: str, text: str) -> bool:
        asked.append(text)
        return answer

    panel.confirm = confirm
    view = panel.view
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert len(asked) == 1 and "cannot be undone" in asked[0]
    settle(rig.engine, rig.bridge)
    assert first.workflow_id in simulator.workflows  # "No" deletes nothing

    answer = True
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: first.workflow_id not in simulator.workflows, timeout=10_000)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)

    # "Remove from list" forgets the other one here and leaves its workflow on the server.
    second = panel.model.item(0)
    view.setCurrentIndex(view.model().index(0, 0))
    menu = panel.context_menu()
    remove = next(a for a in menu.actions() if a.data() == JobAction.REMOVE_FROM_LIST.value)
    remove.trigger()
    menu.deleteLater()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=10_000)
    assert second.workflow_id in simulator.workflows
    assert rig.engine.items() == []


def test_a_batch_another_window_handles_is_shown_read_only_and_not_counted_at_quit(
    qtbot: Any,
    sim_factory: Any,
    private_dirs: Path,
    workers: Workers,
    tmp_path: Path,
    settle: Any,
) -> None:
    sim = sim_factory(processing_time=30)  # stays "being made" while we look
    other = new_engine(private_dirs, sim.base_url)  # the other vimbatch window
    mine = new_engine(
        private_dirs, sim.base_url, executor=workers.io.executor(), watch_interval=0.05
    )
    rig = Rig(qtbot, mine, workers)
    try:
        other.start()
        batch = other.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 3)))
        assert other.wait_submitted(batch, timeout=20)
        mine.start()
        panel = rig.panel
        qtbot.waitUntil(lambda: panel.model.busy_batches == {batch}, timeout=10_000)
        qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)
        index = panel.proxy.index(0, 0)
        assert "Being handled by another vimbatch window" in index.data(Qt.ItemDataRole.ToolTipRole)
        assert "3 jobs are being handled by another vimbatch window" in panel.summary.label.text()

        panel.view.selectAll()
        menu = panel.context_menu()
        actions = {a.data(): a for a in menu.actions() if a.data()}
        cancel = actions[JobAction.CANCEL.value]
        assert not cancel.isEnabled() and "another vimbatch window" in cancel.toolTip()
        assert actions[JobAction.COPY_WORKFLOW_ID.value].isEnabled()  # reading is fine
        menu.deleteLater()
        panel.run_action(JobAction.CANCEL, panel.selected_items())  # e.g. by a shortcut
        settle(mine, rig.bridge)
        assert all(i.state is not ItemState.CANCELLED for i in other.items(batch))

        # Quitting this window leaves the other window's photos alone: nothing to warn about.
        assert panel.model.unfinished_count() == 0
        panel.model.set_busy_batches(())  # as if this window had sent them
        assert panel.model.unfinished_count() == 3
    finally:
        rig.close()
        close(other)


def test_a_batch_is_created_in_file_name_order(
    qtbot: Any, private_dirs: Path, workers: Workers, tmp_path: Path
) -> None:
    from app.images import inspect
    from app.ui.session import Session

    folder = tmp_path / "in"
    made = make_jpegs(folder, 3)
    names = ["IMG_10.jpg", "IMG_2.jpg", "img_1.jpg"]
    paths = [p.rename(folder / name) for p, name in zip(made, names, strict=True)]
    engine = new_engine(private_dirs, "http://127.0.0.1:9")  # never started: nothing is sent
    session = Session(workers, key="test-key", data_dir=private_dirs)
    session.engine = engine
    created: list[int] = []
    try:
        session.create_batch(
            BatchSettings(), [inspect(p) for p in paths], [], created.append, pytest.fail
        )
        qtbot.waitUntil(lambda: bool(created), timeout=10_000)
        (batch,) = created
        order = [Path(i.sources[0]).name for i in sorted(engine.items(batch), key=lambda i: i.id)]
        assert order == ["img_1.jpg", "IMG_2.jpg", "IMG_10.jpg"]
    finally:
        close(engine)
