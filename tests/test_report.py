"""The batch report CSV, written from a real engine's items after a real run on the simulator."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.enginetools import make_jpegs, photos_of

from app.api import Visibility
from app.engine import BatchSettings, Engine, ItemSnapshot, ItemState
from app.engine.report import REPORT_COLUMNS, write_report


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_has_one_row_per_item_with_the_right_columns(
    simulator: Any,
    private_dirs: Path,
    tmp_path: Path,
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(simulator.base_url)
    photos = make_jpegs(tmp_path / "in", 3)
    (tmp_path / "in" / "broken.jpg").write_bytes(b"not a picture")  # fails at intake
    simulator.fail_next(1)
    engine.start()
    batch = engine.create_batch(
        BatchSettings(template_id="vim_arctic", visibility=Visibility.PUBLIC),
        photos_of([*photos, tmp_path / "in" / "broken.jpg"]),
    )
    assert engine.wait_idle(30)
    done = [i for i in engine.items(batch) if i.state is ItemState.SUCCEEDED]
    assert len(done) == 2
    engine.update_item(done[0].id, rating=4, delivered=True)
    assert engine.wait_idle(10)

    out = tmp_path / "report.csv"
    saved = {done[1].id: ["/somewhere/saved.jpg"]}
    count = write_report(out, engine.items(batch), engine.batches(), saved)
    items = {i.id: i for i in engine.items(batch)}

    rows = _read(out)
    assert count == 4 and len(rows) == 4
    assert tuple(rows[0].keys()) == REPORT_COLUMNS
    by_file = {Path(r["Input file"]).name: r for r in rows}
    assert set(by_file) == {"photo001.jpg", "photo002.jpg", "photo003.jpg", "broken.jpg"}
    for row in rows:
        assert row["Batch"] == str(batch)
        assert row["Title"] == Path(row["Input file"]).stem  # the default title pattern
        assert row["Template"] == "vim_arctic"
        assert row["Visibility"] == "Public"
    assert by_file["broken.jpg"]["Status"] == "Failed"
    assert by_file["broken.jpg"]["Error"]
    assert by_file["broken.jpg"]["Workflow id"] == ""

    rated = items[done[0].id]
    row = next(r for r in rows if r["Workflow id"] == rated.workflow_id)
    assert row["Status"] == "Done"
    assert row["Rating"] == "4"
    assert row["Delivered at"] == rated.delivered_at and row["Delivered at"]
    assert row["Result URLs"].split("; ") == [m.url for m in rated.results]
    other = next(r for r in rows if r["Workflow id"] == items[done[1].id].workflow_id)
    assert other["Saved files"] == "/somewhere/saved.jpg"
    assert other["Rating"] == "" and other["Delivered at"] == ""
    failed = [r for r in rows if r["Status"] == "Failed" and r["Workflow id"]]
    assert len(failed) == 1 and failed[0]["Result URLs"] == ""


def test_a_cell_a_spreadsheet_would_run_as_a_formula_stays_text(tmp_path: Path) -> None:
    item = ItemSnapshot(
        id=1,
        batch_id=1,
        kind="url",
        sources=('=HYPERLINK("http://x")',),
        title="t",
        state=ItemState.FAILED,
        status_text="",
        progress=0,
        workflow_id=None,
        error="-1 credits",
        results=(),
        files=(),
        created_at=0.0,
        updated_at=0.0,
        finished_at=None,
    )
    out = tmp_path / "r.csv"
    assert write_report(out, [item], []) == 1
    row = _read(out)[0]
    assert row["Input file"] == '\'=HYPERLINK("http://x")'
    assert row["Error"] == "'-1 credits"
    assert row["Template"] == ""
    assert not (tmp_path / "r.csv.part").exists()


def test_saved_results_are_recorded_on_the_items_and_listed_in_the_report(
    simulator: Any,
    private_dirs: Path,
    tmp_path: Path,
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(simulator.base_url)
    out = tmp_path / "chosen"
    engine.start()
    batch = engine.create_batch(BatchSettings(), photos_of(make_jpegs(tmp_path / "in", 2)))
    assert engine.wait_idle(30)
    one, two = engine.items(batch)
    assert one.files == () and len(one.results) == 1
    engine.update_item(one.id, rating=3, visibility=Visibility.PRIVATE)
    # A result already on this computer (a preview, say) is copied, not fetched again.
    local = tmp_path / "preview.jpg"
    local.write_bytes(b"the preview's bytes")
    future = engine.save_results(
        [one.id, two.id],
        out,
        name_pattern="{stem}-{n}.{ext}",
        local_files={two.results[0].url: str(local)},
    )
    outcome = future.result(timeout=30)
    again = engine.save_results([one.id], out, name_pattern="{stem}-{n}.{ext}").result(30)
    assert engine.wait_idle(10)
    items = {i.id: i for i in engine.items(batch)}
    report = tmp_path / "report.csv"
    write_report(report, items.values(), engine.batches())

    first, second = str(out / "photo001-1.jpg"), str(out / "photo002-1.jpg")
    assert outcome.paths == [first, second] and outcome.problems == ()
    assert outcome.saved == {one.id: (first,), two.id: (second,)}
    assert again.paths == [str(out / "photo001-1 (2).jpg")]  # "keep both" by default
    assert Path(second).read_bytes() == b"the preview's bytes"
    assert Path(first).stat().st_size > 1000 and Path(first).read_bytes()[:2] == b"\xff\xd8"
    fetched = [r.path for r in simulator.requests if r.path.startswith("/files/")]
    assert len(fetched) == 2  # photo001 twice; photo002 copied from the preview
    assert all(str(two.workflow_id) not in path for path in fetched)
    assert items[one.id].files == (first, again.paths[0])
    assert items[two.id].files == (second,)

    rows = {Path(r["Input file"]).name: r for r in _read(report)}
    assert rows["photo001.jpg"]["Saved files"] == f"{first}; {again.paths[0]}"
    assert rows["photo002.jpg"]["Saved files"] == second
    assert rows["photo001.jpg"]["Rating"] == "3"
    assert rows["photo001.jpg"]["Delivered at"] == ""  # a rating is not a delivery
    assert rows["photo001.jpg"]["Visibility"] == "Private"  # the item's own, as changed
    assert rows["photo002.jpg"]["Visibility"] == "Unlisted"
