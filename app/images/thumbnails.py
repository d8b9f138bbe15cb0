"""Small upright previews, made fast (reduced decoding) and kept in a bounded disk cache."""

from __future__ import annotations

import contextlib
import io
import math
import os
import threading
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from app.images import problems as msg
from app.images.atomic import atomic_write_bytes
from app.images.convert import has_alpha
from app.images.formats import JPEG_FORMATS, open_image
from app.images.hashing import hash_file
from app.images.problems import PhotoChangedError, PhotoUnusableError, ProblemCode

THUMBNAIL_SIZE = 256
THUMBNAIL_QUALITY = 85
DEFAULT_CACHE_BYTES = 200 * 1024 * 1024
MAX_INDEX_ENTRIES = 200_000
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


def thumbnail_bytes(path: str | os.PathLike[str], size: int = THUMBNAIL_SIZE) -> bytes:
    """A JPEG (quality 85) of at most `size` × `size` pixels, turned upright by EXIF orientation.

    Hand the bytes to the GUI as they are (a worker makes a QImage from them). Raises
    PhotoUnusableError (or PhotoChangedError when the file is gone). Thread-safe."""
    try:
        with open_image(path) as im:
            # Shrink first, then transpose: exif_transpose on the full image would decode every
            # pixel and defeat reduced decoding (docs/ARCHITECTURE.md, "Facts: thumbnails"). The header and EXIF
            # were parsed once by open(); transposing reads the parsed EXIF, it decodes nothing.
            reduce_decoding(im, size)
            # Bilinear is enough: the image is at most ~2× the box after DCT scaling, and for
            # other formats reduce() (reducing_gap) has already box-filtered it down.
            im.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
            ImageOps.exif_transpose(im, in_place=True)
            # Still inside `with`: a closed image has lost its pixels.
            return _jpeg_of(im)
    except FileNotFoundError:
        raise PhotoChangedError(ProblemCode.VANISHED, msg.VANISHED_MESSAGE) from None
    except PermissionError:
        raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.NO_PERMISSION_MESSAGE) from None
    except Image.DecompressionBombError:
        raise PhotoUnusableError(
            ProblemCode.TOO_LARGE, "This picture is too large to preview."
        ) from None
    except UnidentifiedImageError:
        raise PhotoUnusableError(ProblemCode.NOT_IMAGE, msg.NOT_IMAGE_MESSAGE) from None
    except _DECODE_ERRORS as e:
        truncated = "truncated" in str(e) or isinstance(e, EOFError)
        raise PhotoUnusableError(
            ProblemCode.CORRUPT, msg.TRUNCATED_MESSAGE if truncated else msg.CORRUPT_MESSAGE
        ) from e


def _jpeg_of(im: Image.Image) -> bytes:
    if has_alpha(im):
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, (255, 255, 255))
        im.paste(rgba, mask=rgba.getchannel("A"))
    elif im.mode != "RGB":
        im = im.convert("RGB")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


def reduce_decoding(im: Image.Image, size: int) -> None:
    """Before any pixel is decoded: ask the decoder for the smallest picture that still covers
    the thumbnail. For JPEG that is DCT scaling (1/2 to 1/8, e.g. 4000×3000 → 500×375 for
    256 px); the request is the fitted thumbnail size rather than the square box, or wide and
    tall photos would get a scale too mild (2048×1536 → 512×384 instead of 256×192)."""
    width, height = im.size
    if width <= size and height <= size:
        return
    scale = max(width, height) / size
    fitted = (max(1, math.ceil(width / scale)), max(1, math.ceil(height / scale)))
    if im.format in JPEG_FORMATS:
        im.draft("RGB", fitted)
    else:
        # HEIF readers that can decode an embedded thumbnail do it here (pi-heif 1.4 cannot).
        im.draft(None, fitted)


class ThumbnailCache:
    """Thumbnails on disk, named by content hash and size, bounded to `max_bytes`.

    A small index remembers (path, size, modification time) → content hash, so reopening a folder
    neither decodes nor hashes anything. Least recently used thumbnails are evicted first. Safe to
    share between threads; several processes may use the same folder (files are written
    atomically, the index is append-only)."""

    INDEX_NAME = "index.tsv"

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int = DEFAULT_CACHE_BYTES):
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._index: dict[tuple[str, int, int], str] = {}
        self._index_lines = 0
        self._total = 0
        # Loaded on first use, on a worker: the GUI may build the cache on its own thread, and
        # scanning thousands of files there would freeze the window.
        self._loaded = False

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._load_index()
                self._total = sum(size for _, size, _ in self._files())
                self._loaded = True

    def get_or_make(
        self,
        path: str | os.PathLike[str],
        size: int = THUMBNAIL_SIZE,
        *,
        content_hash: str | None = None,
    ) -> bytes:
        """The thumbnail of `path`, from the cache when its content was seen before. Pass the
        `content_hash` from `inspect` when known, to skip even the index lookup."""
        self._ensure_loaded()
        source = Path(path).absolute()
        try:
            st = source.stat()
        except FileNotFoundError:
            raise PhotoChangedError(ProblemCode.VANISHED, msg.VANISHED_MESSAGE) from None
        except OSError as e:
            raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.unreadable_message(e)) from None
        key = (str(source), st.st_size, st.st_mtime_ns)
        digest = content_hash or self._index.get(key)
        if digest is None:
            try:
                digest = hash_file(source)
            except OSError as e:
                raise PhotoUnusableError(ProblemCode.UNREADABLE, msg.unreadable_message(e)) from e
            self._remember(key, digest)
        target = self._thumb_path(digest, size)
        with contextlib.suppress(FileNotFoundError):
            data = target.read_bytes()
            with contextlib.suppress(OSError):
                os.utime(target)  # marks it recently used for eviction
            return data
        data = thumbnail_bytes(source, size)
        # Only cache what matches the hash: the file may have been replaced while we decoded it.
        with contextlib.suppress(OSError):
            after = source.stat()
            if (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
                atomic_write_bytes(target, data)
                self._added(len(data))
        return data

    def cached(self, path: str | os.PathLike[str], size: int = THUMBNAIL_SIZE) -> bytes | None:
        """The cached thumbnail when the index knows this exact file, else None. Never decodes or
        hashes (one stat, one small read): a quick first pass on a worker before real work."""
        self._ensure_loaded()
        source = Path(path).absolute()
        try:
            st = source.stat()
        except OSError:
            return None
        digest = self._index.get((str(source), st.st_size, st.st_mtime_ns))
        if digest is None:
            return None
        try:
            return self._thumb_path(digest, size).read_bytes()
        except OSError:
            return None

    def size_bytes(self) -> int:
        """Bytes taken by thumbnails on disk (as counted by this process)."""
        self._ensure_loaded()
        with self._lock:
            return self._total

    def clear(self) -> None:
        """Delete every thumbnail and the index."""
        self._ensure_loaded()
        with self._lock:
            for file, _, _ in self._files():
                with contextlib.suppress(OSError):
                    file.unlink()
            with contextlib.suppress(OSError):
                (self.directory / self.INDEX_NAME).unlink()
            self._index.clear()
            self._index_lines = 0
            self._total = 0

    def _thumb_path(self, digest: str, size: int) -> Path:
        # Two-letter shards keep folders small enough for every file system's liking.
        return self.directory / digest[:2] / f"{digest}-{size}.jpg"

    def _files(self) -> list[tuple[Path, int, int]]:
        found: list[tuple[Path, int, int]] = []
        with contextlib.suppress(OSError), os.scandir(self.directory) as shards:
            for shard in shards:
                if not shard.is_dir(follow_symlinks=False) or len(shard.name) != 2:
                    continue
                with contextlib.suppress(OSError), os.scandir(shard.path) as files:
                    for f in files:
                        if f.name.endswith(".jpg") and not f.name.startswith("."):
                            with contextlib.suppress(OSError):
                                st = f.stat(follow_symlinks=False)
                                found.append((Path(f.path), st.st_size, st.st_mtime_ns))
        return found

    def _added(self, nbytes: int) -> None:
        with self._lock:
            self._total += nbytes
            if self._total > self.max_bytes:
                self._evict()

    def _evict(self) -> None:
        # Rescan rather than trust the running total: other processes share the folder. Evict down
        # to 90% so that the next few thumbnails do not trigger another scan each.
        files = sorted(self._files(), key=lambda f: f[2])
        total = sum(size for _, size, _ in files)
        goal = int(self.max_bytes * 0.9)
        for file, size, _ in files:
            if total <= goal:
                break
            with contextlib.suppress(OSError):
                file.unlink()
                total -= size
        self._total = total

    def _load_index(self) -> None:
        try:
            text = (self.directory / self.INDEX_NAME).read_text("utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            parts = line.split("\t")
            # A line cut short by a crash is simply ignored.
            if len(parts) == 4 and len(parts[2]) == 64:
                with contextlib.suppress(ValueError):
                    self._index[(parts[3], int(parts[0]), int(parts[1]))] = parts[2]
                    self._index_lines += 1

    def _remember(self, key: tuple[str, int, int], digest: str) -> None:
        path, size, mtime_ns = key
        with self._lock:
            self._index[key] = digest
            if "\t" in path or "\n" in path or "\r" in path:
                return  # kept in memory only: the line format cannot hold it
            with contextlib.suppress(OSError):
                # One short append per line: atomic on POSIX even with other processes appending.
                with (self.directory / self.INDEX_NAME).open("a", encoding="utf-8") as f:
                    f.write(f"{size}\t{mtime_ns}\t{digest}\t{path}\n")
                self._index_lines += 1
            if len(self._index) > MAX_INDEX_ENTRIES:
                # Oldest first (dict order): photos not seen for the longest time are rehashed.
                for stale in list(self._index)[: MAX_INDEX_ENTRIES // 2]:
                    del self._index[stale]
                self._compact_index()
            elif self._index_lines > 2 * len(self._index) + 1000:
                self._compact_index()

    def _compact_index(self) -> None:
        lines = "".join(
            f"{size}\t{mtime}\t{digest}\t{path}\n"
            for (path, size, mtime), digest in self._index.items()
            if not any(c in path for c in "\t\n\r")
        )
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.directory / self.INDEX_NAME, lines.encode("utf-8"))
            self._index_lines = len(self._index)
