"""Title and result-file patterns, and the overwrite / skip / rename choice."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from app.engine import (
    OverwritePolicy,
    choose_target,
    name_pattern_problem,
    render_title,
    result_name,
    title_pattern_problem,
)


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
