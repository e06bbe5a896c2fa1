"""Colour is never the only cue: the palette is checked under simulated colour blindness, and
techniques whose colours come close get different underline styles (and every one a label)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from propscan import techniques

# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
CLOSE = 25.0  # CIELAB distance below which two colours are easy to confuse at a glance
NAMED_PAIRS = [("Loaded_Language", "Name_Calling,Labeling"), ("Repetition", "Appeal_to_Authority"),
               ("Flag-Waving", "Black-and-White_Fallacy")]


def lab(hex_colour: str, simulation: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(SIMULATIONS[simulation] @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distance(a: str, b: str) -> float:
    """The smallest colour difference between two techniques under any of the four visions."""
    ca, cb = techniques.get(a).color, techniques.get(b).color
    return min(float(np.linalg.norm(lab(ca, s) - lab(cb, s))) for s in SIMULATIONS)


def test_pairs_readers_confused_are_far_apart_for_every_vision():
    for a, b in NAMED_PAIRS:
        assert distance(a, b) > 2 * CLOSE, (a, b, distance(a, b))


def test_close_colours_differ_in_underline_style():
    for a, b in itertools.combinations(techniques.NAMES, 2):
        if distance(a, b) < CLOSE:
            assert techniques.get(a).underline != techniques.get(b).underline, (a, b, distance(a, b))


def test_every_technique_has_a_distinct_label_and_a_css_underline_style():
    labels = [t.abbr for t in techniques.TECHNIQUES]
    assert len(set(labels)) == 14 and all(1 <= len(x) <= 4 for x in labels)
    assert {t.underline for t in techniques.TECHNIQUES} <= {"solid", "dashed", "dotted", "double"}


def test_tint_keeps_dark_text_readable():
    """WCAG contrast of black text on each highlight's background is at least 7:1 (AAA)."""
    def luminance(hex_colour):
        rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
        lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])

    for t in techniques.TECHNIQUES:
        assert (luminance(t.tint) + 0.05) / 0.05 >= 7, t.name


# --- the terminal's own palette -----------------------------------------------------------------

XTERM_LEVELS = (0, 95, 135, 175, 215, 255)


def xterm_hex(n: int) -> str:
    """An xterm-256 cube colour's RGB, from the cube's definition (not from rich)."""
    n -= 16
    assert 0 <= n < 216, "a cube colour, so terminal themes do not restyle it"
    return "#" + "".join(f"{XTERM_LEVELS[k]:02x}" for k in (n // 36, n // 6 % 6, n % 6))


def wcag_luminance(hex_colour: str) -> float:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((wcag_luminance(a), wcag_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_terminal_256_colours_are_readable_and_distinct():
    from propscan.render.terminal import TERMINAL_256

    assert set(TERMINAL_256) == set(techniques.NAMES)
    hexes = {name: xterm_hex(n) for name, n in TERMINAL_256.items()}
    for name, h in hexes.items():
        assert contrast("#000000", h) >= 7, (name, h, contrast("#000000", h))
        chroma = float(np.hypot(*lab(h, "normal")[1:]))
        assert chroma >= 30, (name, h, "a grey or white highlight is what readers could not tell apart")
    for a, b in itertools.combinations(hexes, 2):
        d = float(np.linalg.norm(lab(hexes[a], "normal") - lab(hexes[b], "normal")))
        assert d >= CLOSE, (a, b, d)


def test_terminal_16_colours_are_readable_and_all_different():
    from rich._palettes import STANDARD_PALETTE

    from propscan.render.terminal import TERMINAL_16

    def hex16(n):
        c = STANDARD_PALETTE[n]
        return f"#{c.red:02x}{c.green:02x}{c.blue:02x}"

    assert set(TERMINAL_16) == set(techniques.NAMES)
    assert len({bg for _, bg in TERMINAL_16.values()}) == 14
    for name, (fg, bg) in TERMINAL_16.items():
        text = {"black": "#000000", "bright_white": "#ffffff"}[fg]
        assert contrast(text, hex16(bg)) >= 4.5, (name, fg, bg, contrast(text, hex16(bg)))
    for name in ("Name_Calling,Labeling", "Slogans"):  # the two readers saw as light grey and bright white
        assert TERMINAL_16[name][1] not in (7, 15)


def _overlapping_document():
    from propscan.doc import AnalysedDocument, Span

    text = ("The so-called experts are lying traitors who want to ruin this nation. "
            "Make the harbour great again!")
    spans = [Span(4, 21, "Name_Calling,Labeling", 0.8), Span(26, 40, "Loaded_Language", 0.9),
             Span(32, 40, "Name_Calling,Labeling", 0.6), Span(71, 100, "Slogans", 0.7)]
    return AnalysedDocument(text=text, source="story.txt", spans=spans, min_confidence=0.0)


def _rendered(doc, color_system):
    from rich.console import Console

    from propscan.render.terminal import render_rich

    console = Console(record=True, color_system=color_system, width=200, force_terminal=True)
    render_rich(doc, console)
    return console.export_text(styles=False, clear=False), console.export_text(styles=True)


def test_overlapping_passages_show_every_technique():
    doc = _overlapping_document()
    plain, _ = _rendered(doc, "256")
    body = plain.splitlines()[1]
    # "traitors" is Loaded language and Name calling at once: the label after it names both
    assert "lying traitors[LL+NC] who" in body
    assert "so-called experts[NC] are" in body and "great again![SLO]" in body
    assert "[LL]" in plain and "Loaded language" in plain  # the legend pairs each label with its name


@pytest.mark.parametrize("system, nc, slo", [("256", "48;5;111", "48;5;218"), ("standard", "44", "105")])
def test_highlights_use_the_terminal_palette(system, nc, slo):
    _, ansi = _rendered(_overlapping_document(), system)
    assert f"{nc}mso-called experts" in ansi and f"{slo}mMake the harbour" in ansi
    assert "47m" not in ansi and "107m" not in ansi  # never the light grey or bright white background
