"""What the simulator's workflows "make": the uploaded photo in a festive, themed frame.

Drawn with Pillow only, deterministic per workflow (seeded), so that the demo looks like the
product working and tests can check real, decodable files.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from app.resources import resource_path

RGB = tuple[int, int, int]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1280, 720),
    "9:16": (720, 1280),
    "1:1": (1080, 1080),
    "4:3": (1280, 960),
    "3:4": (960, 1280),
}


@dataclass(frozen=True)
class Theme:
    """Colours and decoration of one template's look."""

    top: RGB
    bottom: RGB
    glow: RGB
    accents: tuple[RGB, ...]
    title: RGB
    decoration: str  # "confetti", "snow", "balloons", "leaves", "neon"


GOLD: RGB = (247, 201, 72)
THEMES: dict[str, Theme] = {
    "new_year": Theme(
        (12, 16, 52),
        (58, 18, 92),
        (120, 70, 200),
        (GOLD, (255, 255, 255), (236, 72, 153), (56, 189, 248), (250, 160, 60)),
        GOLD,
        "confetti",
    ),
    "santa": Theme(
        (120, 10, 22),
        (40, 4, 10),
        (220, 60, 60),
        ((255, 255, 255), (230, 240, 255), GOLD),
        (255, 255, 255),
        "snow",
    ),
    "birthday": Theme(
        (255, 170, 200),
        (120, 60, 170),
        (255, 220, 240),
        ((255, 90, 120), (255, 200, 60), (80, 200, 255), (140, 230, 120), (190, 120, 255)),
        (255, 255, 255),
        "balloons",
    ),
    "instagram": Theme(
        (88, 81, 219),
        (245, 96, 64),
        (225, 48, 108),
        ((255, 255, 255), (252, 175, 69), (193, 53, 132)),
        (255, 255, 255),
        "confetti",
    ),
    "dream": Theme(
        (20, 60, 130),
        (120, 190, 240),
        (255, 230, 170),
        ((255, 255, 255), GOLD, (180, 220, 255)),
        (255, 255, 255),
        "confetti",
    ),
    "ces": Theme(
        (6, 8, 20),
        (20, 24, 60),
        (0, 160, 255),
        ((0, 240, 255), (255, 0, 200), (120, 80, 255), (255, 255, 255)),
        (0, 240, 255),
        "neon",
    ),
    "amazonia": Theme(
        (10, 70, 40),
        (4, 30, 18),
        (120, 200, 90),
        ((60, 170, 70), (120, 210, 90), (30, 120, 60), (250, 200, 60)),
        (250, 230, 150),
        "leaves",
    ),
    "arctic": Theme(
        (170, 215, 245),
        (40, 90, 150),
        (235, 250, 255),
        ((255, 255, 255), (220, 240, 255), (190, 225, 250)),
        (255, 255, 255),
        "snow",
    ),
}
THEME_KEYWORDS = (
    ("new_year", "new_year"),
    ("newyear", "new_year"),
    ("santa", "santa"),
    ("christmas", "santa"),
    ("birthday", "birthday"),
    ("instagram", "instagram"),
    ("dream", "dream"),
    ("ces", "ces"),
    ("amazon", "amazonia"),
    ("jungle", "amazonia"),
    ("arctic", "arctic"),
    ("snow", "arctic"),
)


def theme_for(template_id: str) -> Theme:
    """The look of a template: known keywords pick a theme; any other id gets its own colours."""
    lowered = template_id.lower()
    for keyword, name in THEME_KEYWORDS:
        if keyword in lowered:
            return THEMES[name]
    hue = int(hashlib.sha256(template_id.encode()).hexdigest()[:4], 16) / 0xFFFF

    def tone(h: float, light: float, sat: float) -> RGB:
        r, g, b = colorsys.hls_to_rgb(h % 1.0, light, sat)
        return int(r * 255), int(g * 255), int(b * 255)

    return Theme(
        tone(hue, 0.22, 0.6),
        tone(hue + 0.08, 0.12, 0.5),
        tone(hue, 0.5, 0.7),
        (tone(hue + 0.5, 0.65, 0.9), GOLD, (255, 255, 255), tone(hue + 0.25, 0.6, 0.9)),
        GOLD,
        "confetti",
    )


@lru_cache(maxsize=1)
def _template_labels() -> dict[str, str]:
    try:
        data = json.loads(resource_path("templates.json").read_text(encoding="utf-8"))
        return {str(t["id"]): str(t["label"]) for t in data.get("templates", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


@lru_cache(maxsize=1)
def _template_defaults() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(resource_path("templates.json").read_text(encoding="utf-8"))
        return {
            str(t["id"]): {str(o["key"]): o.get("default") for o in t.get("options", [])}
            for t in data.get("templates", [])
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def template_label(template_id: str) -> str:
    """The catalog's label, else the id made readable ("vim_sketch_me" -> "Sketch Me")."""
    label = _template_labels().get(template_id)
    if label:
        return label
    words = [w for w in template_id.replace("-", "_").split("_") if w]
    if words and words[0].lower() == "vim":
        words = words[1:]
    if len(words) > 1 and _is_season_code(words[-1]):
        words = words[:-1]
    return " ".join(w.capitalize() for w in words) or "Vimmerse"


def _is_season_code(word: str) -> bool:
    # Catalog ids end in a month-year code ("vim_dreamcareer_0226"): not part of the name.
    return len(word) == 4 and word.isdigit() and 1 <= int(word[:2]) <= 12


def template_defaults(template_id: str) -> dict[str, object]:
    """The catalog's default options for a template (empty for unknown ids)."""
    return dict(_template_defaults().get(template_id, {}))


def canvas_size(aspect_ratio: object) -> tuple[int, int]:
    """Pixel size of a result at an aspect ratio such as "9:16"; odd ratios keep a 1280 long side."""
    text = str(aspect_ratio).strip()
    if text in ASPECT_SIZES:
        return ASPECT_SIZES[text]
    try:
        w_part, h_part = text.split(":")
        ratio = float(w_part) / float(h_part)
    except (ValueError, ZeroDivisionError):
        return ASPECT_SIZES["16:9"]
    if not 0.2 <= ratio <= 5:
        return ASPECT_SIZES["16:9"]
    if ratio >= 1:
        return 1280, max(2, round(1280 / ratio / 2) * 2)
    return max(2, round(1280 * ratio / 2) * 2), 1280


@lru_cache(maxsize=32)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu when the system has it, else Pillow's own font."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        try:
            return ImageFont.load_default(size=size)
        except (TypeError, OSError):
            return ImageFont.load_default()


def load_photo(path: Path, longest: int = 1600) -> Image.Image:
    """A photo as RGB, shrunk first and turned upright after (the fast order)."""
    with Image.open(path, formats=PHOTO_FORMATS) as opened:
        opened.draft("RGB", (longest, longest))
        opened.thumbnail((longest, longest))
        upright = ImageOps.exif_transpose(opened)
        if upright.mode in ("RGBA", "LA", "P"):
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return upright.convert("RGB")


def is_photo(path: Path) -> bool:
    """Whether a file is a photo the service accepts (JPEG, PNG, WebP); reads the header only."""
    try:
        with Image.open(path, formats=PHOTO_FORMATS) as opened:
            return opened.width > 0 and opened.height > 0
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


def person_photo(size: tuple[int, int] = (1200, 900), seed: int = 0) -> Image.Image:
    """A plausible snapshot of one or two people: stands in for photos the simulator cannot
    fetch (image_urls) and serves tests as a real photo."""
    rng = random.Random(seed)
    width, height = size
    sky_hue = rng.uniform(0.5, 0.62)
    top = _hls(sky_hue, 0.78, 0.55)
    bottom = _hls(sky_hue, 0.92, 0.35)
    image = _vertical_gradient(size, top, bottom)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.68, 0.76))
    ground = _hls(rng.uniform(0.22, 0.35), 0.42, 0.35)
    draw.rectangle((0, horizon, width, height), fill=ground)
    for _ in range(5):  # distant trees / bushes
        cx = rng.randint(0, width)
        r = rng.randint(height // 14, height // 7)
        draw.ellipse((cx - r, horizon - r, cx + r, horizon + r // 3), fill=_shade(ground, 0.8))
    people = rng.choice((1, 2, 2))
    scale = height / 900
    for index in range(people):
        cx = int(width * (0.5 if people == 1 else (0.38 + 0.24 * index)))
        _draw_person(draw, cx, horizon + int(40 * scale), scale * rng.uniform(0.9, 1.05), rng)
    return image


def _draw_person(
    draw: ImageDraw.ImageDraw, cx: int, feet: int, s: float, rng: random.Random
) -> None:
    shirt = _hls(rng.random(), 0.5, 0.6)
    skin = rng.choice(((241, 194, 167), (198, 134, 99), (141, 85, 54), (255, 219, 185)))
    hair = rng.choice(((40, 28, 20), (90, 60, 30), (200, 160, 80), (20, 20, 20)))
    trousers = _hls(rng.uniform(0.55, 0.7), 0.25, 0.3)

    def sc(v: float) -> int:
        return int(v * s)

    draw.rounded_rectangle((cx - sc(55), feet - sc(260), cx + sc(55), feet), sc(20), fill=trousers)
    draw.rounded_rectangle(
        (cx - sc(85), feet - sc(520), cx + sc(85), feet - sc(230)), sc(60), fill=shirt
    )
    for side in (-1, 1):  # arms raised a little: a happy pose
        x0 = cx + side * sc(75)
        draw.line(
            (x0, feet - sc(480), x0 + side * sc(70), feet - sc(620)), fill=shirt, width=sc(38)
        )
        draw.ellipse(
            (
                x0 + side * sc(70) - sc(22),
                feet - sc(642),
                x0 + side * sc(70) + sc(22),
                feet - sc(598),
            ),
            fill=skin,
        )
    draw.rectangle((cx - sc(22), feet - sc(560), cx + sc(22), feet - sc(515)), fill=skin)
    draw.ellipse((cx - sc(62), feet - sc(690), cx + sc(62), feet - sc(550)), fill=skin)
    draw.chord((cx - sc(66), feet - sc(700), cx + sc(66), feet - sc(590)), 180, 360, fill=hair)
    for side in (-1, 1):
        draw.ellipse(
            (
                cx + side * sc(24) - sc(7),
                feet - sc(630),
                cx + side * sc(24) + sc(7),
                feet - sc(616),
            ),
            fill=(30, 30, 30),
        )
    draw.arc(
        (cx - sc(28), feet - sc(620), cx + sc(28), feet - sc(575)),
        20,
        160,
        fill=(120, 40, 40),
        width=max(2, sc(5)),
    )


@dataclass
class Particle:
    """One piece of decoration that can be drawn at any moment of an animation."""

    x: float
    y: float
    size: float
    color: RGB
    angle: float
    spin: float
    fall: float  # canvas heights per second
    sway: float
    kind: str


def make_particles(
    theme: Theme, size: tuple[int, int], rng: random.Random, count: int
) -> list[Particle]:
    width, height = size
    unit = min(width, height)
    kinds = {
        "confetti": ("strip", "strip", "dot", "star"),
        "snow": ("flake", "flake", "dot"),
        "balloons": ("strip", "dot", "star"),
        "leaves": ("leaf", "leaf", "dot"),
        "neon": ("ring", "dot", "strip"),
    }[theme.decoration]
    return [
        Particle(
            x=rng.uniform(0, width),
            y=rng.uniform(0, height),
            size=unit * rng.uniform(0.008, 0.022),
            color=rng.choice(theme.accents),
            angle=rng.uniform(0, 360),
            spin=rng.uniform(-180, 180),
            fall=rng.uniform(0.06, 0.16),
            sway=rng.uniform(0, math.tau),
            kind=rng.choice(kinds),
        )
        for _ in range(count)
    ]


def draw_particles(
    image: Image.Image,
    particles: Sequence[Particle],
    t: float = 0.0,
    avoid: Sequence[tuple[int, int, int, int]] = (),
) -> None:
    """Draw particles at time `t` seconds (they fall and turn); skip those over any `avoid` box."""
    height = image.height
    draw = ImageDraw.Draw(image, "RGBA")
    for p in particles:
        y = (p.y + p.fall * height * t) % (height + 40) - 20
        x = p.x + math.sin(p.sway + t * 2.0) * p.size * 1.5
        if any(b[0] < x < b[2] and b[1] < y < b[3] for b in avoid):
            continue
        angle = math.radians(p.angle + p.spin * t)
        s = p.size
        if p.kind == "strip":
            dx, dy = math.cos(angle) * s, math.sin(angle) * s
            ex, ey = -math.sin(angle) * s * 0.4, math.cos(angle) * s * 0.4
            pts = [
                (x - dx - ex, y - dy - ey),
                (x + dx - ex, y + dy - ey),
                (x + dx + ex, y + dy + ey),
                (x - dx + ex, y - dy + ey),
            ]
            draw.polygon(pts, fill=(*p.color, 235))
        elif p.kind == "star":
            draw.polygon(_star(x, y, s * 1.1, s * 0.45, angle), fill=(*p.color, 245))
        elif p.kind == "flake":
            r = s * 0.7
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*p.color, 200))
        elif p.kind == "leaf":
            dx, dy = math.cos(angle) * s * 1.6, math.sin(angle) * s * 1.6
            ex, ey = -math.sin(angle) * s * 0.6, math.cos(angle) * s * 0.6
            draw.polygon(
                [(x - dx, y - dy), (x + ex, y + ey), (x + dx, y + dy), (x - ex, y - ey)],
                fill=(*p.color, 230),
            )
        elif p.kind == "ring":
            r = s
            draw.ellipse(
                (x - r, y - r, x + r, y + r), outline=(*p.color, 220), width=max(2, int(s / 4))
            )
        else:
            r = s * 0.45
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*p.color, 230))


@dataclass
class Scene:
    """A composed result without its foreground decoration, plus that decoration: the still
    image is `finish(0)`, video frames draw the decoration moving."""

    base: Image.Image
    particles: list[Particle]
    card_box: tuple[int, int, int, int]
    keep_clear: tuple[tuple[int, int, int, int], ...] = ()  # title and caption stay readable

    def finish(self, t: float = 0.0, image: Image.Image | None = None) -> Image.Image:
        frame = (image or self.base).copy()
        draw_particles(
            frame, self.particles, t, avoid=(_inset(self.card_box, 0.12), *self.keep_clear)
        )
        return frame


def compose_scene(
    photo: Image.Image,
    template_id: str,
    aspect_ratio: object,
    seed: int,
    caption: str = "",
) -> Scene:
    """The photo as a framed card on a themed, decorated background with the template's label."""
    theme = theme_for(template_id)
    rng = random.Random(seed)
    width, height = canvas_size(aspect_ratio)
    unit = min(width, height)
    canvas = _vertical_gradient((width, height), theme.top, theme.bottom)
    _glow(canvas, theme.glow, (width // 2, int(height * 0.55)), int(max(width, height) * 0.6))
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    odraw = ImageDraw.Draw(overlay)
    for _ in range(18):  # soft bokeh lights behind everything
        r = rng.uniform(0.02, 0.07) * unit
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        odraw.ellipse(
            (x - r, y - r, x + r, y + r), fill=(*rng.choice(theme.accents), rng.randint(25, 60))
        )
    if theme.decoration == "confetti":
        _fireworks(odraw, theme, (width, height), rng)
    elif theme.decoration == "balloons":
        _balloons(odraw, theme, (width, height), rng)
    elif theme.decoration == "neon":
        _neon_grid(odraw, theme, (width, height))
    # Down and up again: the soft edge of a slight blur at a fraction of its cost.
    overlay = overlay.resize((width // 2, height // 2), Image.Resampling.BOX).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    canvas.paste(overlay, mask=overlay)

    label = template_label(template_id)
    title_size = int(unit * (0.085 if width >= height else 0.075))
    title_font = _fit_font(label, title_size, int(width * 0.86))
    title_h = _text_size(title_font, label)[1]
    top_band = int(height * 0.05) + title_h + int(unit * 0.04)
    bottom_band = int(unit * 0.11)
    card_box = _place_card(photo.size, (width, height), top_band, bottom_band)
    card = _card(photo, card_box)
    # The drop shadow is blurred at a quarter of the size, then stretched: it is all soft anyway.
    q = 4
    shadow = Image.new("L", (width // q, height // q), 0)
    sx, sy = card_box[0] + int(unit * 0.012), card_box[1] + int(unit * 0.018)
    ImageDraw.Draw(shadow).rounded_rectangle(
        (sx // q, sy // q, (sx + card.width) // q, (sy + card.height) // q),
        int(unit * 0.02) // q,
        fill=150,
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(unit * 0.018 / q))
    shadow = shadow.resize((width, height), Image.Resampling.BILINEAR)
    canvas.paste((0, 0, 0), (0, 0, width, height), shadow)
    canvas.paste(card, (card_box[0], card_box[1]), card)

    draw = ImageDraw.Draw(canvas, "RGBA")
    title_w = _text_size(title_font, label)[0]
    tx, ty = (width - title_w) // 2, int(height * 0.045)
    draw.text((tx + 3, ty + 4), label, font=title_font, fill=(0, 0, 0, 150))
    draw.text((tx, ty), label, font=title_font, fill=theme.title)
    sparkle_r = unit * 0.022
    for sx_ in (tx - sparkle_r * 2.2, tx + title_w + sparkle_r * 2.2):
        draw.polygon(
            _star(sx_, ty + title_h * 0.55, sparkle_r, sparkle_r * 0.35, 0.0), fill=(*GOLD, 255)
        )

    subtitle = caption.strip() or "Made with Vimmerse"
    sub_font = _fit_font(subtitle, int(unit * 0.034), int(width * 0.7), bold=False)
    sw, sh = _text_size(sub_font, subtitle)
    pad = int(unit * 0.018)
    bx0, by1 = (width - sw) // 2 - pad * 2, height - int(unit * 0.035)
    draw.rounded_rectangle(
        (bx0, by1 - sh - pad * 2, width - bx0, by1), (sh + pad * 2) // 2, fill=(0, 0, 0, 110)
    )
    draw.text(
        ((width - sw) // 2, by1 - sh - pad - int(sh * 0.15)),
        subtitle,
        font=sub_font,
        fill=(255, 255, 255, 240),
    )

    inset = int(unit * 0.018)
    draw.rounded_rectangle(
        (inset, inset, width - inset, height - inset),
        int(unit * 0.03),
        outline=(*theme.title, 200),
        width=max(3, unit // 200),
    )
    particles = make_particles(
        theme, (width, height), rng, 70 if theme.decoration != "snow" else 110
    )
    margin = int(unit * 0.03)
    keep_clear = (
        (tx - margin * 3, ty - margin, tx + title_w + margin * 3, ty + title_h + margin * 2),
        (bx0 - margin, by1 - sh - pad * 2 - margin, width - bx0 + margin, by1 + margin),
    )
    return Scene(canvas, particles, card_box, keep_clear)


def detection_view(photo: Image.Image, seed: int) -> Image.Image:
    """The "detect_people" step: the photo with boxes around the people found."""
    rng = random.Random(seed)
    image = photo.copy()
    image.thumbnail((1280, 1280))
    width, height = image.size
    draw = ImageDraw.Draw(image, "RGBA")
    unit = min(width, height)
    box = (int(width * 0.26), int(height * 0.06), int(width * 0.74), int(height * 0.96))
    draw.rectangle(
        box, outline=(0, 230, 180, 255), width=max(3, unit // 150), fill=(0, 230, 180, 28)
    )
    label = f"person {rng.uniform(0.91, 0.99):.2f}"
    label_font = font(max(12, unit // 28))
    lw, lh = _text_size(label_font, label)
    draw.rectangle((box[0], box[1] - lh - 10, box[0] + lw + 12, box[1]), fill=(0, 230, 180, 255))
    draw.text((box[0] + 6, box[1] - lh - 7), label, font=label_font, fill=(0, 40, 30))
    return image


# ---------------------------------------------------------------- drawing helpers


def _hls(h: float, light: float, sat: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, light, sat)
    return int(r * 255), int(g * 255), int(b * 255)


def _shade(color: RGB, factor: float) -> RGB:
    r, g, b = (min(255, int(c * factor)) for c in color)
    return r, g, b


def _mix(a: RGB, b: RGB, share: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * share),
        int(a[1] + (b[1] - a[1]) * share),
        int(a[2] + (b[2] - a[2]) * share),
    )


def _vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    # A 1-pixel-wide column stretched sideways: far cheaper than drawing every line.
    column = Image.new("RGB", (1, 256))
    column.putdata([_mix(top, bottom, i / 255) for i in range(256)])
    return column.resize(size, Image.Resampling.BILINEAR)


def _glow(canvas: Image.Image, color: RGB, center: tuple[int, int], radius: int) -> None:
    mask = Image.radial_gradient("L").resize((radius * 2, radius * 2), Image.Resampling.BILINEAR)
    mask = mask.point(lambda v: int(max(0, 255 - v) * 0.55))
    layer = Image.new("RGB", mask.size, color)
    canvas.paste(layer, (center[0] - radius, center[1] - radius), mask)


def _fireworks(
    draw: ImageDraw.ImageDraw, theme: Theme, size: tuple[int, int], rng: random.Random
) -> None:
    width, height = size
    unit = min(width, height)
    spots = [(0.12, 0.2), (0.88, 0.22), (0.08, 0.7), (0.92, 0.72), (0.3, 0.1), (0.7, 0.09)]
    for fx, fy in rng.sample(spots, 4):
        cx, cy = fx * width, fy * height
        color = rng.choice(theme.accents)
        rays = rng.randint(14, 22)
        length = unit * rng.uniform(0.08, 0.14)
        for i in range(rays):
            a = math.tau * i / rays
            x0, y0 = cx + math.cos(a) * length * 0.25, cy + math.sin(a) * length * 0.25
            x1, y1 = cx + math.cos(a) * length, cy + math.sin(a) * length
            draw.line((x0, y0, x1, y1), fill=(*color, 170), width=max(2, unit // 300))
            draw.ellipse((x1 - 3, y1 - 3, x1 + 3, y1 + 3), fill=(*color, 230))


def _balloons(
    draw: ImageDraw.ImageDraw, theme: Theme, size: tuple[int, int], rng: random.Random
) -> None:
    width, height = size
    unit = min(width, height)
    for fx in (0.07, 0.14, 0.86, 0.93):
        cx, cy = fx * width, height * rng.uniform(0.3, 0.6)
        r = unit * rng.uniform(0.045, 0.06)
        color = rng.choice(theme.accents)
        draw.line(
            (cx, cy + r * 1.2, cx + rng.uniform(-10, 10), height),
            fill=(255, 255, 255, 120),
            width=2,
        )
        draw.ellipse((cx - r, cy - r * 1.2, cx + r, cy + r * 1.2), fill=(*color, 230))
        draw.ellipse(
            (cx - r * 0.5, cy - r * 0.8, cx - r * 0.15, cy - r * 0.35), fill=(255, 255, 255, 110)
        )


def _neon_grid(draw: ImageDraw.ImageDraw, theme: Theme, size: tuple[int, int]) -> None:
    width, height = size
    horizon = int(height * 0.62)
    color = theme.accents[0]
    for i in range(-12, 13):
        draw.line(
            (width / 2 + i * width * 0.02, horizon, width / 2 + i * width * 0.12, height),
            fill=(*color, 90),
            width=2,
        )
    for j in range(1, 9):
        y = horizon + (height - horizon) * (j / 8) ** 1.8
        draw.line((0, y, width, y), fill=(*color, 90), width=2)


def _star(
    x: float, y: float, outer: float, inner: float, angle: float
) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = angle + math.pi * i / 5 - math.pi / 2
        points.append((x + math.cos(a) * r, y + math.sin(a) * r))
    return points


def _place_card(
    photo_size: tuple[int, int], canvas: tuple[int, int], top_band: int, bottom_band: int
) -> tuple[int, int, int, int]:
    width, height = canvas
    ratio = min(1.6, max(0.7, photo_size[0] / max(1, photo_size[1])))
    if height > width * 1.2:  # a tall result crops the photo tall too, around the people
        ratio = min(ratio, 0.8)
    avail_w, avail_h = width * 0.84, (height - top_band - bottom_band) * 0.94
    card_w = min(avail_w, avail_h * ratio)
    card_h = card_w / ratio
    x0 = int((width - card_w) / 2)
    y0 = int(top_band + (height - top_band - bottom_band - card_h) / 2)
    return x0, y0, x0 + int(card_w), y0 + int(card_h)


def _card(photo: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The photo cropped to the card, with a white rim and rounded corners."""
    card_w, card_h = box[2] - box[0], box[3] - box[1]
    rim = max(6, min(card_w, card_h) // 40)
    radius = rim * 2
    card = Image.new("RGBA", (card_w, card_h), (0, 0, 0, 0))
    mask = Image.new("L", (card_w, card_h), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, card_w - 1, card_h - 1), radius, fill=255)
    card.paste(Image.new("RGBA", (card_w, card_h), (255, 255, 255, 255)), mask=mask)
    inner = ImageOps.fit(
        photo, (card_w - 2 * rim, card_h - 2 * rim), Image.Resampling.BICUBIC, centering=(0.5, 0.4)
    )
    inner_mask = Image.new("L", inner.size, 0)
    ImageDraw.Draw(inner_mask).rounded_rectangle(
        (0, 0, inner.width - 1, inner.height - 1), radius // 2, fill=255
    )
    card.paste(inner, (rim, rim), inner_mask)
    return card


def _inset(box: tuple[int, int, int, int], share: float) -> tuple[int, int, int, int]:
    dx, dy = int((box[2] - box[0]) * share), int((box[3] - box[1]) * share)
    return box[0] + dx, box[1] + dy, box[2] - dx, box[3] - dy


def _text_size(chosen: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> tuple[int, int]:
    left, top, right, bottom = chosen.getbbox(text)
    return int(right - left), int(bottom - top)


def _fit_font(
    text: str, size: int, max_width: int, bold: bool = True
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    while size > 12:
        chosen = font(size, bold)
        if _text_size(chosen, text)[0] <= max_width:
            return chosen
        size = int(size * 0.9)
    return font(12, bold)
