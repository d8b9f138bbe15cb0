"""Draws the app icon's one source image, resources/icon.png (1024×1024), with Pillow.

The icon is generated rather than hand-drawn so that anyone can change a colour and re-run it:
    python packaging/make_icon_source.py && python packaging/make_icons.py

A stack of three photo cards on a rounded-square gradient; the front card shows a play symbol
and a sparkle, for "photos in, finished images and videos out".
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SIZE = 1024
# Everything is drawn at 4× and shrunk once: Pillow's shapes have no anti-aliasing of their own.
SCALE = 4
CANVAS = SIZE * SCALE

TOP_COLOUR = (112, 72, 255)  # indigo-violet
BOTTOM_COLOUR = (18, 184, 214)  # teal
CARD_BACK_COLOURS = ((255, 255, 255, 110), (255, 255, 255, 170))
CARD_FRONT = (255, 255, 255, 255)
PHOTO_TOP = (255, 179, 71)  # warm sky in the front card's picture
PHOTO_BOTTOM = (255, 94, 135)
SUN_COLOUR = (255, 241, 204, 255)
FAR_HILL_COLOUR = (231, 72, 128, 255)
NEAR_HILL_COLOUR = (176, 52, 140, 255)
PLAY_DISC_COLOUR = (255, 255, 255, 235)
PLAY_COLOUR = (98, 64, 240, 255)
SPARKLE_COLOUR = (255, 214, 92, 255)

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "resources" / "icon.png"


def s(value: float) -> int:
    """A length in 1024-space, on the oversized canvas."""
    return round(value * SCALE)


def vertical_gradient(
    width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    return column.resize((width, height), Image.Resampling.BICUBIC)


def diagonal_gradient(
    width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    """Top-left to bottom-right, which reads livelier than a plain vertical fade."""
    big = vertical_gradient(width * 2, height * 2, top, bottom).rotate(
        -30, resample=Image.Resampling.BICUBIC
    )
    left, upper = (big.width - width) // 2, (big.height - height) // 2
    return big.crop((left, upper, left + width, upper + height))


def rounded_mask(width: int, height: int, radius: int) -> Image.Image:
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=255)
    return mask


def card(width: int, height: int, radius: int, fill: tuple[int, int, int, int]) -> Image.Image:
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle((0, 0, width - 1, height - 1), radius, fill=fill)
    return layer


def paste_rotated(
    base: Image.Image, layer: Image.Image, centre: tuple[int, int], angle: float
) -> None:
    turned = layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    base.alpha_composite(turned, (centre[0] - turned.width // 2, centre[1] - turned.height // 2))


def shadow_of(layer: Image.Image, blur: int, opacity: int) -> Image.Image:
    alpha = layer.getchannel("A").point(lambda a: a * opacity // 255)
    shadow = Image.new("RGBA", layer.size, (10, 10, 40, 0))
    shadow.putalpha(alpha.filter(ImageFilter.GaussianBlur(blur)))
    return shadow


def front_card() -> Image.Image:
    """The front photo: white frame, a warm picture with hills, a play button."""
    width, height, radius, border = s(500), s(400), s(44), s(26)
    layer = card(width, height, radius, CARD_FRONT)
    inner_w, inner_h = width - 2 * border, height - 2 * border
    picture = vertical_gradient(inner_w, inner_h, PHOTO_TOP, PHOTO_BOTTOM).convert("RGBA")
    draw = ImageDraw.Draw(picture)
    # Two soft hills and a sun: enough to say "photo" at 32 px without clutter.
    draw.ellipse((s(330), s(40), s(410), s(120)), fill=SUN_COLOUR)
    draw.ellipse((s(180), s(235), s(640), s(600)), fill=FAR_HILL_COLOUR)
    draw.ellipse((s(-140), s(255), s(330), s(600)), fill=NEAR_HILL_COLOUR)
    picture.putalpha(rounded_mask(inner_w, inner_h, radius - border // 2))
    layer.alpha_composite(picture, (border, border))

    # Play button: a translucent disc with a triangle whose visual centre sits on the disc's.
    cx, cy, r = width // 2, height // 2, s(96)
    disc = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    ImageDraw.Draw(disc).ellipse((cx - r, cy - r, cx + r, cy + r), fill=PLAY_DISC_COLOUR)
    layer.alpha_composite(disc)
    tri = s(52)
    offset = tri * 0.18
    ImageDraw.Draw(layer).polygon(
        [
            (cx - tri * 0.62 + offset, cy - tri),
            (cx - tri * 0.62 + offset, cy + tri),
            (cx + tri * 0.95 + offset, cy),
        ],
        fill=PLAY_COLOUR,
    )
    return layer


def sparkle(size: int, colour: tuple[int, int, int, int]) -> Image.Image:
    """A four-pointed star with concave sides: a slightly plumped astroid."""
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    c = size / 2
    # Exponent 3 is the true astroid; a little more sharpens the points into a twinkle.
    power = 3.2
    points: list[tuple[float, float]] = []
    steps = 256
    for i in range(steps):
        t = 2 * math.pi * i / steps
        x = math.copysign(abs(math.cos(t)) ** power, math.cos(t))
        y = math.copysign(abs(math.sin(t)) ** power, math.sin(t))
        points.append((c + c * x, c + c * y))
    ImageDraw.Draw(layer).polygon(points, fill=colour)
    return layer


def draw_icon() -> Image.Image:
    canvas = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))

    # macOS-style margins: the rounded square fills ~80 % so the icon sits well beside others.
    margin = s(100)
    tile_size = CANVAS - 2 * margin
    tile = diagonal_gradient(tile_size, tile_size, TOP_COLOUR, BOTTOM_COLOUR).convert("RGBA")
    # A faint light from the top gives the tile depth without a skeuomorphic bevel.
    glow = Image.new("L", (tile_size, tile_size), 0)
    ImageDraw.Draw(glow).ellipse(
        (-tile_size // 3, -tile_size // 2, tile_size * 4 // 3, tile_size // 2), fill=60
    )
    glow = glow.filter(ImageFilter.GaussianBlur(s(60)))
    tile = Image.composite(Image.new("RGBA", tile.size, (255, 255, 255, 255)), tile, glow)
    tile_mask = rounded_mask(tile_size, tile_size, s(185))
    tile.putalpha(tile_mask)

    tile_shadow = shadow_of(tile, s(18), 90)
    canvas.alpha_composite(tile_shadow, (margin, margin + s(14)))
    canvas.alpha_composite(tile, (margin, margin))

    cards = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    centre = (CANVAS // 2, CANVAS // 2 + s(30))
    back_w, back_h, back_r = s(500), s(400), s(44)
    for (dx, dy, angle), colour in zip(
        ((-s(34), -s(58), 14.0), (-s(14), -s(30), 7.0)), CARD_BACK_COLOURS, strict=True
    ):
        paste_rotated(
            cards, card(back_w, back_h, back_r, colour), (centre[0] + dx, centre[1] + dy), angle
        )
    front = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    paste_rotated(front, front_card(), (centre[0] + s(8), centre[1] + s(8)), -3.0)
    canvas.alpha_composite(shadow_of(front, s(22), 110), (0, s(16)))
    canvas.alpha_composite(cards)
    canvas.alpha_composite(front)

    big = sparkle(s(224), SPARKLE_COLOUR)
    small = sparkle(s(112), (255, 255, 255, 240))
    canvas.alpha_composite(shadow_of(big, s(10), 80), (s(664), s(150)))
    canvas.alpha_composite(big, (s(660), s(140)))
    canvas.alpha_composite(small, (s(596), s(140)))

    return canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    draw_icon().save(output, optimize=True)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
