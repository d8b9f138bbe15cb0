"""Colours that must stay readable in the system's light and dark schemes.

The app follows the system palette (Fusion), but a few parts carry colours of their own: the
primary Create button, the demo banner and warning text. Everything here is computed from the
palette in use, so a scheme switched while the app runs is followed (`MainWindow.changeEvent`
re-applies on a palette change). `ContrastStyle` is the application's style: Fusion, with check
boxes and radio buttons that stay visible on a dark window.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QWidget

PRIMARY = QColor("#1d6fd1")
PRIMARY_HOVER = QColor("#1a63bb")
PRIMARY_DARK_SCHEME = QColor("#2f7fe0")  # a touch lighter: the same weight on a dark window


def is_dark(palette: QPalette) -> bool:
    """True for a dark scheme: the window is darker than its text."""
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightnessF() < text.lightnessF()


def mix(a: QColor, b: QColor, share_b: float) -> QColor:
    """`a` with `share_b` of `b` mixed in (0: a, 1: b)."""
    keep = 1.0 - share_b
    return QColor.fromRgbF(
        a.redF() * keep + b.redF() * share_b,
        a.greenF() * keep + b.greenF() * share_b,
        a.blueF() * keep + b.blueF() * share_b,
    )


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21; 4.5 is enough for body text)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class ButtonColors:
    background: QColor
    hover: QColor
    text: QColor
    disabled_background: QColor
    disabled_text: QColor
    focus_ring: QColor


def primary_button_colors(palette: QPalette) -> ButtonColors:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    dark = is_dark(palette)
    return ButtonColors(
        background=PRIMARY_DARK_SCHEME if dark else PRIMARY,
        hover=PRIMARY if dark else PRIMARY_HOVER,
        text=QColor("white"),
        # A quiet slab whose words can still be read: the label says what is missing.
        disabled_background=mix(window, text, 0.14),
        disabled_text=mix(window, text, 0.62),
        # The window's own text colour around the button: dark on light, light on dark.
        focus_ring=text,
    )


def primary_button_css(name: str, palette: QPalette) -> str:
    c = primary_button_colors(palette)
    return (
        f"#{name} {{ background: {c.background.name()}; color: {c.text.name()};"
        " border: 3px solid transparent; border-radius: 7px; padding: 6px 14px; }"
        f"#{name}:hover {{ background: {c.hover.name()}; }}"
        f"#{name}:focus {{ border: 3px solid {c.focus_ring.name()}; }}"
        f"#{name}:disabled {{ background: {c.disabled_background.name()};"
        f" color: {c.disabled_text.name()}; }}"
    )


@dataclass(frozen=True)
class BannerColors:
    background: QColor
    border: QColor
    text: QColor


def banner_colors(palette: QPalette) -> BannerColors:
    """A notice band: pale yellow on a light scheme, deep amber on a dark one."""
    if is_dark(palette):
        return BannerColors(QColor("#3b3213"), QColor("#6b5a1e"), QColor("#ffe7a3"))
    return BannerColors(QColor("#fff4ce"), QColor("#e0c060"), QColor("#4a3b00"))


def banner_css(name: str, palette: QPalette) -> str:
    c = banner_colors(palette)
    return (
        f"#{name} {{ background: {c.background.name()};"
        f" border-bottom: 1px solid {c.border.name()}; }}"
        f"#{name} QLabel {{ color: {c.text.name()}; }}"
    )


def error_color(palette: QPalette) -> QColor:
    """Red words that read on the window: deep red on light, soft red on dark."""
    return QColor("#ff8a80") if is_dark(palette) else QColor("#c62828")


class ContrastStyle(QProxyStyle):
    """Fusion, with check boxes and radio buttons whose outline shows on a dark window.

    Fusion outlines them in the window colour darkened by 40 %: on a dark window that is
    near-black on near-black. Here, on a dark scheme, the outline is drawn from a light grey
    instead (everything else is Fusion's own), so it reads on every dark palette."""

    _INDICATORS = (
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorRadioButton,
        QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
    )

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in self._INDICATORS and is_dark(option.palette):
            option = type(option)(option)  # a copy: the caller's option draws the label next
            palette = QPalette(option.palette)
            text = palette.color(QPalette.ColorRole.Text)
            base = palette.color(QPalette.ColorRole.Base)
            # Fusion's outline is Window.darker(140): from near the text colour, a light grey.
            palette.setColor(QPalette.ColorRole.Window, mix(base, text, 0.95))
            option.palette = palette
        super().drawPrimitive(element, option, painter, widget)
