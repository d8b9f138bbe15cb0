"""Make the sample photos shipped for demo mode: synthetic, so they are the project's own.

Each picture is a scenic gradient (sky, sea, hills, a low sun or a city skyline) with one or
more people-like silhouettes in front, which is what the templates expect to find.

    python resources/samples/make_samples.py      # rewrites sample_*.jpg beside this file
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent

# (name, size, sky top, sky bottom, ground, sun, people, skyline)
SCENES = [
    ("sunset_beach", (1200, 800), "#2b2d6e", "#f7a35c", "#1d3557", "#ffd27f", 2, False),
    ("mountain_morning", (1200, 800), "#7ec8e3", "#e8f6ff", "#3d6b45", "#fff6c8", 1, False),
    ("city_night", (1200, 800), "#0b1026", "#3a2f6b", "#14142b", None, 3, True),
    ("lavender_field", (800, 1200), "#9fb8e8", "#f4d9f0", "#7a5aa6", "#fff1d6", 1, False),
    ("desert_dusk", (1200, 800), "#3d1c4f", "#ff8c5a", "#b5653a", "#ffcf70", 2, False),
    ("snowy_park", (1200, 800), "#b9d3ee", "#f5f9ff", "#e9eef5", None, 4, False),
    ("harbour_noon", (800, 1200), "#3f8fd2", "#bfe3ff", "#21567a", "#fffbe0", 1, True),
    ("forest_party", (1200, 800), "#184d47", "#96bb7c", "#2f3e1f", "#fad586", 5, False),
]


def _hex(color: str) -> tuple[int, int, int]:
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    w, h = size
    a, b = _hex(top), _hex(bottom)
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(1, h - 1)
        column.putpixel((0, y), tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3)))
    return column.resize((w, h))


def _person(draw: ImageDraw.ImageDraw, x: float, base: float, height: float, fill: str) -> None:
    """A simple standing figure: head, shoulders and body, arms a little apart."""
    head = height * 0.16
    draw.ellipse((x - head / 2, base - height, x + head / 2, base - height + head), fill=fill)
    neck = base - height + head * 1.05
    shoulder = height * 0.13
    draw.rounded_rectangle(
        (x - shoulder, neck, x + shoulder, base - height * 0.38),
        radius=int(shoulder * 0.6),
        fill=fill,
    )
    leg = height * 0.07
    draw.rectangle((x - shoulder * 0.8, base - height * 0.42, x - leg * 0.2, base), fill=fill)
    draw.rectangle((x + leg * 0.2, base - height * 0.42, x + shoulder * 0.8, base), fill=fill)
    arm = height * 0.05
    draw.line(
        (x - shoulder, neck + arm, x - shoulder * 1.5, base - height * 0.45),
        fill=fill,
        width=int(arm * 1.6),
    )
    draw.line(
        (x + shoulder, neck + arm, x + shoulder * 1.5, base - height * 0.45),
        fill=fill,
        width=int(arm * 1.6),
    )


def make_scene(spec: tuple, seed: int) -> Image.Image:
    _name, size, top, bottom, ground, sun, people, skyline = spec
    rng = random.Random(seed)
    w, h = size
    im = _gradient(size, top, bottom)
    draw = ImageDraw.Draw(im)
    horizon = h * rng.uniform(0.58, 0.68)
    if sun:
        r = min(w, h) * rng.uniform(0.07, 0.11)
        cx, cy = w * rng.uniform(0.2, 0.8), horizon - r * rng.uniform(0.6, 1.8)
        glow = Image.new("L", size, 0)
        ImageDraw.Draw(glow).ellipse(
            (cx - r * 2.4, cy - r * 2.4, cx + r * 2.4, cy + r * 2.4), fill=110
        )
        im.paste(Image.new("RGB", size, sun), mask=glow.filter(ImageFilter.GaussianBlur(r)))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=sun)
    if skyline:
        x = 0.0
        while x < w:
            bw = rng.uniform(w * 0.04, w * 0.09)
            bh = rng.uniform(h * 0.08, h * 0.3)
            draw.rectangle((x, horizon - bh, x + bw, horizon), fill="#1c1f3a")
            for wy in range(int(horizon - bh + 8), int(horizon - 6), 16):
                for wx in range(int(x + 6), int(x + bw - 6), 14):
                    if rng.random() < 0.35:
                        draw.rectangle((wx, wy, wx + 5, wy + 7), fill="#ffd98a")
            x += bw + rng.uniform(2, 12)
    else:
        points = [(0, h)]
        for i in range(9):
            points.append((w * i / 8, horizon - rng.uniform(0, h * 0.12)))
        points.append((w, h))
        hill = tuple(max(0, c - 25) for c in _hex(ground))
        draw.polygon(points, fill=hill)
    draw.rectangle((0, horizon, w, h), fill=ground)
    shade = "#101018" if sum(_hex(ground)) > 300 else "#0a0a12"
    count = people
    spacing = w / (count + 1)
    for i in range(count):
        height = h * rng.uniform(0.42, 0.58) * (1.0 if count < 4 else 0.8)
        x = spacing * (i + 1) + rng.uniform(-spacing * 0.2, spacing * 0.2)
        _person(draw, x, h * rng.uniform(0.9, 0.97), height, shade)
    return im.filter(ImageFilter.GaussianBlur(0.6))


def main() -> None:
    for index, spec in enumerate(SCENES, start=1):
        path = HERE / f"sample_{index:02d}_{spec[0]}.jpg"
        make_scene(spec, seed=index).save(path, "JPEG", quality=85, optimize=True)
        print(path.name, path.stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
