"""The job list's parts on real Qt objects (offscreen): model, proxy, menu, summary, banner, panel.

Items are real ItemSnapshot values as the engine makes them; the engine itself is exercised in
test_engine_bridge.py and test_job_list_engine.py.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QListView

from app.api import MediaFile
from app.engine.model import BatchSettings, BatchSnapshot, ItemSnapshot, ItemState
from app.ui.icons import STATE_COLORS, state_icon
from app.ui.jobs.banner import HoldKind
from app.ui.jobs.filters import JobFilter, JobFilterProxy
from app.ui.jobs.menu import JobAction, actions_for, available_actions, build_menu
from app.ui.jobs.model import JobListModel, JobRole, status_text, time_text
from app.ui.jobs.panel import JobListPanel
from app.ui.jobs.summary import summarize, summary_text

NOW = time.time()


# --- builders ------------------------------------------------------------------------------


def make_item(item_id: int, state: ItemState = ItemState.QUEUED, **fields: Any) -> ItemSnapshot:
    values: dict[str, Any] = {
        "id": item_id,
        "batch_id": 1,
        "kind": "photo",
        "sources": (f"/photos/party_{item_id:03d}.jpg",),
        "title": f"party_{item_id:03d}",
        "state": state,
        "status_text": "",
        "progress": 0,
        "workflow_id": None,
        "error": None,
        "results": (),
        "files": (),
        "created_at": NOW - 600 + item_id,
        "updated_at": NOW - 600 + item_id,
        "finished_at": None,
    }
    if state.is_remote or state in (ItemState.SUCCEEDED, ItemState.FAILED):
        values["workflow_id"] = f"wf-{item_id:04d}"
    if state is ItemState.SUCCEEDED:
        values["progress"] = 100
        values["results"] = (MediaFile("image/jpeg", f"https://cdn.example/{item_id}.jpg"),)
        values["files"] = (f"/out/party_{item_id:03d}_result.jpg",)
    if state.is_final and state is not ItemState.CANCELLED:
        values["finished_at"] = NOW - 300 + item_id
    if state in (ItemState.FAILED, ItemState.NEEDS_ATTENTION):
        values["error"] = "The photo could not be read."
    values.update(fields)
    return ItemSnapshot(**values)


def make_batch(
    batch_id: int, paused_kind: str | None = None, reason: str | None = None
) -> BatchSnapshot:
    return BatchSnapshot(
        id=batch_id,
        created_at=NOW,
        settings=BatchSettings(),
        paused_reason=reason or ("held" if paused_kind else None),
        counts={},
        paused_kind=paused_kind,
    )


MIXED = [
    ItemState.SUCCEEDED,
    ItemState.SUCCEEDED,
    ItemState.RUNNING,
    ItemState.RUNNING,
    ItemState.UPLOADING,
    ItemState.SUBMITTED,
    ItemState.QUEUED,
    ItemState.QUEUED,
    ItemState.FAILED,
    ItemState.NEEDS_ATTENTION,
    ItemState.PAUSED,
    ItemState.CANCELLED,
]


def mixed_items(count: int = 24, batch_id: int = 1) -> list[ItemSnapshot]:
    items = []
    for i in range(count):
        state = MIXED[i % len(MIXED)]
        extra: dict[str, Any] = {"batch_id": batch_id}
        if state is ItemState.RUNNING:
            extra["progress"] = 30 + i
        if state is ItemState.UPLOADING:
            extra["progress"] = 60
        items.append(make_item(batch_id * 1000 + i, state, **extra))
    return items


def ids_of(model: Any) -> list[int]:
    return [model.index(r, 0).data(JobRole.ITEM_ID) for r in range(model.rowCount())]


# --- model ---------------------------------------------------------------------------------


def _churn(model: JobListModel) -> None:
    """Inserts at the top and in the middle, changes, a removal and a reset."""
    model.upsert_many(mixed_items(5, batch_id=3))
    model.upsert(make_item(1004, ItemState.FAILED, updated_at=NOW))
    model.upsert(make_item(1002, ItemState.SUCCEEDED, updated_at=NOW))
    model.flush()
    model.upsert(make_item(1500, ItemState.QUEUED))
    model.flush()
    model.remove(3000)
    model.reset_items(mixed_items(3))


@pytest.mark.parametrize("force_py", [True, False], ids=["pytest-qt", "qt-cpp"])
def test_model_passes_qtmodeltester(qtbot: Any, qtmodeltester: Any, force_py: bool) -> None:
    model = JobListModel()
    model.reset_items(mixed_items(12, batch_id=1))
    model.upsert_many(mixed_items(12, batch_id=2))
    # One tester per test: it stays attached and checks every change that follows.
    qtmodeltester.check(model, force_py=force_py)
    _churn(model)
    assert model.rowCount() == 3


@pytest.mark.parametrize("force_py", [True, False], ids=["pytest-qt", "qt-cpp"])
def test_proxy_passes_qtmodeltester(qtbot: Any, qtmodeltester: Any, force_py: bool) -> None:
    model = JobListModel()
    model.reset_items(mixed_items(12, batch_id=1))
    proxy = JobFilterProxy(model)
    proxy.set_filter(JobFilter.RUNNING)
    proxy.set_search("party")
    qtmodeltester.check(proxy, force_py=force_py)
    _churn(model)  # 1002 leaves "Running", new queued rows join it
    proxy.set_filter(JobFilter.FAILED)
    proxy.set_search("")
    assert ids_of(proxy) == [i.id for i in mixed_items(3) if i.state is ItemState.FAILED]


def test_rows_are_newest_batch_first_then_in_item_order(qtbot: Any) -> None:
    model = JobListModel()
    model.upsert_many([make_item(5, batch_id=1), make_item(3, batch_id=1)])
    model.flush()
    # A batch started later (say, from the command line) lands on top.
    model.upsert_many([make_item(9, batch_id=2), make_item(7, batch_id=2)])
    model.upsert(make_item(4, batch_id=1))
    model.flush()
    assert ids_of(model) == [7, 9, 3, 4, 5]
    assert model.row_of(4) == 3
    model.remove(3)
    assert ids_of(model) == [7, 9, 4, 5]
    assert model.row_of(4) == 2


def test_a_burst_of_1000_updates_makes_one_data_changed(qtbot: Any) -> None:
    model = JobListModel(refresh_ms=150)
    inserted: list[tuple[int, int]] = []
    changed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.dataChanged.connect(lambda tl, br, _r: changed.append((tl.row(), br.row())))

    # 1,000 new items arriving one event at a time: one insert on the next tick.
    with qtbot.waitSignal(model.flushed, timeout=3000):
        for i in range(1000):
            model.upsert(make_item(i, ItemState.QUEUED))
    assert inserted == [(0, 999)]
    assert model.rowCount() == 1000

    # 1,000 progress updates in a burst: one dataChanged, covering the changed rows.
    with qtbot.waitSignal(model.flushed, timeout=3000):
        for i in range(1000):
            model.upsert(make_item(i, ItemState.RUNNING, progress=50, updated_at=NOW + 1000))
    assert changed == [(0, 999)]
    assert model.index(999, 0).data(JobRole.PROGRESS) == 50

    # Five bursts spread over time cost five emissions, not 5 × 200.
    changed.clear()
    for burst in range(5):
        with qtbot.waitSignal(model.flushed, timeout=3000):
            for i in range(burst * 200, burst * 200 + 200):
                model.upsert(make_item(i, ItemState.RUNNING, progress=60, updated_at=NOW + 2000))
    assert changed == [(b * 200, b * 200 + 199) for b in range(5)]


def test_older_snapshot_never_overwrites_a_newer_one(qtbot: Any) -> None:
    model = JobListModel()
    model.upsert(make_item(1, ItemState.SUCCEEDED, updated_at=NOW + 10))
    model.flush()
    model.upsert(make_item(1, ItemState.RUNNING, updated_at=NOW + 5))
    model.flush()
    assert model.index(0, 0).data(JobRole.STATE) == ItemState.SUCCEEDED.value


def test_roles_give_words_for_state_progress_and_time(qtbot: Any) -> None:
    model = JobListModel()
    running = make_item(1, ItemState.RUNNING, progress=40, created_at=NOW - 125)
    failed = make_item(2, ItemState.FAILED, error="The server did not accept the photo.")
    model.reset_items([running, failed])
    index = model.index(0, 0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "party_001"
    assert status_text(running) == "Being made · 40%"
    assert time_text(running, now=NOW) == "2 min 5 s"
    assert time_text(failed, now=NOW).startswith("Finished ")
    assert model.index(1, 0).data(JobRole.STATUS_TEXT) == (
        "Failed: The server did not accept the photo."
    )
    assert "wf-0001" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Being made" in index.data(Qt.ItemDataRole.AccessibleTextRole)
    # While a photo goes up, the engine's progress is the share of its bytes sent.
    sending = make_item(3, ItemState.UPLOADING, progress=45)
    model.reset_items([sending])
    assert model.index(0, 0).data(JobRole.STATUS_TEXT) == "Sending · 45%"
    assert model.index(0, 0).data(JobRole.PROGRESS) == 45
    assert status_text(make_item(4, ItemState.UPLOADING)) == "Sending"


# --- filters and search --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_filter", "states"),
    [
        (JobFilter.ALL, set(ItemState)),
        (
            JobFilter.RUNNING,
            {
                ItemState.QUEUED,
                ItemState.UPLOADING,
                ItemState.SUBMITTED,
                ItemState.RUNNING,
                ItemState.PAUSED,
            },
        ),
        (JobFilter.DONE, {ItemState.SUCCEEDED}),
        (JobFilter.NEEDS_ATTENTION, {ItemState.NEEDS_ATTENTION}),
        (JobFilter.FAILED, {ItemState.FAILED}),
    ],
)
def test_filter_selects_rows_by_state(
    qtbot: Any, job_filter: JobFilter, states: set[ItemState]
) -> None:
    model = JobListModel()
    items = mixed_items(24)
    model.reset_items(items)
    proxy = JobFilterProxy(model)
    proxy.set_filter(job_filter)
    expected = [i.id for i in items if i.state in states]
    assert ids_of(proxy) == expected
    assert expected, "every filter has rows in the mixed set"


def test_delivered_filter_and_search(qtbot: Any) -> None:
    model = JobListModel()
    items = [
        make_item(1, ItemState.SUCCEEDED, title="Anna at the door"),
        make_item(2, ItemState.SUCCEEDED, title="Ben dancing", delivered_at="2026-01-01"),
        make_item(3, ItemState.FAILED, title="Anna and Ben"),
        make_item(4, ItemState.RUNNING, title="Carla", workflow_id="abc-XYZ-123"),
    ]
    model.reset_items(items)
    proxy = JobFilterProxy(model)
    proxy.set_filter(JobFilter.DELIVERED)
    assert ids_of(proxy) == [2]
    proxy.set_filter(JobFilter.ALL)
    proxy.set_search("anna")
    assert ids_of(proxy) == [1, 3]
    proxy.set_search("  ANNA ben ")
    assert ids_of(proxy) == [3]
    proxy.set_search("xyz-123")  # a workflow id pasted from support
    assert ids_of(proxy) == [4]
    proxy.set_search("party_002")  # the photo's file name
    assert ids_of(proxy) == [2]
    proxy.set_filter(JobFilter.FAILED)
    assert ids_of(proxy) == []
    proxy.set_search("")
    assert ids_of(proxy) == [3]


# --- context menu --------------------------------------------------------------------------

A = JobAction


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ItemState.QUEUED, [A.CANCEL]),
        (ItemState.UPLOADING, [A.CANCEL]),
        (ItemState.SUBMITTED, [A.CANCEL, A.COPY_WORKFLOW_ID]),
        (ItemState.RUNNING, [A.CANCEL, A.COPY_WORKFLOW_ID]),
        (ItemState.PAUSED, [A.CANCEL]),
        (
            ItemState.SUCCEEDED,
            [
                A.OPEN_RESULT,
                A.SHOW_IN_FOLDER,
                A.COPY_WORKFLOW_ID,
                A.DELETE_FROM_SERVER,
                A.REMOVE_FROM_LIST,
            ],
        ),
        (
            ItemState.FAILED,
            [A.RETRY, A.COPY_WORKFLOW_ID, A.DELETE_FROM_SERVER, A.REMOVE_FROM_LIST],
        ),
        (ItemState.NEEDS_ATTENTION, [A.RESUBMIT, A.REMOVE_FROM_LIST]),
        (ItemState.CANCELLED, [A.RETRY, A.REMOVE_FROM_LIST]),
    ],
)
def test_menu_actions_follow_the_state(
    qtbot: Any, state: ItemState, expected: list[JobAction]
) -> None:
    item = make_item(1, state)
    assert actions_for(item) == expected
    menu = build_menu([item])
    shown = [a.data() for a in menu.actions() if not a.isSeparator()]
    assert shown == [a.value for a in expected]
    assert all(a.text() and a.toolTip() for a in menu.actions() if not a.isSeparator())
    menu.deleteLater()


def test_menu_details() -> None:
    # Done but not downloaded (no folder chosen): the result opens from the server.
    online = make_item(1, ItemState.SUCCEEDED, files=())
    assert actions_for(online)[:2] == [A.OPEN_RESULT, A.COPY_WORKFLOW_ID]
    # Failed before any workflow existed: nothing to copy or delete.
    local = make_item(2, ItemState.FAILED, workflow_id=None)
    assert actions_for(local) == [A.RETRY, A.REMOVE_FROM_LIST]
    # A mixed selection offers what applies to any, in menu order.
    mixed = [make_item(3, ItemState.RUNNING), make_item(4, ItemState.FAILED)]
    assert available_actions(mixed) == [
        A.RETRY,
        A.CANCEL,
        A.COPY_WORKFLOW_ID,
        A.DELETE_FROM_SERVER,
        A.REMOVE_FROM_LIST,
    ]
    assert available_actions([]) == []


def test_menu_labels_count_a_mixed_selection(qtbot: Any) -> None:
    menu = build_menu(
        [
            make_item(1, ItemState.FAILED),
            make_item(2, ItemState.FAILED),
            make_item(3, ItemState.RUNNING),
        ]
    )
    texts = {a.data(): a.text() for a in menu.actions() if not a.isSeparator()}
    assert texts[A.RETRY.value] == "Retry (2)"
    assert texts[A.CANCEL.value] == "Cancel 1 photo"  # not "Cancel", which reads "close menu"
    assert texts[A.COPY_WORKFLOW_ID.value] == "Copy Vimmerse id (3)"
    menu.deleteLater()


# --- summary -------------------------------------------------------------------------------


def test_summary_counts_and_eta() -> None:
    start = 1_000.0
    done = [
        make_item(i, ItemState.SUCCEEDED, created_at=start, finished_at=start + 10 * i)
        for i in range(1, 11)
    ]  # one finished every 10 s
    left = [make_item(20 + i, ItemState.QUEUED, created_at=start) for i in range(5)]
    failed = [make_item(40, ItemState.FAILED, created_at=start, finished_at=start + 15)]
    # Finished in an earlier run (before today's first unfinished photo was added): ignored.
    old = [make_item(50, ItemState.SUCCEEDED, created_at=0.0, finished_at=5.0)]
    summary = summarize(done + left + failed + old)
    assert summary.count(ItemState.SUCCEEDED) == 11
    assert summary.count(ItemState.QUEUED) == 5
    assert summary.remaining == 5
    # 11 finishes (10 done + 1 failed) from t=10 to t=100: 9 s apart, × 5 to go.
    assert summary.eta_seconds == pytest.approx(45.0)
    text = summary_text(summary)
    assert text.startswith("11 done · 5 waiting · 1 failed — ")
    assert text.endswith("less than a minute left")
    assert summary_text(summary, paused=True).endswith("— sending is paused")

    assert summarize(left).eta_seconds is None
    assert summary_text(summarize(left)).endswith("estimating time left…")
    assert summarize(done).eta_seconds == 0.0
    assert summary_text(summarize(done)).endswith("all finished")
    many = [make_item(100 + i, ItemState.QUEUED, created_at=start) for i in range(100)]
    assert summary_text(summarize(done + many)).endswith("about 16 min 40 s left")
    # With no job at all the caller says what fits (photos waiting to be sent, or none).
    assert summary_text(summarize([])) == "No jobs yet."
    assert summary_text(summarize([]), empty="Press Create.") == "Press Create."
    paused = [make_item(60 + i, ItemState.PAUSED, created_at=start) for i in range(3)]
    text = summary_text(summarize(done + paused), paused=True)
    assert text == "10 done · 3 paused — sending is paused"


# --- panel (no engine) ---------------------------------------------------------------------


@pytest.fixture
def panel(qtbot: Any) -> JobListPanel:
    widget = JobListPanel()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    return widget


def test_panel_shows_rows_filters_and_summary(qtbot: Any, panel: JobListPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.findChild(QListView, "jobList")
    assert view is panel.view
    panel.model.upsert_many(mixed_items(24))
    panel.model.flush()
    assert view.model().rowCount() == 24
    assert panel.tabs.tabText(0) == "All (24)"
    assert panel.tabs.tabText(4) == "Failed (2)"
    assert "4 done" in panel.summary.label.text()
    panel.set_filter(JobFilter.FAILED)
    assert view.model().rowCount() == 2
    panel.search.setText("party_1008")
    assert ids_of(view.model()) == [1008]
    panel.search.clear()
    panel.set_filter(JobFilter.ALL)

    received: list[list[int]] = []
    panel.selection_changed_items.connect(received.append)
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert received[-1] == [1000, 1001]
    assert [i.id for i in panel.selected_items()] == [1000, 1001]
    menu = panel.context_menu()
    assert [a.data() for a in menu.actions() if not a.isSeparator()] == [
        A.OPEN_RESULT.value,
        A.SHOW_IN_FOLDER.value,
        A.COPY_WORKFLOW_ID.value,
        A.DELETE_FROM_SERVER.value,
        A.REMOVE_FROM_LIST.value,
    ]
    copy = next(a for a in menu.actions() if a.data() == A.COPY_WORKFLOW_ID.value)
    copy.trigger()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "wf-1000\nwf-1001"
    menu.deleteLater()


def test_banner_for_credit_and_key(qtbot: Any, panel: JobListPanel) -> None:
    panel.show()
    assert panel.banner.isHidden()
    panel._batch_changed(make_batch(1, "credit", "Your Vimmerse account is out of credit."))
    assert panel.banner.isVisible()
    assert panel.banner.kind is HoldKind.CREDIT
    assert panel.banner.message.text() == "Your Vimmerse account is out of credit."
    assert panel.banner.resume_button.isVisible()
    assert not panel.banner.key_button.isVisible()
    assert panel.pause_button.text() == "Resume sending"

    panel._batch_changed(make_batch(2, "key"))
    assert panel.banner.kind is HoldKind.KEY
    assert panel.banner.key_button.isVisible()
    with qtbot.waitSignal(panel.key_requested, timeout=1000):
        qtbot.mouseClick(panel.banner.key_button, Qt.MouseButton.LeftButton)

    panel._batch_changed(make_batch(1))
    panel._batch_changed(make_batch(2))
    assert panel.banner.isHidden()
    # A pause the user chose is no reason for a banner, but the button offers to resume.
    panel._batch_changed(make_batch(1, "user"))
    assert panel.banner.isHidden()
    assert panel.pause_button.text() == "Resume sending"


# --- painting ------------------------------------------------------------------------------


def _has_color(image: QImage, color: QColor, rect: tuple[int, int, int, int]) -> bool:
    x0, y0, w, h = rect
    wanted = color.rgb()
    return any(image.pixel(x, y) == wanted for x in range(x0, x0 + w) for y in range(y0, y0 + h))


def _count_hue(image: QImage, color: QColor, rect: tuple[int, int, int, int]) -> int:
    x0, y0, w, h = rect
    found = 0
    for x in range(x0, x0 + w):
        for y in range(y0, y0 + h):
            pixel = QColor(image.pixel(x, y))
            if pixel.hsvSaturation() > 80 and abs(pixel.hsvHue() - color.hsvHue()) < 12:
                found += 1
    return found


def test_rows_paint_badge_and_progress(qtbot: Any, panel: JobListPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    panel.model.reset_items(
        [make_item(1, ItemState.SUCCEEDED), make_item(2, ItemState.RUNNING, progress=50)]
    )
    view = panel.view
    image = view.viewport().grab().toImage()
    row0 = view.visualRect(view.model().index(0, 0))
    row1 = view.visualRect(view.model().index(1, 0))
    assert row0.height() >= 48
    badge_area = (row0.left() + 48, row0.top(), 60, row0.height())
    assert _has_color(image, STATE_COLORS[ItemState.SUCCEEDED], badge_area)
    assert not _has_color(image, STATE_COLORS[ItemState.FAILED], badge_area)
    assert _has_color(
        image, STATE_COLORS[ItemState.RUNNING], (row1.left() + 48, row1.top(), 60, row1.height())
    )
    # The progress bar is drawn by the style in (shades of) the palette's highlight colour, on
    # the right, for the running row only.
    highlight = view.palette().color(view.palette().ColorRole.Highlight)
    right = (row1.right() - 170, row1.top(), 170, row1.height())
    assert _count_hue(image, highlight, right) > 100
    assert _count_hue(image, highlight, (row0.right() - 170, row0.top(), 170, row0.height())) == 0


def test_state_icons_are_sharp_at_high_dpi(qtbot: Any) -> None:
    for state in ItemState:
        icon = state_icon(state)
        assert not icon.isNull()
        pixmap = icon.pixmap(24, 24)
        assert pixmap.width() == 24
        big = icon.pixmap(48)
        assert big.width() == 48  # a real 48 px drawing, not an upscaled 24


def test_ctrl_c_copies_the_workflow_id(qtbot: Any, panel: JobListPanel) -> None:
    from PySide6.QtGui import QGuiApplication

    panel.show()
    qtbot.waitExposed(panel)
    panel.model.reset_items([make_item(1, ItemState.SUCCEEDED), make_item(2, ItemState.FAILED)])
    view = panel.view
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "wf-0001"
    view.selectAll()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "wf-0001\nwf-0002"


def test_a_load_never_hides_events_that_arrived_first(qtbot: Any, panel: JobListPanel) -> None:
    # An event newer than the store read (it raced the load) must survive the load.
    panel.model.upsert(make_item(1, ItemState.SUCCEEDED, updated_at=NOW + 50))
    panel._loaded([make_item(1, ItemState.RUNNING), make_item(2)], [make_batch(1, "credit")])
    panel.model.flush()
    assert [i.state for i in panel.model.items()] == [ItemState.SUCCEEDED, ItemState.QUEUED]
    assert panel.banner.kind is HoldKind.CREDIT


def test_waiting_items_of_a_paused_batch_look_paused_and_the_tabs_count_what_they_show(
    qtbot: Any, panel: JobListPanel
) -> None:
    # Either way the engine tells it: PAUSED items, or QUEUED items of a batch held for credit.
    items = [
        make_item(1, ItemState.SUCCEEDED),
        make_item(2, ItemState.RUNNING, progress=40),
        make_item(3, ItemState.QUEUED),
        make_item(4, ItemState.PAUSED, error="Out of credit"),
    ]
    panel._loaded(items, [make_batch(1, "credit", "Out of credit")])
    panel.model.flush()
    model = panel.model
    states = [model.index(r, 0).data(JobRole.STATE) for r in range(4)]
    assert states == ["succeeded", "running", "paused", "paused"]
    assert model.index(2, 0).data(JobRole.STATUS_TEXT) == "Paused"
    assert model.index(3, 0).data(JobRole.STATUS_TEXT) == "Paused"
    assert "Out of credit" in model.index(3, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert panel.summary.label.text() == ("1 done · 1 being made · 2 paused — sending is paused")
    # "In progress" counts every unfinished row, exactly the rows it shows.
    tabs = {panel.tabs.tabData(i): panel.tabs.tabText(i) for i in range(panel.tabs.count())}
    assert tabs[JobFilter.RUNNING.value] == "In progress (3)"
    panel.set_filter(JobFilter.RUNNING)
    assert panel.proxy.rowCount() == 3

    # Resumed: the queued one waits again.
    panel._batch_changed(make_batch(1))
    assert model.index(2, 0).data(JobRole.STATE) == "queued"
    assert "1 waiting" in panel.summary.label.text()


def test_empty_list_summary_says_what_to_do(qtbot: Any, panel: JobListPanel) -> None:
    assert panel.summary.label.text() == "Connecting…"  # no engine yet
    panel.bridge = object()  # type: ignore[assignment]  # only "connected" matters here
    panel.set_empty_hint("Nothing sent yet: press “Create 3 results” to start.")
    assert panel.summary.label.text() == "Nothing sent yet: press “Create 3 results” to start."
    panel.bridge = None


def test_a_web_photo_row_shows_a_globe_not_an_empty_box(qtbot: Any, panel: JobListPanel) -> None:
    panel.show()
    qtbot.waitExposed(panel)
    web = make_item(1, ItemState.QUEUED, kind="url", sources=("https://example.com/a.jpg",))
    local = make_item(2, ItemState.QUEUED, sources=("/nowhere/b.jpg",))
    panel.model.reset_items([web, local])
    view = panel.view
    image = view.viewport().grab().toImage()
    dark = view.palette().color(view.palette().ColorRole.Dark).rgb()

    def lines_in(row: int) -> int:
        rect = view.visualRect(view.model().index(row, 0))
        return sum(
            1
            for x in range(rect.left() + 6, rect.left() + 54)
            for y in range(rect.top() + 6, rect.bottom() - 6)
            if image.pixel(x, y) == dark
        )

    assert lines_in(0) > 30  # the globe's lines
    assert lines_in(1) == 0  # a photo still loading: a plain placeholder


def test_the_row_menu_says_delete_from_vimmerse_as_the_results_panel_does(qtbot: Any) -> None:
    item = make_item(1, ItemState.SUCCEEDED)
    menu = build_menu([item])
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    menu.deleteLater()
    assert "Delete from Vimmerse…" in texts
    assert not any("server" in text.lower() for text in texts)


def test_after_retry_a_row_counts_its_time_from_the_retry(qtbot: Any) -> None:
    """Failed an hour ago, retried (Retry all failed) a few seconds ago: the row says a few
    seconds, not the time since the first send."""

    model = JobListModel(refresh_ms=0)
    now = time.time()
    failed = make_item(
        1, ItemState.FAILED, created_at=now - 3600, updated_at=now - 3500, finished_at=now - 3500
    )
    model.reset_items([failed])
    model.upsert(make_item(1, ItemState.QUEUED, created_at=now - 3600, updated_at=now - 5))
    model.flush()
    index = model.index(0, 0)
    assert index.data(JobRole.TIME_TEXT).startswith("Retried")
    model.upsert(make_item(1, ItemState.RUNNING, created_at=now - 3600, updated_at=now - 4))
    model.flush()
    shown = index.data(JobRole.TIME_TEXT)
    assert "h" not in shown and "min" not in shown, shown
    model.deleteLater()
