"""What the result page's review mode (static/review.js) needs from the server, as one JSON blob,
and the keys it answers to (the help overlay is rendered from the same table).

The text goes in whole: the script rebuilds the article from it, so its offsets are the stored
text's own (code points, counted by the script), never the browser's reading of the page, which
turns CR LF into LF. `safe_json` keeps an article from closing the script element.
"""

from __future__ import annotations

from .. import techniques
from ..render.html import safe_json

# One letter per technique, mnemonic where the language allows, none of them a command key.
TECHNIQUE_KEYS = {
    "Loaded_Language": "l", "Name_Calling,Labeling": "n", "Repetition": "r", "Exaggeration,Minimisation": "m",
    "Doubt": "d", "Appeal_to_fear-prejudice": "f", "Flag-Waving": "w", "Causal_Oversimplification": "c",
    "Slogans": "s", "Appeal_to_Authority": "h", "Black-and-White_Fallacy": "b", "Thought-terminating_Cliches": "t",
    "Whataboutism,Straw_Men,Red_Herring": "o", "Bandwagon,Reductio_ad_hitlerum": "g",
}
COMMAND_KEYS = (
    ("j", "next passage"), ("k", "previous passage"), ("a", "accept the passage"), ("x", "reject the passage"),
    ("u", "undo (Ctrl+Z too)"), ("[", "start one word earlier"), ("{", "start one word later"),
    ("]", "end one word later"), ("}", "end one word earlier"), ("e", "extent = the text you selected"),
    ("F", "finish the review (Shift+F)"), ("?", "this help"), ("Esc", "close"),
)
assert not set(TECHNIQUE_KEYS.values()) & {k for k, _ in COMMAND_KEYS} and set(TECHNIQUE_KEYS) == set(techniques.INDEX)


def technique_keys() -> list[tuple[str, techniques.Technique]]:
    return [(TECHNIQUE_KEYS[t.name], t) for t in techniques.TECHNIQUES]


def review_data(found, api_key: str | None) -> str:
    doc = found.doc
    return safe_json({"id": found.id, "text": doc.text, "model_version": doc.model_version,
                      "min_confidence": doc.min_confidence, "needs_key": bool(api_key), "keys": TECHNIQUE_KEYS})
