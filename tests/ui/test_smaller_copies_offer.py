"""The create confirmation offers smaller copies when sending takes more than a few minutes,
with both estimates; the choice is remembered per template."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from PySide6.QtWidgets import QCheckBox, QLabel

from app.engine import UploadPace, set_upload_limit, throughput
from app.images.photo import Photo
from app.ui.dialogs.confirm_create import ConfirmCreateDialog, about
from app.ui.sending_estimate import TYPICAL_WIFI_BYTES_PER_S, estimate_sending
from app.ui.session import Session
from app.ui.settings import UPLOAD_LIMIT_MBPS


@pytest.fixture(autouse=True)
def no_limit_after() -> Iterator[None]:
    yield
    set_upload_limit(None)


def camera_photos(count: int, size: int = 5_000_000) -> list[Photo]:
    return [
        Photo(path=Path(f"/photos/p{i}.jpg"), size=size, width=4000, height=3000, format="JPEG")
        for i in range(count)
    ]


def test_the_offer_comes_only_when_sending_takes_minutes() -> None:
    few = estimate_sending(camera_photos(20), None, None)  # 100 MB: 40 s on a typical Wi-Fi
    assert not few.offer_smaller and not few.measured
    many = estimate_sending(camera_photos(300), None, None)  # 1.5 GB: 10 min
    assert many.offer_smaller
    assert many.original_seconds == pytest.approx(300 * 5_000_000 / TYPICAL_WIFI_BYTES_PER_S)
    # A 5 MB 12 MP photo: its copy keeps its bytes per pixel, ~2 MB (measured: 5.25 -> 2.05 MB).
    assert many.smaller_seconds < many.original_seconds / 2
    # A fast link measured: no offer for the same batch; a low limit: offered for fewer.
    assert not estimate_sending(
        camera_photos(300), UploadPace(rate=100e6 / 8 * 10), None
    ).offer_smaller
    assert estimate_sending(camera_photos(20), None, 2.0).offer_smaller
    # Photos already small gain nothing: not offered.
    small = [Photo(path=Path("/s.jpg"), size=5_000_000, width=2000, height=1500)] * 300
    assert not estimate_sending(small, None, None).offer_smaller


def test_the_dialog_shows_both_estimates(qtbot) -> None:
    sending = estimate_sending(camera_photos(300), None, None)
    dialog = ConfirmCreateDialog(
        count=300, template_label="New Year", visibility_label="Unlisted", skipped=[],
        sending=sending,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    note = dialog.findChild(QLabel, "confirmSendingTime")
    box = dialog.findChild(QCheckBox, "confirmSmallerCopies")
    assert note is not None and box is not None
    assert "about 10 min" in note.text()
    assert box.text() == f"Send smaller copies instead: about {about(sending.smaller_seconds)}"
    assert not box.isChecked() and not dialog.smaller_copies()  # the originals by default
    box.click()
    assert dialog.smaller_copies()
    quick = ConfirmCreateDialog(
        count=2, template_label="New Year", visibility_label="Unlisted", skipped=[],
        sending=estimate_sending(camera_photos(2), None, None),
    )  # fmt: skip
    qtbot.addWidget(quick)
    assert quick.findChild(QCheckBox, "confirmSmallerCopies") is None
    assert not quick.smaller_copies()


def test_about_reads_like_a_person() -> None:
    assert about(540) == "9 min"
    assert about(7500) == "2 h 5 min"
    assert about(12) == "10 s"


def test_the_window_offers_sends_and_remembers_smaller_copies(
    qtbot, make_window, workers, simulator, private_dirs, tmp_path
) -> None:
    folder = tmp_path / "venue"
    folder.mkdir()
    for i in range(3):
        Image.effect_noise((4000, 3000), 60 + i).convert("RGB").save(
            folder / f"p{i}.jpg", quality=95
        )
    window = make_window(base_url=simulator.base_url)
    # A 1 Mbit/s limit: a few megabytes take minutes, so the offer comes.
    window.settings.set_value(UPLOAD_LIMIT_MBPS, 1)
    session = Session(workers, key="k", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    engine = session.engine
    assert engine is not None

    seen: list[bool] = []

    def tick_smaller(dialog: ConfirmCreateDialog) -> bool:
        box = dialog.findChild(QCheckBox, "confirmSmallerCopies")
        assert box is not None, "smaller copies were not offered"
        seen.append(box.isChecked())
        box.setChecked(True)
        window.settings.set_value(UPLOAD_LIMIT_MBPS, 0)  # the test need not wait minutes
        return True

    window.confirm = tick_smaller
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(folder)])
    with qtbot.waitSignal(window.batch_created, timeout=10_000) as created:
        window.create_workflows()
    assert engine.store.settings(created.args[0]).smaller_copies
    assert engine.wait_submitted(created.args[0], timeout=60)
    sent = [f for r in simulator.requests if r.method == "POST" for f in r.files]
    smallest = min(p.stat().st_size for p in folder.iterdir())
    assert len(sent) == 3
    # Sent under the photos' own names, each well under half the smallest original.
    assert sorted(f.filename for f in sent) == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert all(f.size < smallest / 2 for f in sent)

    # Next time, for the same template, the choice is already made.
    window.settings.set_value(UPLOAD_LIMIT_MBPS, 1)
    for i in range(3):
        Image.effect_noise((4000, 3000), 80 + i).convert("RGB").save(
            folder / f"q{i}.jpg", quality=95
        )
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(folder)])
    with qtbot.waitSignal(window.batch_created, timeout=10_000) as again:
        window.create_workflows()
    assert seen == [False, True]
    assert engine.store.settings(again.args[0]).smaller_copies
    assert engine.wait_submitted(again.args[0], timeout=60)
    window.set_session(None)
    session.shutdown()


def test_a_rate_measured_earlier_is_used_and_said(qtbot) -> None:
    # Idle now (no current rate), but 1 MB/s was measured on an earlier batch.
    sending = estimate_sending(camera_photos(300), UploadPace(last_rate=1e6), None)
    assert sending.measured and sending.earlier
    assert sending.original_seconds == pytest.approx(1500)
    now = estimate_sending(camera_photos(300), UploadPace(rate=2e6, last_rate=1e6), None)
    assert now.measured and not now.earlier and now.original_seconds == pytest.approx(750)
    dialog = ConfirmCreateDialog(
        count=300, template_label="New Year", visibility_label="Unlisted", skipped=[],
        sending=sending,
    )  # fmt: skip
    qtbot.addWidget(dialog)
    note = dialog.findChild(QLabel, "confirmSendingTime")
    assert note is not None
    assert "at the speed measured earlier" in note.text()
    assert "typical Wi-Fi" not in note.text()


def test_the_window_remembers_the_speed_measured_on_an_earlier_batch(
    qtbot, make_window, workers, sim_factory, private_dirs, tmp_path, monkeypatch
) -> None:
    # The meter's clock only: moved a minute on once the first batch is sent (the app idle).
    offset = [0.0]
    monkeypatch.setattr(
        throughput, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + offset[0])
    )
    simulator = sim_factory(bandwidth_mbps=8.0, processing_time=0.1)  # 1 MB/s
    folder = tmp_path / "venue"
    folder.mkdir()
    for i in range(3):
        Image.effect_noise((700, 500), 60 + i).convert("RGB").save(folder / f"p{i}.jpg", quality=95)
    window = make_window(base_url=simulator.base_url)
    session = Session(workers, key="k", base_url=simulator.base_url, data_dir=private_dirs)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    engine = session.engine
    assert engine is not None
    notes: list[str] = []

    def read_note(dialog: ConfirmCreateDialog) -> bool:
        note = dialog.findChild(QLabel, "confirmSendingTime")
        notes.append(note.text() if note is not None else "")
        return True

    window.confirm = read_note
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(folder)])
    with qtbot.waitSignal(window.batch_created, timeout=10_000) as created:
        window.create_workflows()
    assert engine.wait_submitted(created.args[0], timeout=60)
    assert engine.upload_pace().last_rate is not None
    offset[0] = 60.0
    assert engine.upload_pace().rate is None  # idle: nothing measured now

    # A batch large enough for the offer (and its note): camera-size photos at 1 Mbit/s.
    window.settings.set_value(UPLOAD_LIMIT_MBPS, 1)
    later = tmp_path / "later"
    later.mkdir()
    for i in range(2):
        Image.effect_noise((4000, 3000), 80 + i).convert("RGB").save(
            later / f"q{i}.jpg", quality=95
        )
    window.confirm = lambda dialog: read_note(dialog) and False  # read it, send nothing
    with qtbot.waitSignal(window.photos.intake_finished, timeout=10_000):
        window.add_paths([str(later)])
    window.create_workflows()  # the confirmation follows a check on a worker
    qtbot.waitUntil(lambda: len(notes) == 2 and not window.create_flow.busy, timeout=10_000)
    assert "at the speed measured earlier" in notes[-1], notes
    window.set_session(None)
    session.shutdown()
