"""The 14 propaganda techniques of the PTC corpus, with plain-language help.

The PTC label strings are the identifiers everywhere (model outputs, files, JSON), so
that predictions can be scored against the corpus without any mapping table.
Definitions and examples are written for propscan, not copied from the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Technique:
    name: str  # PTC label, e.g. "Name_Calling,Labeling"
    title: str  # human-readable name
    definition: str
    example: str
    color: str  # highlight colour (hex) used by every renderer; tests/test_palette.py checks it
    abbr: str  # short label beside a highlight, so colour is never the only cue
    underline: str  # CSS text-decoration-style: a second cue where colours look alike to colour-blind readers

    @property
    def tint(self) -> str:
        """The colour mixed 40:60 with white: a background dark text stays readable on."""
        rgb = [int(self.color[i : i + 2], 16) for i in (1, 3, 5)]
        return "#" + "".join(f"{round(c * 0.4 + 255 * 0.6):02x}" for c in rgb)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "definition": self.definition,
            "example": self.example,
            "color": self.color,
            "tint": self.tint,
            "abbr": self.abbr,
            "underline": self.underline,
        }


TECHNIQUES: tuple[Technique, ...] = (
    Technique(
        "Loaded_Language",
        "Loaded language",
        "Words chosen for their emotional charge rather than their meaning, to make the reader "
        "feel something about the subject before thinking about it.",
        "The council's reckless, disastrous budget will gut our town.",
        "#E69F00",
        "LL",
        "solid",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling / labeling",
        "Attaching a label to a person or group, something the audience already fears, hates "
        "or loves, instead of arguing about what they do.",
        "The so-called experts from the coffee lobby want you to stop asking questions.",
        "#332288",
        "NC",
        "solid",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "Saying the same word, phrase or idea again and again so that it sticks and starts to "
        "feel true.",
        "Safe streets. We demand safe streets. Nothing matters more than safe streets.",
        "#228833",
        "REP",
        "solid",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration / minimisation",
        "Making something look far bigger, better or worse than it is, or waving away "
        "something serious as if it were trivial.",
        "This is the greatest ferry timetable in the history of the world.",
        "#CC3311",
        "EXG",
        "dashed",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "Questioning the credibility of a person or an institution without evidence, so that "
        "the reader stops trusting them.",
        "Can we really believe anything the harbour authority tells us now?",
        "#88CCEE",
        "DBT",
        "solid",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear / prejudice",
        "Building support for an idea by stoking anxiety or panic about an alternative, often "
        "based on prejudice against a group.",
        "If the new bridge opens, criminals from across the river will pour into our homes.",
        "#882255",
        "FEAR",
        "solid",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "Justifying an idea by appealing to strong group feeling, such as patriotism or the "
        "identity of a team, rather than to its merits.",
        "Every true patriot will stand behind the new tariff on imported marmalade.",
        "#DDCC77",
        "FLAG",
        "solid",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "Pinning a complicated problem on a single cause, or a single culprit, when many "
        "factors are at play.",
        "House prices went up only because of the cyclists.",
        "#999933",
        "CAUS",
        "dotted",
    ),
    Technique(
        "Slogans",
        "Slogans",
        "A short, punchy phrase meant to stick in memory and stand in for an argument, often "
        "with labels and stereotypes.",
        "Fix the roads, free the people!",
        "#CC79A7",
        "SLO",
        "dashed",
    ),
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "Claiming something is true because an authority or expert said so, with no other "
        "evidence, or citing someone whose authority does not cover the topic.",
        "A famous actor says the vaccine schedule is wrong, so it must be wrong.",
        "#AA4499",
        "AUTH",
        "dotted",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "Presenting two options as the only ones possible when more exist, or one option as "
        "the only choice.",
        "Either we close the library or the town goes bankrupt.",
        "#6699CC",
        "B/W",
        "double",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "A stock phrase that discourages critical thought and closes a discussion, offered "
        "as if it settled the matter.",
        "It is what it is. Rules are rules.",
        "#8C564B",
        "TTC",
        "double",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism / straw man / red herring",
        "Deflecting criticism by pointing at someone else's faults, distorting an opponent's "
        "position so it is easier to attack, or changing the subject.",
        "You complain about the potholes, but what about the mayor's parking tickets?",
        "#BBBBBB",
        "WHAT",
        "double",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon / reductio ad Hitlerum",
        "Urging people to join in because everyone else already does, or rejecting an idea "
        "because a hated group supports it.",
        "Everyone in the neighbourhood has signed the petition, so why haven't you?",
        "#EE6677",
        "BAND",
        "dotted",
    ),
)

NAMES: tuple[str, ...] = tuple(t.name for t in TECHNIQUES)
BY_NAME: dict[str, Technique] = {t.name: t for t in TECHNIQUES}
INDEX: dict[str, int] = {name: i for i, name in enumerate(NAMES)}


def get(name: str) -> Technique:
    """Look a technique up by its PTC label, with a helpful error for typos."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown technique {name!r}; known: {', '.join(NAMES)}") from None
