"""Attribution as token tags: PolNeAR gives each token at most one role, so B/I tags per role
are a faithful encoding, and spans come back from the tags the way the detector decodes its own."""

from __future__ import annotations

import numpy as np

from .polnear import ROLES, Attribution

TAGS = ["O"] + [f"{p}-{r}" for r in ROLES for p in ("B", "I")]
INDEX = {t: i for i, t in enumerate(TAGS)}


# Contents are written first, then sources, then cues, each over what came before: a content
# interrupted by its own cue ("Judge," Brafman said, "I have never ...") is read as one range from
# its first piece to its last, and a reported attribution can sit inside another's content. Written
# the other way round, 14% of PolNeAR's cues and 11% of its sources were taught as content.
WRITE_ORDER = ("Content", "Source", "Cue")


def token_tags(offsets: list[tuple[int, int]], attributions: list[Attribution]) -> np.ndarray:
    """The tag of each token: the role whose span holds the token's first character."""
    tags = np.zeros(len(offsets), dtype=np.int64)
    starts = np.array([s for s, _ in offsets]) if offsets else np.zeros(0, dtype=int)
    for role in WRITE_ORDER:
        for a in attributions:
            span = a.role(role)
            if span is None:
                continue
            inside = np.nonzero((starts >= span[0]) & (starts < span[1]))[0]
            if len(inside):
                tags[inside] = INDEX[f"I-{role}"]
                tags[inside[0]] = INDEX[f"B-{role}"]
    return tags


def spans_from_tags(probs: np.ndarray, offsets: list[tuple[int, int]], text: str | None = None) -> list[tuple[str, int, int, float]]:
    """(role, start, end, mean probability) for each run of one role; a run starts at a B tag or
    where the role changes, and, given the text, at a line break (a headline is not the start of
    the quotation under it; quotations over paragraphs are found by their quote marks)."""
    out = []
    best = probs.argmax(-1)
    run: list | None = None
    for i, t in enumerate(best):
        tag = TAGS[t]
        role = None if tag == "O" else tag[2:]
        new_line = text is not None and i > 0 and "\n" in text[offsets[i - 1][1] : offsets[i][0]]
        if run is not None and (role != run[0] or tag.startswith("B-") or new_line):
            out.append(run)
            run = None
        if role is not None:
            if run is None:
                run = [role, i, i, [probs[i, t]]]
            else:
                run[2] = i
                run[3].append(probs[i, t])
    if run is not None:
        out.append(run)
    return [(r, offsets[a][0], offsets[b][1], float(np.mean(p))) for r, a, b, p in out]
