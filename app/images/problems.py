"""Why a photo cannot go up: a stable machine code plus a sentence a photographer understands."""

from __future__ import annotations

from enum import StrEnum


class ProblemCode(StrEnum):
    """Stable codes stored by the engine and shown as filters in the GUI; never reworded."""

    NOT_IMAGE = "not_image"
    CORRUPT = "corrupt"
    EMPTY = "empty"
    UNREADABLE = "unreadable"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    DUPLICATE = "duplicate"
    CHANGED = "changed"
    VANISHED = "vanished"


class IntakeError(Exception):
    """A photo cannot be used; `user_message` (also `str(e)`) is plain language."""

    def __init__(self, code: ProblemCode, user_message: str) -> None:
        super().__init__(user_message)
        self.code = code
        self.user_message = user_message


class PhotoChangedError(IntakeError):
    """The file changed or disappeared between adding it and uploading it."""


class PhotoUnusableError(IntakeError):
    """The file cannot be read, converted or thumbnailed (damaged, not a photo, ...)."""


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:.1f} MB"


VANISHED_MESSAGE = (
    "This photo is no longer there: it was moved, renamed or deleted after it was added."
)
EMPTY_MESSAGE = "This file is empty (0 bytes), so there is no picture in it."
NOT_IMAGE_MESSAGE = "This file is not a photo, or it is in a format we cannot read."
RAW_MESSAGE = (
    "This is a camera RAW file, which cannot be sent as it is. "
    "Export it as JPEG from your photo software, then add the JPEG."
)
TRUNCATED_MESSAGE = "This file is damaged or incomplete (the picture data ends early)."
CORRUPT_MESSAGE = "This file is damaged and the picture in it cannot be read."
NO_PERMISSION_MESSAGE = "This file could not be opened: you do not have permission to read it."
FOLDER_MESSAGE = "This is a folder, not a photo file."
CHANGED_WHILE_CHECKING_MESSAGE = (
    "This file changed while it was being checked. Wait until it has finished copying, "
    "then add it again."
)


def unreadable_message(error: OSError) -> str:
    return f"This file could not be opened ({error.strerror or 'read error'})."


def too_small_message(width: int, height: int, minimum: int) -> str:
    return (
        f"This picture is too small ({width} × {height} pixels); "
        f"photos need at least {minimum} pixels on each side."
    )


def too_large_bytes_message(size: int, limit: int) -> str:
    return f"This file is too large ({megabytes(size)}); the limit is {megabytes(limit)}."


def too_large_pixels_message(
    width: int | None, height: int | None, limit: int, *, pixels: int | None = None
) -> str:
    if width and height:
        dims = f" ({width} × {height} pixels)"
    elif pixels:
        dims = f" ({pixels / 1_000_000:,.0f} megapixels)"
    else:
        dims = ""
    return (
        f"This picture is too large{dims}; the limit is {limit // 1_000_000} megapixels. "
        "Make a smaller copy of it and add that instead."
    )


def duplicate_message(original_name: str) -> str:
    return (
        f"This photo is a copy of “{original_name}”, which is already in the batch, "
        "so it will be skipped."
    )


def changed_message(what: str) -> str:
    return (
        f"This photo was changed after it was added ({what}). Add it again to send the new version."
    )
