"""A batch set to "smaller copies" sends 2,560 px copies and keeps the choice across restarts."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from app.engine import BatchSettings, JobStore
from app.simulator import Simulator
from engine.enginetools import by_state, close, new_engine, photos_of


def test_smaller_copies_are_what_goes_up(
    simulator: Simulator, tmp_path: Path, private_dirs: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    paths = []
    for i in range(2):
        path = folder / f"big{i}.jpg"
        im = Image.effect_noise((3200, 2400), 40 + i).convert("RGB")
        im.save(path, "JPEG", quality=95)
        paths.append(path)
    engine = new_engine(private_dirs, simulator.base_url)
    try:
        engine.start()
        batch = engine.create_batch(BatchSettings(smaller_copies=True), photos_of(paths))
        assert engine.wait_idle(timeout=60)
        assert by_state(engine.items(batch)) == {"succeeded": 2}
        assert engine.store.settings(batch).smaller_copies
    finally:
        close(engine)
    sent = [f for r in simulator.requests if r.method == "POST" for f in r.files]
    assert len(sent) == 2
    smallest_original = min(p.stat().st_size for p in paths)
    for file in sent:
        assert file.size < smallest_original / 2
    # The choice is stored with the batch: a resume sends the same way.
    store = JobStore.open(private_dirs)
    try:
        assert store.settings(batch).smaller_copies
    finally:
        store.close()
