"""Plain-language help for what was found: definitions and examples of the techniques in a document.

Kept apart from the data model so a stored analysis never carries stale wording: the
explanations are attached when a document is rendered.
"""

from __future__ import annotations

from . import techniques
from .doc import AnalysedDocument


def explanations(doc: AnalysedDocument) -> dict[str, dict]:
    """{technique: {title, definition, example}} for every technique with a span in ``doc``."""
    return {name: {k: v for k, v in techniques.get(name).to_dict().items() if k != "name"} for name in doc.counts}
