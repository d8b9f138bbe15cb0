"""Title and result-file patterns, and the overwrite / skip / rename choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.engine import (
    BatchSettings,
    Engine,
    OverwritePolicy,
    choose_target,
    name_pattern_problem,
    render_title,
    result_name,
    title_pattern_problem,
)
from app.simulator import Simulator
from engine.enginetools import make_jpegs, photos_of


def test_title_pattern_fields_and_problems() -> None:
    when = datetime(2026, 1, 2, 10, 0)
    title = render_title(
        "{folder}/{stem} #{n} {date}", stem="IMG_1", folder="party", n=3, when=when
    )
    assert title == "party/IMG_1 #3 2026-01-02"
    assert title_pattern_problem("{stem}") is None
    assert "{size}" in (title_pattern_problem("{stem} {size}") or "")
    assert title_pattern_problem("{stem") is not None


def test_result_names_are_safe_and_policies_apply(tmp_path: Path) -> None:
    name = result_name(
        "{stem}_{template}_{n}.{ext}", stem='a:b/c"d', template="vim_arctic", n=2, ext=".mp4"
    )
    assert name == "a_b_c_d_vim_arctic_2.mp4"
    assert name_pattern_problem("{stem}.{ext}") is not None  # {n} is required
    assert name_pattern_problem("{stem}_{n}.{ext}") is None
    (tmp_path / "x_1.jpg").write_bytes(b"old")
    assert choose_target(tmp_path, "x_1.jpg", OverwritePolicy.SKIP) is None
    assert choose_target(tmp_path, "x_1.jpg", OverwritePolicy.OVERWRITE) == tmp_path / "x_1.jpg"
    assert choose_target(tmp_path, "x_1.jpg", OverwritePolicy.RENAME) == tmp_path / "x_1 (2).jpg"
    assert choose_target(tmp_path, "new.jpg", OverwritePolicy.SKIP) == tmp_path / "new.jpg"


def test_a_pattern_without_ext_still_gives_the_file_its_type() -> None:
    def name(pattern: str, ext: str = "mp4") -> str:
        return result_name(pattern, stem="IMG_1", template="vim_arctic", n=1, ext=ext)

    assert name_pattern_problem("{stem}_{n}") is None  # accepted, as the settings dialog says
    assert name("{stem}_{n}") == "IMG_1_1.mp4"
    assert name("{stem}_{n}.{ext}") == "IMG_1_1.mp4"
    assert name("{stem}_{n}.MP4") == "IMG_1_1.MP4"  # already says its type
    assert name("{stem}_{n}.{ext}", ext="") == "IMG_1_1"  # the type is unknown


def test_results_saved_under_a_pattern_without_ext_have_their_extension(
    simulator: Simulator, tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    paths = make_jpegs(tmp_path / "in", 2)
    out = tmp_path / "out"
    engine = make_engine(simulator.base_url)
    engine.start()
    batch = engine.create_batch(
        BatchSettings(download_dir=str(out), name_pattern="{stem} result {n}"), photos_of(paths)
    )
    assert engine.wait_idle(timeout=30)
    files = [Path(f) for item in engine.items(batch) for f in item.files]
    assert files and all(f.is_file() for f in files)
    for file in files:
        assert file.name.startswith(("photo001 result 1.", "photo002 result 1."))
        assert file.suffix and file.suffix != ".", file.name
