"""The accurate tier's variants side by side: one row per `benchmarks/accurate.py --variant NAME` run.

  python benchmarks/accurate_variants.py [NAME ...]

Reads benchmarks/results/accurate_cv_<NAME>.json (all of them without names) and prints a Markdown
table: the fold, what was tuned, the training time, the delta's size, and for the heads alone, the
shipped blend (0.7 / 0.5) and the best blend the fold's SI / TC / labelled F1, with decoding settings
tuned on one half of its articles and scored on the other (both ways, pooled). The best blend is the
one with the highest held-out SI + TC + labelled F1 among those the run scored.
"""

from __future__ import annotations

import json
import sys

from report import ROOT

RESULTS = ROOT / "benchmarks" / "results"
SHIPPED_BLEND = "tokens 0.7 / spans 0.5"  # the weights the shipped tier uses, chosen on fold 0


def what(recipe: dict, memes: int) -> str:
    if not recipe.get("tune_top"):
        tuned = "frozen base, heads only"
    elif recipe.get("lora_rank"):
        tuned = f"top {recipe['tune_top']}, LoRA r{recipe['lora_rank']} (lr {recipe['lora_lr']:g})"
    else:
        tuned = f"top {recipe['tune_top']} in full (lr {recipe['layer_lr']:g})"
    extra = f", +{memes} meme texts" if memes else ""
    extra += f", seed {recipe['seed']}" if recipe.get("seed", 13) != 13 else ""
    return f"{tuned}, {recipe['epochs']} epochs, batch {recipe['batch']}, {recipe['precision']}{extra}"


def held_out(row: dict) -> tuple[float, float, float]:
    return row["held_out_half"]["SI_F1"], row["TC_micro_F1"], row["held_out_half"]["labelled_F1"]


def table(names: list[str]) -> str:
    lines = ["| variant | fold | what was trained | training, s | delta, MB | heads alone: SI / TC / labelled | "
             "blend 0.7 / 0.5: SI / TC / labelled | best blend (tokens / spans) | best blend: SI / TC / labelled |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        r = json.loads((RESULTS / f"accurate_cv_{name}.json").read_text())
        alone = r["blends"].get("tokens 1.0 / spans 1.0")
        blends = {k: v for k, v in r["blends"].items() if k not in ("tokens 0.0 / spans 0.0", "tokens 1.0 / spans 1.0")}
        best = max(blends.items(), key=lambda kv: sum(held_out(kv[1])), default=None)
        fmt = lambda row: " / ".join(f"{x:.3f}" for x in held_out(row)) if row else "-"  # noqa: E731
        lines.append(f"| {name} | {r['fold']} | {what(r['recipe'], r.get('memes', 0))} | {r['head_training_seconds']} | "
                     f"{r['delta_bytes'] / 1e6:.1f} | {fmt(alone)} | {fmt(r['blends'].get(SHIPPED_BLEND))} | {best[0].replace('tokens ', '').replace('spans ', '') if best else '-'} | "
                     f"{fmt(best[1]) if best else '-'} |")
    return "\n".join(lines)


def main() -> None:
    names = sys.argv[1:] or sorted(p.stem.removeprefix("accurate_cv_") for p in RESULTS.glob("accurate_cv_*.json")
                                   if "recipe" in json.loads(p.read_text()))
    print(table(names))


if __name__ == "__main__":
    main()
