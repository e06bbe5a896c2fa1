"""SemEval-2021 Task 6 meme texts as extra labelled examples, in PTC's 14 techniques.

A different genre (short, often all-caps), so training weighs them against the news
(benchmarks/accurate.py --memes measures with and without). Smears, Glittering generalities
and Obfuscation have no PTC class: their spans are dropped, the text is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..ptc import LabelledArticle

TO_PTC = {
    "Appeal to authority": "Appeal_to_Authority",
    "Appeal to fear/prejudice": "Appeal_to_fear-prejudice",
    "Black-and-white Fallacy/Dictatorship": "Black-and-White_Fallacy",
    "Causal Oversimplification": "Causal_Oversimplification",
    "Doubt": "Doubt",
    "Exaggeration/Minimisation": "Exaggeration,Minimisation",
    "Flag-waving": "Flag-Waving",
    "Loaded Language": "Loaded_Language",
    "Name calling/Labeling": "Name_Calling,Labeling",
    "Repetition": "Repetition",
    "Slogans": "Slogans",
    "Thought-terminating cliché": "Thought-terminating_Cliches",
    "Bandwagon": "Bandwagon,Reductio_ad_hitlerum",
    "Reductio ad hitlerum": "Bandwagon,Reductio_ad_hitlerum",
    "Whataboutism": "Whataboutism,Straw_Men,Red_Herring",
    "Misrepresentation of Someone's Position (Straw Man)": "Whataboutism,Straw_Men,Red_Herring",
    "Presenting Irrelevant Data (Red Herring)": "Whataboutism,Straw_Men,Red_Herring",
}
SPLITS = ("training_set_task2.txt", "dev_set_task2.txt", "test_set_task2.txt")


def load_memes(folder: Path) -> list[LabelledArticle]:
    out = []
    for split in SPLITS:
        for item in json.loads((Path(folder) / split).read_text(encoding="utf-8")):
            spans = [(TO_PTC[x["technique"]], int(x["start"]), int(x["end"])) for x in item.get("labels", [])
                     if x["technique"] in TO_PTC and 0 <= int(x["start"]) < int(x["end"]) <= len(item["text"])]
            out.append(LabelledArticle(id=f"meme-{split.split('_')[0]}-{item['id']}", text=item["text"], spans=spans))
    return out
