"""Time left from measurements: upload rate and making time, even for a small batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.enginetools import close, new_engine, photos_of

from app.engine import BatchSettings, ItemSnapshot, ItemState, UploadPace
from app.simulator import Simulator
from app.ui.engine_bridge import EngineBridge
from app.ui.jobs.panel import JobListPanel
from app.ui.jobs.summary import PaceTracker, summarize, summary_text
from app.ui.workers import Workers

T0 = 1_000_000.0


def item(
    n: int, state: ItemState, progress: int = 0, finished_at: float | None = None
) -> ItemSnapshot:
    return ItemSnapshot(
        id=n, batch_id=1, kind="photo", sources=(f"/p{n}.jpg",), title=f"p{n}", state=state,
        status_text="", progress=progress, workflow_id=None, error=None, results=(), files=(),
        created_at=T0 - 100, updated_at=T0, finished_at=finished_at,
    )  # fmt: skip


def test_sending_and_making_times_add_up() -> None:
    tracker = PaceTracker()
    first = item(1, ItemState.RUNNING, 40)
    summarize([first], tracker=tracker, now=T0)  # handed over at T0
    done = replace(first, state=ItemState.SUCCEEDED, progress=100, finished_at=T0 + 30)
    waiting = [item(n, ItemState.QUEUED) for n in (2, 3)]
    pace = UploadPace(rate=1_000_000, bytes_per_photo=5_000_000)
    summary = summarize([done, *waiting], pace, tracker, now=T0 + 30)
    # 10 MB at 1 MB/s, then the last photo needs the 30 s measured for the first.
    assert summary.eta_seconds == 40
    # Half of one photo sent: half its bytes left.
    sending = [item(2, ItemState.UPLOADING, 50)]
    assert summarize([done, *sending], pace, tracker, now=T0 + 30).eta_seconds == 32.5


def test_before_anything_finished_the_server_progress_tells() -> None:
    tracker = PaceTracker()
    running = [item(n, ItemState.RUNNING, 5) for n in range(1, 9)]
    summarize(running, tracker=tracker, now=T0)
    # Too early to tell (progress under 10 %): no guess.
    assert summarize(running, tracker=tracker, now=T0 + 5).eta_seconds is None
    halfway = [replace(i, progress=50) for i in running]
    # 20 s for half: about 20 s left.
    assert summarize(halfway, tracker=tracker, now=T0 + 20).eta_seconds == 20
    # Without a measured rate, photos still to send leave it open.
    queued = [*halfway, item(9, ItemState.QUEUED)]
    assert summarize(queued, UploadPace(), tracker, now=T0 + 20).eta_seconds is None


def test_an_eight_photo_batch_shows_time_left_before_it_ends(
    qtbot: Any,
    sim_factory: Callable[..., Simulator],
    private_dirs: Path,
    workers: Workers,
    tmp_path: Path,
) -> None:
    from engine.enginetools import make_jpegs

    sim = sim_factory(processing_time=4.0)
    engine = new_engine(private_dirs, sim.base_url, executor=workers.io.executor())
    bridge = EngineBridge(engine, workers.io)
    panel = JobListPanel(bridge)
    qtbot.addWidget(panel)
    panel.show()
    texts: list[str] = []
    panel.model.flushed.connect(lambda: texts.append(panel.summary.label.text()))
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 8)))
        qtbot.waitUntil(
            lambda: any("left" in t and "estimating" not in t for t in texts), timeout=20_000
        )
        # Shown while photos were still being made, not only at the end.
        assert any(i.state is not ItemState.SUCCEEDED for i in engine.items(batch))
        shown = next(t for t in texts if "left" in t and "estimating" not in t)
        assert "less than a minute left" in shown
    finally:
        bridge.close()
        close(engine)


def test_summary_text_of_a_measured_estimate() -> None:
    tracker = PaceTracker()
    running = [item(n, ItemState.RUNNING, 20) for n in range(1, 3)]
    summarize(running, tracker=tracker, now=T0)
    summary = summarize(running, tracker=tracker, now=T0 + 120)  # 20 % in 2 min: 8 min left
    assert summary_text(summary).endswith("about 8 min 0 s left")


def test_photos_going_out_are_counted_as_sending_like_their_rows() -> None:
    items = [
        item(1, ItemState.UPLOADING, 40),
        item(2, ItemState.UPLOADING, 10),
        item(3, ItemState.RUNNING, 30),
        item(4, ItemState.QUEUED),
    ]
    text = summary_text(summarize(items, now=T0))
    assert text.startswith("2 sending · 1 being made · 1 waiting"), text


def test_a_batch_of_smaller_copies_after_originals_is_timed_with_its_own_sizes() -> None:
    # Batch 1 sent originals (5 MB each): the session's mean says 5 MB a photo. Batch 2 sends
    # smaller copies of ~1.25 MB: its own size, as prepared, times it.
    tracker = PaceTracker()
    first = replace(item(1, ItemState.RUNNING, 40), batch_id=2)
    summarize([first], tracker=tracker, now=T0)
    done = replace(first, state=ItemState.SUCCEEDED, progress=100, finished_at=T0 + 30)
    waiting = [replace(item(n, ItemState.QUEUED), batch_id=2) for n in (2, 3)]
    pace = UploadPace(
        rate=1_000_000, bytes_per_photo=5_000_000, batch_bytes_per_photo={2: 1_250_000}
    )
    summary = summarize([done, *waiting], pace, tracker, now=T0 + 30)
    assert summary.eta_seconds == 2.5 + 30  # not 10 + 30
