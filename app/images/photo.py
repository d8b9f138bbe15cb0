"""The Photo record: one checked input file, with what the engine needs to re-check it later."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.images.formats import UPLOAD_FORMATS
from app.images.problems import ProblemCode


@dataclass(slots=True)
class Photo:
    """One input file after `inspect`.

    `problem` is the plain-language reason it cannot go up (None when it can) and `problem_code`
    its stable code. `size`, `mtime_ns` and `content_hash` are what `recheck` compares just before
    upload. `note` tells the user what will happen to it (conversion, location removal).
    """

    path: Path
    size: int = 0
    mtime_ns: int = 0
    content_hash: str | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    problem: str | None = None
    problem_code: ProblemCode | None = None
    note: str | None = None
    duplicate_of: Path | None = None
    has_gps: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_code is None

    @property
    def needs_conversion(self) -> bool:
        """True when the file is not JPEG, PNG or WebP and must be converted before upload."""
        return self.format is not None and self.format not in UPLOAD_FORMATS

    def fail(self, code: ProblemCode, message: str) -> Photo:
        self.problem_code = code
        self.problem = message
        return self
