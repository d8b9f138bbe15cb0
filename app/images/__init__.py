"""Photo intake: walking what the user gave, checking each file, the batch's order and copies
(`app.images.intake`), converting, removing location data, hashing and thumbnails. Plain Python
(no Qt): every function works in the calling thread and is safe to call from several worker
threads at once (a `PhotoList` belongs to one thread)."""

from app.images.checks import inspect, recheck
from app.images.duplicates import DuplicateSummary, mark_duplicates
from app.images.formats import MAX_FILE_BYTES, MAX_PIXELS, MIN_SIDE, PHOTO_EXTENSIONS
from app.images.hashing import hash_file
from app.images.intake import (
    Added,
    BatchIntake,
    PhotoList,
    RowListener,
    gather,
    in_batch_order,
    natural_key,
    path_key,
    photo_key,
)
from app.images.jpeg_gps import strip_gps_jpeg
from app.images.photo import Photo
from app.images.prepare import PruneResult, prepare_upload, prune_upload_cache
from app.images.problems import IntakeError, PhotoChangedError, PhotoUnusableError, ProblemCode
from app.images.thumbnails import THUMBNAIL_SIZE, ThumbnailCache, thumbnail_bytes
from app.images.walk import WalkProblem, WalkResult, is_image_url, is_url, walk

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "MIN_SIDE",
    "PHOTO_EXTENSIONS",
    "THUMBNAIL_SIZE",
    "Added",
    "BatchIntake",
    "DuplicateSummary",
    "IntakeError",
    "Photo",
    "PhotoChangedError",
    "PhotoList",
    "PhotoUnusableError",
    "ProblemCode",
    "PruneResult",
    "RowListener",
    "ThumbnailCache",
    "WalkProblem",
    "WalkResult",
    "gather",
    "hash_file",
    "in_batch_order",
    "inspect",
    "is_image_url",
    "is_url",
    "mark_duplicates",
    "natural_key",
    "path_key",
    "photo_key",
    "prepare_upload",
    "prune_upload_cache",
    "recheck",
    "strip_gps_jpeg",
    "thumbnail_bytes",
    "walk",
]
