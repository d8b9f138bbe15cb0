"""One intake for both doors: the same folder through `vimbatch submit` and through the window
gives the same items, in the same order, with the same numbers and the same copy kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.cli import main
from app.engine import ItemState
from app.engine.session import open_store
from app.ui.session import Session


def _folder(root: Path, make_photo) -> Path:  # type: ignore[no-untyped-def]
    folder = root / "party"
    # Numbers that sort differently as text (IMG_10 < IMG_2) and naturally (IMG_2 < IMG_10),
    # a lower-case name, a subfolder, a copy whose walk order and batch order disagree
    # (IMG_9 = IMG_10), a copy named after its original (“IMG_0005 copy.jpg”: the original
    # comes first, as in a file manager, though “ ” sorts before “.” as text) and a file that
    # only pretends to be a photo.
    for i, name in enumerate(["IMG_1", "IMG_2", "IMG_10", "img_3", "sub/IMG_4", "IMG_0005"]):
        make_photo(folder / f"{name}.jpg", (320 + 8 * i, 240), f"#{40 * i:02x}6080")
    shutil.copy(folder / "IMG_10.jpg", folder / "IMG_9.jpg")
    shutil.copy(folder / "IMG_0005.jpg", folder / "IMG_0005 copy.jpg")
    (folder / "broken.jpg").write_bytes(b"not a photo")
    return folder


def _items(data_dir: Path) -> list[tuple[str, str, ItemState]]:
    store = open_store(data_dir)
    try:
        (batch_id,) = store.batch_ids()
        return [
            (i.title, Path(i.sources[0]).name, i.state)
            for i in (s.snapshot for s in store.items(batch_id))
        ]
    finally:
        store.close()


def test_cli_and_window_make_the_same_items(
    qtbot,
    make_window,
    workers,
    sim_factory,
    photo_factory,
    tmp_path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = sim_factory(processing_time=30.0)  # the items matter here, not their outcome
    folder = _folder(tmp_path, photo_factory)
    pattern = "{n}:{stem}"

    monkeypatch.setenv("VIMMERSE_API_KEY", "test-key")
    cli_data = tmp_path / "cli-data"
    code = main(
        ["--base-url", sim.base_url, "--data-dir", str(cli_data), "submit", str(folder),
         "--title", pattern]
    )  # fmt: skip
    capsys.readouterr()
    assert code == 1  # broken.jpg failed: the rest was sent
    from_cli = _items(cli_data)

    gui_data = tmp_path / "gui-data"
    window = make_window(base_url=sim.base_url, data_dir=gui_data)
    session = Session(workers, key="test-key", base_url=sim.base_url, data_dir=gui_data)
    window.set_session(session)
    with qtbot.waitSignal(session.ready, timeout=10_000):
        session.start()
    with qtbot.waitSignal(window.photos.intake_finished, timeout=20_000) as finished:
        window.add_paths([str(folder)])
    assert finished.args[1] == 2  # two copies left out, each named with the photo kept
    assert window.info_bar.label.text() == "2 photos are copies of others in the list: left out."
    tip = window.info_bar.label.toolTip()
    assert "IMG_0005 copy.jpg is a copy of IMG_0005.jpg: left out." in tip
    assert "IMG_10.jpg is a copy of IMG_9.jpg: left out." in tip
    shown = [window.photos.photo(r).path.name for r in range(window.photos.rowCount())]
    window.settings_panel.title_pattern.setText(pattern)
    window.confirm = lambda _dialog: True
    with qtbot.waitSignal(window.batch_created, timeout=10_000):
        window.create_workflows()
    QApplication.processEvents()
    assert session.engine is not None and session.engine.wait_submitted(1, timeout=20)
    from_window = _items(gui_data)

    expected = ["1:IMG_1", "2:IMG_2", "3:img_3", "4:IMG_0005", "5:IMG_9"]
    # Batch order: the full path's natural order, so the subfolder's photo comes last.
    assert shown == ["broken.jpg", "IMG_1.jpg", "IMG_2.jpg", "img_3.jpg", "IMG_0005.jpg",
                     "IMG_9.jpg", "IMG_4.jpg"]  # fmt: skip
    sent_by_window = [(title, name) for title, name, _state in from_window]
    assert [t for t, _n in sent_by_window] == [*expected, "6:IMG_4"]
    sent_by_cli = [(t, n) for t, n, state in from_cli if state is not ItemState.FAILED]
    assert sent_by_cli == sent_by_window
    # The command line also records the photo that cannot be used, numbered after the rest.
    assert [(t, n) for t, n, s in from_cli if s is ItemState.FAILED] == [("7:broken", "broken.jpg")]
