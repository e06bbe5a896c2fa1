"""Colour is never the only cue: the palette is checked under simulated colour blindness, and
techniques whose colours come close get different underline styles (and every one a label)."""

from __future__ import annotations

import itertools

import numpy as np

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
