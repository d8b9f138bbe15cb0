"""The results panel on the real engine: SQLite store, simulator over HTTP, Qt thread pools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engine.enginetools import close, make_jpegs, new_engine, photos_of
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QPixmap

from app.engine import BatchSettings, Engine, ItemState, OverwritePolicy
from app.images.thumbnails import ThumbnailCache
from app.ui.engine_bridge import EngineBridge
from app.ui.results.model import ResultRole
from app.ui.results.panel import ResultsPanel
from app.ui.settings import AUTO_MARK_DELIVERED, NAME_PATTERN, AppSettings
from app.ui.workers import Workers

VIDEO = BatchSettings(template_id="vim_dancing_santa", options={"pipeline_mode": "video"})


class Rig:
    def __init__(self, qtbot: Any, engine: Engine, workers: Workers, data: Path) -> None:
        self.qtbot = qtbot
        self.engine = engine
        self.bridge = EngineBridge(engine, workers.io)
        self.settings = AppSettings.open(data)
        self.panel = ResultsPanel(
            workers, self.settings, ThumbnailCache(data / "thumbs"), data / "cache"
        )
        qtbot.addWidget(self.panel)
        self.opened: list[QUrl] = []
        self.panel.opener = self.opened.append
        self.messages: list[str] = []
        self.panel.message.connect(self.messages.append)
        self.panel.resize(520, 760)
        self.panel.show()
        self.panel.set_engine(self.bridge)

    def run_batch(self, folder: Path, count: int, settings: BatchSettings | None = None) -> int:
        self.engine.start()
        batch = self.engine.create_batch(
            settings or BatchSettings(), photos_of(make_jpegs(folder, count))
        )
        assert self.engine.wait_idle(30)
        self.qtbot.waitUntil(lambda: len(self.panel.model.items) == count, timeout=10_000)
        return batch

    def previews_loaded(self) -> bool:
        model = self.panel.model
        return all(
            isinstance(model.index(r).data(ResultRole.PREVIEW), QPixmap)
            for r in range(model.rowCount())
        )

    def close(self) -> None:
        self.panel.close_panel()
        self.bridge.close()
        close(self.engine)


@pytest.fixture
def rig_factory(qtbot: Any, private_dirs: Path, workers: Workers) -> Iterator[Any]:
    rigs: list[Rig] = []

    def make(base_url: str) -> Rig:
        engine = new_engine(private_dirs, base_url, executor=workers.io.executor())
        rig = Rig(qtbot, engine, workers, private_dirs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


def _is_recent_stamp(value: Any) -> bool:
    """None ("now", by the contract) or an ISO time within the last minute."""
    if value is None:
        return True
    from datetime import UTC, datetime

    stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return abs((datetime.now(UTC) - stamp).total_seconds()) < 60


def _puts(sim: Any) -> list[Any]:
    return [r for r in sim.requests if r.method == "PUT"]


def _settled(rig: Rig, item_id: int) -> bool:
    """No change waits for this item, and the panel shows what the engine stored last."""
    stored = rig.engine.item(item_id)
    shown = rig.panel.model.items.get(item_id)
    return stored is not None and not stored.pending_update and shown == stored


def test_finished_images_show_before_and_after_and_open_locally(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 3)
    panel = rig.panel
    assert panel.model.rowCount() == 3
    assert not panel.empty_label.isVisible()
    qtbot.waitUntil(rig.previews_loaded, timeout=15_000)
    index = panel.model.index(0)
    preview = index.data(ResultRole.PREVIEW)
    assert isinstance(preview, QPixmap) and preview.width() > 100
    qtbot.waitUntil(lambda: isinstance(index.data(ResultRole.BEFORE), QPixmap), timeout=5000)

    panel.select_tile(0)
    assert panel.open_button.isEnabled()
    panel.open_current()
    assert len(rig.opened) == 1 and rig.opened[0].isLocalFile()
    assert Path(rig.opened[0].toLocalFile()).read_bytes()[:2] == b"\xff\xd8"  # a real JPEG

    # The job list's selection narrows the panel to that job.
    first = min(panel.model.items)
    panel.set_selection([first])
    assert [t.item_id for t in panel.model.tiles] == [first]

    # Steps on demand, labelled by step.
    panel.steps_box.setChecked(True)
    qtbot.waitUntil(lambda: any(t.step for t in panel.model.tiles), timeout=5000)
    assert {t.step for t in panel.model.tiles if t.step} == {"detect_people", "compose"}


def test_a_video_result_gets_its_poster_from_the_steps_and_opens_in_the_player(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 1, VIDEO)
    panel = rig.panel
    tile = panel.model.tiles[0]
    assert tile.media.is_video
    qtbot.waitUntil(rig.previews_loaded, timeout=15_000)  # the poster: a still step output
    panel.select_tile(0)
    panel.open_current()
    qtbot.waitUntil(lambda: len(rig.opened) == 1, timeout=15_000)
    opened = Path(rig.opened[0].toLocalFile())
    assert opened.suffix == ".avi" and opened.read_bytes()[:4] == b"RIFF"


def test_save_all_uses_the_pattern_and_asks_once_about_files_already_there(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 3, BatchSettings(template_id="vim_arctic"))
    panel = rig.panel
    out = tmp_path / "out"
    panel.choose_folder = lambda _start: str(out)
    rig.settings.set_value(NAME_PATTERN, "{stem}-{template}-{n}.{ext}")
    asked: list[list[str]] = []
    answers: list[OverwritePolicy | None] = []

    def ask(_parent: Any, names: list[str]) -> OverwritePolicy | None:
        asked.append(names)
        return answers.pop(0)

    panel.ask_overwrite = ask
    expected = {f"photo00{i}-vim_arctic-1.jpg" for i in (1, 2, 3)}

    panel.save_all()
    qtbot.waitUntil(lambda: {p.name for p in out.glob("*.jpg")} == expected, timeout=15_000)
    qtbot.waitUntil(lambda: any("Saved 3 files" in m for m in rig.messages), timeout=5000)
    assert asked == []  # nothing was in the way
    for path in out.glob("*.jpg"):
        assert path.read_bytes()[:2] == b"\xff\xd8"

    # Second run: one question for all three; "skip" leaves them as they were.
    marker = out / "photo001-vim_arctic-1.jpg"
    marker.write_bytes(b"mine")
    answers.append(OverwritePolicy.SKIP)
    rig.messages.clear()
    panel.save_all()
    qtbot.waitUntil(lambda: any("left as they were" in m for m in rig.messages), timeout=10_000)
    assert len(asked) == 1 and sorted(asked[0]) == sorted(expected)
    assert marker.read_bytes() == b"mine"

    # "Keep both" renames, "Replace" overwrites.
    answers.append(OverwritePolicy.RENAME)
    panel.save_all()
    qtbot.waitUntil(lambda: len(list(out.glob("*.jpg"))) == 6, timeout=10_000)
    assert (out / "photo001-vim_arctic-1 (2).jpg").exists()
    answers.append(OverwritePolicy.OVERWRITE)
    panel.save_all()
    qtbot.waitUntil(lambda: marker.read_bytes()[:2] == b"\xff\xd8", timeout=10_000)
    assert len(list(out.glob("*.jpg"))) == 6 and len(asked) == 3

    # Show in folder opens where the chosen job's files went.
    panel.select_tile(0)
    panel.show_in_folder()
    assert Path(rig.opened[-1].toLocalFile()) == out

    # The engine recorded the saved files on the items, so the report lists them.
    report = tmp_path / "report.csv"
    panel.export_report(str(report))
    qtbot.waitUntil(lambda: any("Report saved" in m for m in rig.messages), timeout=5000)
    text = report.read_text(encoding="utf-8-sig")
    assert str(out / "photo002-vim_arctic-1.jpg") in text
    assert str(out / "photo001-vim_arctic-1 (2).jpg") in text


def test_rating_and_mark_delivered_reach_the_server_as_the_right_put_bodies(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 2)
    panel = rig.panel
    panel.select_tile(1)
    item = panel.chosen_items()[0]
    notes: list[str] = []
    panel.model.dataChanged.connect(
        lambda index, *_: notes.append(index.data(ResultRole.NOTE)) if index.row() == 1 else None
    )
    panel.rating.choose(4)
    qtbot.waitUntil(lambda: rig.engine.item(item.id).rating == "4", timeout=10_000)  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: _settled(rig, item.id), timeout=5000)
    assert [r.json for r in _puts(simulator)] == [{"rating": "4"}]
    assert "Sending your change…" in notes  # shown while it was on its way

    # Marking delivered cannot be undone on Vimmerse: asked once, saying so.
    questions: list[str] = []
    panel.confirm = lambda _title, text, _yes: questions.append(text) is None
    panel.deliver_button.click()
    assert len(questions) == 1 and "cannot be undone on Vimmerse" in questions[0]
    qtbot.waitUntil(lambda: len(_puts(simulator)) == 2 and _settled(rig, item.id), timeout=10_000)
    puts = _puts(simulator)
    # The engine sends the moment the user marked it (the contract also allows null = now).
    body = dict(puts[-1].json)
    assert body.pop("rating", "4") == "4" and set(body) == {"delivered_at"}
    assert _is_recent_stamp(body["delivered_at"])
    assert simulator.workflows[item.workflow_id]["delivered_at"]
    assert panel.model.items[item.id].delivered_at
    assert panel.model.index(1).data(ResultRole.NOTE) == ""
    assert panel.rating.value() == 4
    assert not panel.deliver_button.isEnabled()  # marked: nothing more to mark


def test_a_failed_update_is_shown_on_the_item_and_retried(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 1)
    panel = rig.panel
    panel.select_tile(0)
    item = panel.chosen_items()[0]

    # Server errors are retried until the change lands.
    simulator.script("PUT", "/workflow/", "500", "500")
    panel.rating.choose(2)
    qtbot.waitUntil(lambda: len(_puts(simulator)) == 3 and _settled(rig, item.id), timeout=15_000)
    assert [r.status for r in _puts(simulator)] == [500, 500, 200]
    assert simulator.workflows[item.workflow_id]["rating"] == "2"

    # A refusal is shown on the item and kept until the user retries (or drops it).
    simulator.script("PUT", "/workflow/", "400")
    panel.rating.choose(5)
    qtbot.waitUntil(lambda: bool(panel.model.items[item.id].update_error), timeout=10_000)
    note = panel.model.index(0).data(ResultRole.NOTE)
    assert note.startswith("Not saved on Vimmerse: ") and panel.model.index(0).data(
        ResultRole.NOTE_IS_ERROR
    )
    assert panel.note_frame.isVisible() and panel.note_label.text().startswith("Your change")
    assert panel.retry_button.isEnabled() and panel.drop_button.isEnabled()
    assert simulator.workflows[item.workflow_id]["rating"] == "2"
    assert panel.model.items[item.id].rating == "5"  # the user's wish, still kept
    # and said in the status bar (the message comes by its own queued signal: wait for it)
    qtbot.waitUntil(lambda: any("could not be changed" in m for m in rig.messages), timeout=5000)

    # The server accepts it again: "Try again" lands it and the note goes.
    panel.retry_button.click()
    qtbot.waitUntil(lambda: _settled(rig, item.id), timeout=10_000)
    assert simulator.workflows[item.workflow_id]["rating"] == "5"
    assert [r.status for r in _puts(simulator)][-2:] == [400, 200]
    qtbot.waitUntil(lambda: not panel.note_frame.isVisible(), timeout=2000)
    assert panel.model.index(0).data(ResultRole.NOTE) == ""

    # Another refusal, this time dropped: the tile shows what Vimmerse has again.
    simulator.script("PUT", "/workflow/", "400")
    panel.rating.choose(1)
    qtbot.waitUntil(lambda: bool(panel.model.items[item.id].update_error), timeout=10_000)
    panel.drop_button.click()
    qtbot.waitUntil(lambda: _settled(rig, item.id), timeout=10_000)
    assert panel.model.items[item.id].rating == "5" and panel.rating.value() == 5
    assert not panel.model.items[item.id].update_error and not panel.note_frame.isVisible()
    assert simulator.workflows[item.workflow_id]["rating"] == "5"


def test_edit_title_description_and_visibility(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path, settle: Any
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 1)
    panel = rig.panel
    panel.select_tile(0)
    item = panel.chosen_items()[0]
    panel.details_toggle.setChecked(True)
    # Filled from the item (the batch's description and visibility), no server round trip.
    assert panel.description_edit.toPlainText() == item.description
    assert panel.visibility_combo.currentData() == item.visibility.value  # type: ignore[union-attr]
    panel.title_edit.setText("Smith wedding")
    panel.description_edit.setPlainText("Table 4")
    panel.visibility_combo.setCurrentIndex(panel.visibility_combo.findData("0"))
    panel.apply_button.click()
    qtbot.waitUntil(lambda: len(_puts(simulator)) == 1 and _settled(rig, item.id), timeout=10_000)
    served = simulator.workflows[item.workflow_id]
    assert (served["title"], served["description"], served["visibility_status"]) == (
        "Smith wedding", "Table 4", "0",
    )  # fmt: skip
    shown = panel.model.items[item.id]
    assert (shown.title, shown.description, shown.visibility) == ("Smith wedding", "Table 4", "0")
    # Applying again with nothing changed sends nothing.
    panel.apply_button.click()
    settle(rig.engine, rig.bridge)
    assert len(_puts(simulator)) == 1


def test_delete_confirms_that_server_files_go_and_removes_the_item(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 2)
    panel = rig.panel
    panel.select_tile(0)
    item = panel.chosen_items()[0]
    questions: list[str] = []
    panel.confirm = lambda _title, text, _yes: questions.append(text) is None and False
    panel.delete_button.click()
    assert len(questions) == 1 and "stored on Vimmerse are deleted too" in questions[0]
    assert item.workflow_id in simulator.workflows  # "Cancel" deleted nothing

    panel.confirm = lambda _title, _text, _yes: True
    panel.delete_button.click()
    qtbot.waitUntil(lambda: item.id not in panel.model.items, timeout=10_000)
    assert item.workflow_id not in simulator.workflows
    assert panel.model.rowCount() == 1
    assert rig.engine.item(item.id) is None


def test_auto_mark_delivered_after_saving(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path, settle: Any
) -> None:
    rig = rig_factory(simulator.base_url)
    rig.run_batch(tmp_path / "in", 1)
    rig.settings.set_value(AUTO_MARK_DELIVERED, True)
    panel = rig.panel
    panel.choose_folder = lambda _start: str(tmp_path / "out")
    panel.select_tile(0)
    item = panel.chosen_items()[0]
    panel.save_button.click()
    qtbot.waitUntil(
        lambda: bool(panel.model.items[item.id].delivered_at) and _settled(rig, item.id),
        timeout=10_000,
    )
    settle(rig.engine, rig.bridge)  # a second PUT, if the save and the auto-deliver both sent one
    puts = [r.json for r in _puts(simulator)]
    assert len(puts) == 1 and set(puts[0]) == {"delivered_at"}
    assert _is_recent_stamp(puts[0]["delivered_at"])
    assert rig.engine.item(item.id).state is ItemState.SUCCEEDED  # type: ignore[union-attr]


# --- thousands of results: incremental model, bounded memory, lazy loading ----------------


def _snapshot(item_id: int, batch_id: int = 1, n_results: int = 1) -> Any:
    from app.api import MediaFile
    from app.engine.model import ItemSnapshot

    return ItemSnapshot(
        id=item_id,
        batch_id=batch_id,
        kind="photo",
        sources=(f"/photos/p{item_id}.jpg",),
        title=f"p{item_id}",
        state=ItemState.SUCCEEDED,
        status_text="success",
        progress=100,
        workflow_id=f"w{item_id}",
        error=None,
        results=tuple(
            MediaFile("image/jpeg", f"http://h/files/{item_id}/r{n}.jpg") for n in range(n_results)
        ),
        files=(),
        created_at=0.0,
        updated_at=0.0,
        finished_at=0.0,
    )


def test_the_model_inserts_and_removes_rows_instead_of_resetting(qtbot: Any) -> None:
    from app.ui.results.model import ResultsModel

    model = ResultsModel()
    model.set_items([_snapshot(i) for i in range(0, 2000, 2)])
    resets: list[int] = []
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _p, first, last: removed.append((first, last)))
    kept = model.index(700)
    from PySide6.QtCore import QPersistentModelIndex

    persistent = QPersistentModelIndex(kept)
    tile_before = kept.data(ResultRole.TILE)

    # A job finishing in the middle of the batch: one row goes in, nothing is reset.
    model.set_items([*model.items.values(), _snapshot(501)])
    assert inserted == [(251, 251)] and resets == []
    assert persistent.row() == 701 and persistent.data(ResultRole.TILE) == tile_before
    # An item that gets a second result: one more row, next to its first.
    model.update_item(_snapshot(501, n_results=2))
    assert inserted[-1] == (252, 252)
    model.remove_item(501)
    assert removed == [(251, 252)] and resets == []
    assert model.rowCount() == 1000

    # A preview arriving repaints its own row only (through the key -> rows index).
    changed: list[int] = []
    model.dataChanged.connect(
        lambda top, bottom, *_: changed.extend(range(top.row(), bottom.row() + 1))
    )
    from PySide6.QtGui import QImage

    tile = model.tiles[10]
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    model.set_image(tile.key, image)
    assert changed == [10]


def test_previews_are_kept_in_a_bounded_lru_and_wanted_again_when_painted(qtbot: Any) -> None:
    from PySide6.QtGui import QImage

    from app.ui.results.model import PIXMAP_CACHE, ResultsModel

    model = ResultsModel()
    count = PIXMAP_CACHE + 100
    model.set_items([_snapshot(i) for i in range(count)])
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    for tile in model.tiles:
        model.set_image(tile.key, image)
    assert len(model.pixmaps) == PIXMAP_CACHE
    assert model.tiles[0].key not in model.pixmaps  # the oldest went first
    wanted: list[list[Any]] = []
    model.wanted.connect(wanted.append)
    assert model.index(0).data(ResultRole.PREVIEW) is None  # painted again: loaded again
    qtbot.waitUntil(lambda: bool(wanted), timeout=1000)
    assert [t.key for t in wanted[0]] == [model.tiles[0].key]


def test_only_painted_tiles_load_and_a_burst_of_finished_jobs_refreshes_once(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path, settle: Any
) -> None:
    rig = rig_factory(simulator.base_url)
    panel = rig.panel
    refreshes: list[int] = []
    original = panel.model.set_items
    panel.model.set_items = lambda items: (refreshes.append(1), original(items))[1]  # type: ignore[method-assign]
    rig.run_batch(tmp_path / "in", 16)
    assert len(refreshes) < 16  # coalesced, not one full refresh per finished job
    visible = [
        r
        for r in range(panel.model.rowCount())
        if panel.view.visualRect(panel.model.index(r)).intersects(panel.view.viewport().rect())
    ]
    assert 0 < len(visible) < 16
    qtbot.waitUntil(
        lambda: all(
            isinstance(panel.model.index(r).data(ResultRole.PREVIEW), QPixmap) for r in visible
        ),
        timeout=15_000,
    )
    settle(rig.engine, rig.bridge)  # every load asked for has finished
    fetched = [r for r in simulator.requests if r.method == "GET" and "/files/" in r.path]
    inputs = [k for k in panel.model.pixmaps if k.startswith("input:")]
    assert len(fetched) < 16 and len(inputs) < 16  # the rows never painted were not loaded


def test_a_new_key_is_used_at_once_and_one_download_serves_preview_and_open(
    qtbot: Any, simulator: Any, rig_factory: Any, tmp_path: Path
) -> None:
    from engine.enginetools import make_client

    rig = rig_factory(simulator.base_url)
    panel = rig.panel
    panel.hide()  # nothing painted: this test asks for each load itself
    rig.run_batch(tmp_path / "in", 1)
    item = next(iter(panel.model.items.values()))
    old = rig.engine.client
    rig.engine.set_client(make_client(simulator.base_url, key="replaced-key"))
    qtbot.waitUntil(lambda: not rig.panel.loader._downloads, timeout=15_000)
    old.close()  # no download of the panel's own is still using it
    seen: list[int] = []
    panel.loader.workflow_ready.connect(lambda item_id, _w: seen.append(item_id))
    panel.loader.request_workflow(item.id, item.workflow_id)
    qtbot.waitUntil(lambda: seen == [item.id], timeout=10_000)
    gets = [r for r in simulator.requests if r.method == "GET" and r.workflow_id]
    assert gets[-1].api_key == "replaced-key"

    # A preview and "open" asking for the same file at once: one download.
    media = item.results[0]
    before = len([r for r in simulator.requests if r.path.endswith(Path(media.url).name)])
    opened: list[str] = []
    panel.loader.request_image(media)
    panel.loader.request_file(media, opened.append, lambda e: opened.append(repr(e)))
    qtbot.waitUntil(lambda: bool(opened), timeout=15_000)
    qtbot.waitUntil(lambda: isinstance(panel.model.pixmaps.get(media.url), QPixmap), timeout=15_000)
    after = len([r for r in simulator.requests if r.path.endswith(Path(media.url).name)])
    assert after - before == 1
    assert Path(opened[0]).read_bytes()[:2] == b"\xff\xd8"


def test_what_a_tile_paints_is_what_a_screen_reader_hears(qtbot: Any, qtmodeltester: Any) -> None:
    """Every word the delegate paints comes from the model, and the accessible text has them
    all (the stars in words)."""
    from dataclasses import replace

    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QListView, QStyleOptionViewItem

    from app.api import MediaFile
    from app.ui.results.delegate import ResultDelegate
    from app.ui.results.model import ResultsModel

    painted: list[str] = []

    class RecordingPainter(QPainter):
        def drawText(self, *args: Any) -> None:  # type: ignore[override]
            painted.append(str(args[-1]))
            super().drawText(*args)

    model = ResultsModel()
    rated = replace(_snapshot(1, n_results=2), rating="4", delivered_at="2026-01-02T03:04:05+00:00")
    changing = replace(_snapshot(2), pending_update={"title": "New"}, title="")
    video = replace(
        _snapshot(3),
        results=(MediaFile("video/x-msvideo", "http://h/files/3/result.avi"),),
        update_error="the title is too long",
    )
    model.set_items([rated, changing, video])
    qtmodeltester.check(model)
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = ResultDelegate(view)
    image = QImage(900, 260, QImage.Format.Format_RGB32)
    for row in range(model.rowCount()):
        index = model.index(row)
        painted.clear()
        painter = RecordingPainter(image)
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = QRect(0, 0, 900, 260)
        delegate.paint(painter, option, index)
        painter.end()
        heard = str(index.data(Qt.ItemDataRole.AccessibleTextRole))
        words = [w for w in painted if w not in ("→", "Photo", "Loading preview…")]
        assert words and all(w in heard for w in words), (words, heard)
        assert index.data(Qt.ItemDataRole.DisplayRole) == index.data(ResultRole.TITLE)
    first = str(model.index(1).data(Qt.ItemDataRole.AccessibleTextRole))
    assert first.startswith("p1 · result 2") and "Rated 4 of 5 stars" in first
    assert "✓ Delivered" in first
    assert "Sending your change…" in str(model.index(2).data(Qt.ItemDataRole.AccessibleTextRole))
    assert "Untitled" in str(model.index(2).data(ResultRole.TITLE))
    heard = str(model.index(3).data(Qt.ItemDataRole.AccessibleTextRole))
    assert "Video" in heard and "Not saved on Vimmerse: the title is too long" in heard
