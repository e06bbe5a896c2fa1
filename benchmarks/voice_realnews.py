"""Voice and speakers on real news: propscan against the hand-marked voice set (docs/voice-set.md).

  python benchmarks/voice_realnews.py --split tune [--data ../shared/data] [--errors]

Runs the fast tier with attribution on each article of the split and scores
`propscan.attribution.voice.quoted_passages(doc)` against benchmarks/voice_set/marks.json: voice
precision, recall and F1 by non-whitespace characters (pooled), and speaker accuracy over gold
passages with a named speaker that propscan shows as quoted and names. `--errors` lists the
false positives, the missed passages and the wrong speakers, for reading. Tune on `--split tune`
(and `heldout`, scored once and tuned on since); `--split fresh` is scored once, at the end, and
`--split all` is tune and heldout, never fresh. Writes benchmarks/results/voice_realnews_<split>.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKS = ROOT / "benchmarks" / "voice_set" / "marks.json"
ARTICLES = "hyperpartisan/articles-training-byarticle-20181122.xml"
TRUTH = "hyperpartisan/ground-truth-training-byarticle-20181122.xml"
# "all" leaves out fresh, so that no one tuning sees the final held-out half scored by accident
SPLITS_OF = {"tune": ("tune",), "heldout": ("heldout",), "fresh": ("fresh",), "all": ("tune", "heldout")}


def fail(message: str) -> None:
    print(f"voice_realnews: error: {message}", file=sys.stderr)
    sys.exit(2)


def clip(text: str, n: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 30] + " … " + one[-27:]


def print_errors(aid: str, text: str, gold, predicted, judged) -> None:
    from propscan.evaluate.voice_set import false_positives, missed

    fps, gone = false_positives(text, gold, predicted), missed(text, gold, predicted)
    wrong = [j for j in judged if not j.right]
    if not (fps or gone or wrong):
        return
    print(f"\n## {aid}")
    for s, e, name in fps:
        print(f"  FALSE+  [{name or '-'}] {clip(text[s:e])!r}")
    for p in gone:
        print(f"  MISSED  [{p.speaker or '-'}] ({p.kind}) {clip(p.text)!r}")
    for j in wrong:
        print(f"  SPEAKER predicted {j.predicted!r}, gold {j.passage.speaker!r}: {clip(j.passage.text, 80)!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("tune", "heldout", "fresh", "all"), required=True,
                    help="all: tune and heldout; fresh is scored once, at the end")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--marks", type=Path, default=MARKS)
    ap.add_argument("--errors", action="store_true", help="list false positives, missed passages and wrong speakers")
    args = ap.parse_args()
    if not (args.data / ARTICLES).is_file() or not (args.data / TRUTH).is_file():
        fail(f"{args.data / 'hyperpartisan'} not found (the SemEval-2019 Task 4 XML files); pass --data DIR")

    from propscan.assess.aids import AidOptions
    from propscan.assess.datasets import read_semeval2019
    from propscan.attribution.voice import quoted_passages
    from propscan.errors import PropscanError
    from propscan.evaluate.voice_set import VoiceCounts, check_against_texts, load_marks, score_article
    from propscan.ingest.sources import RawArticle
    from propscan.pipeline import Analyzer
    from report import cpu_model, save

    try:
        marks = [m for m in load_marks(args.marks) if m.split in SPLITS_OF[args.split]]
        texts = {a.id: a.text for a in read_semeval2019(args.data / ARTICLES, args.data / TRUTH)}
        problems = check_against_texts(marks, texts)
        if problems:
            fail(f"{args.marks} does not fit the texts: {problems[0]} ({len(problems)} problems)")
        analyzer = Analyzer.load("fast", threads=2, aids=AidOptions(partisanship=False, claims=False, attribution=True))
        t0 = time.perf_counter()
        docs = analyzer.analyze([RawArticle(source=m.id, text=texts[m.id], title="", kind="text") for m in marks])
        seconds = time.perf_counter() - t0
    except PropscanError as exc:
        fail(exc.one_line())

    total, rows = VoiceCounts(), []
    print("| article | split | hyperpartisan | gold chars | predicted chars | precision | recall | speakers right/judged |")
    print("|---|---|---|---|---|---|---|---|")
    for m, doc in zip(marks, docs):
        predicted = quoted_passages(doc)
        counts, judged = score_article(doc.text, m.passages, predicted)
        total.add(counts)
        rows.append((m, doc.text, predicted, judged))
        print(f"| {m.id} | {m.split} | {'yes' if m.hyperpartisan else 'no'} | {counts.gold} | {counts.predicted} "
              f"| {counts.precision:.2f} | {counts.recall:.2f} | {counts.speakers_right}/{counts.speakers_judged} |")
    if args.errors:
        for m, text, predicted, judged in rows:
            print_errors(m.id, text, m.passages, predicted, judged)
    print()
    result = {"split": args.split, "articles": len(marks), "gold_passages": sum(len(m.passages) for m in marks),
              "cpu": cpu_model(), "analyse_seconds": round(seconds, 2),
              "voice_precision": round(total.precision, 4), "voice_recall": round(total.recall, 4),
              "voice_f1": round(total.f1, 4), "gold_chars": total.gold, "predicted_chars": total.predicted,
              "speaker_accuracy": round(total.speaker_accuracy, 4), "speakers_judged": total.speakers_judged}
    save(result, ROOT / "benchmarks" / "results" / f"voice_realnews_{args.split}.json")


if __name__ == "__main__":
    main()
