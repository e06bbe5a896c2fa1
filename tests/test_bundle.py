"""The shipped model: safe formats, within size, hashes checked, tampering caught."""

from __future__ import annotations

import json

import pytest

from conftest import model_copy
from propscan.bundle import DEFAULT_DIR, load_bundle
from propscan.errors import ModelError
from propscan.language import detect_language


def test_shipped_model_is_small_safe_and_verified():
    files = [p for p in DEFAULT_DIR.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 30 * 1024 * 1024
    assert {p.suffix for p in files} <= {".onnx", ".json", ".md", ".safetensors"}
    bundle = load_bundle()
    meta = json.loads((DEFAULT_DIR / "model.json").read_text())
    assert set(meta["files"]) == {"detector.onnx", "span_head.onnx", "tokenizer.json"}
    assert bundle.version == meta["version"]


def test_all_shipped_models_together_are_within_80_mb_and_in_safe_formats():
    """Every model in the repo (fast, accurate heads and delta, aids, attribution): safe formats
    only (no pickles), and at most 80 MB together."""
    files = [p for p in DEFAULT_DIR.parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert sum(p.stat().st_size for p in files) <= 80 * 1024 * 1024
    assert {p.suffix for p in files} <= {".onnx", ".json", ".md", ".safetensors", ".txt"}


def test_tampered_model_file_is_refused(tmp_path):
    copy = model_copy(tmp_path)
    with open(copy / "span_head.onnx", "r+b") as f:
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="does not match the sha256"):
        load_bundle(copy)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no model.json"):
        load_bundle(tmp_path)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("The council said on Tuesday that the bridge would be closed for repairs, and residents were angry "
         "because nobody had asked them what they thought about it.", "en"),
        ("El ayuntamiento anunció el martes que el puente estará cerrado durante un año por obras, y los vecinos "
         "están muy enfadados porque nadie les preguntó su opinión sobre el proyecto.", "es"),
        ("Le conseil municipal a annoncé mardi que le pont serait fermé pendant un an pour des travaux, et les "
         "habitants sont très en colère parce que personne ne leur a demandé leur avis.", "fr"),
    ],
)
def test_language_detection(text, lang):
    assert detect_language(text) == lang


def test_per_technique_settings_survive_model_json():
    import json

    from propscan.bundle import Settings

    tuned = Settings(si_join_words=2, channels={"Loaded_Language": [0.2, 0.1]}, label_min={"Slogans": 0.4})
    again = Settings.from_dict(json.loads(json.dumps(tuned.__dict__)))
    assert again == tuned and isinstance(again.si_join_words, int)
    assert Settings.from_dict({}).channels == {} and Settings.from_dict({}).label_min == {}


def test_shipped_whole_sentence_techniques_are_known_and_on_the_model_card():
    from propscan import techniques

    whole = load_bundle().settings.whole_sentence
    assert "Doubt" in whole and "Loaded_Language" not in whole
    card = " ".join((DEFAULT_DIR / "MODEL_CARD.md").read_text().split())
    for name in whole:
        assert techniques.get(name).title in card  # get() raises on an unknown (mistyped) name


def test_the_detector_packs_windows_of_the_size_in_model_json(tmp_path):
    from propscan.detect import Detector

    text = " ".join(f"Sentence {i} says the corrupt elites lie again and again to everyone." for i in range(30))
    assert load_bundle().window_tokens == 126  # model.json without the key: the size models had before
    sizes = {}
    for size in (126, 60):
        bundle = load_bundle(model_copy(tmp_path / str(size), window_tokens=size))
        scores = Detector(bundle, threads=1).score([text])[0]
        assert max(w.stop - w.start for w in scores.windows) <= size
        assert scores.windows[0].start == 0 and scores.windows[-1].stop == len(scores.encoded.ids)
        sizes[size] = len(scores.windows)
    assert sizes[60] > sizes[126]


@pytest.mark.parametrize("bad", [5000, 10, "126", True, 126.0])
def test_a_bad_window_size_in_model_json_is_refused(tmp_path, bad):
    with pytest.raises(ModelError, match="window_tokens must be a whole number in 40..510"):
        load_bundle(model_copy(tmp_path, window_tokens=bad))
