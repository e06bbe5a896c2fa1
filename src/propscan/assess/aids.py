"""Load the shipped reading aids and add their readings to an analysed document.

They were trained on the fast detector's encoder states, so they run only with a detector of
that version (the accurate tier keeps the fast encoder's states, so it qualifies). Text too
short or not English gets no reading and a warning saying why: a guess would look like a
measurement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..bundle import runs_detector
from ..doc import AnalysedDocument
from ..errors import ModelError
from .claims import MAX_CHARS, ClaimsModel
from .evidence import Evidence
from .features import word_count
from .partisan import MIN_WORDS, PartisanModel

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "resources" / "assess"


@dataclass
class ReadingAids:
    partisan: PartisanModel | None
    claims: ClaimsModel | None
    detector: str  # the detector version whose states they read
    version: str

    def fits(self, model_version: str) -> bool:
        return runs_detector(model_version, self.detector)


def _read(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: not a readable reading-aid model ({exc})") from None


def load_aids(folder: Path = DEFAULT_DIR) -> ReadingAids:
    partisan, claims = _read(folder / "partisan.json"), _read(folder / "claims.json")
    try:
        pm = PartisanModel.from_dict(partisan) if partisan else None
        cm = ClaimsModel.from_dict(claims) if claims else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{folder}: a reading-aid model is malformed ({exc})") from None
    first = partisan or claims or {}
    return ReadingAids(pm, cm, str(first.get("detector", "")), str(first.get("version", "")))


@dataclass(frozen=True)
class AidOptions:
    partisanship: bool = True
    claims: bool = True
    claims_threshold: float | None = None  # None: the model's own F1-tuned threshold
    attribution: bool = True  # who is speaking: attributions, and the voice of each span
    # every attribution the tagger finds, as PolNeAR annotates them (beliefs and deeds too), instead
    # of only someone's words or thoughts: for scoring the tagger on PolNeAR
    polnear_attributions: bool = False


def add_readings(doc: AnalysedDocument, evidence: Evidence, aids: ReadingAids, options: AidOptions) -> None:
    """Set doc.hyperpartisan and doc.claims where they can be read, else add a warning."""
    if not (options.partisanship or options.claims):
        return
    if not aids.fits(doc.model_version):
        doc.warnings.append(f"partisanship and claims need the detector they were trained with ({aids.detector}); "
                            f"this model is {doc.model_version}, so they were skipped")
        return
    english = doc.language == "en"
    if options.partisanship and aids.partisan is not None:
        words = word_count(doc.text)
        if not english:
            doc.warnings.append("no partisanship reading: the text does not look like English")
        elif words < MIN_WORDS:
            doc.warnings.append(f"no partisanship reading: {words} words is too short to read "
                                f"(it needs at least {MIN_WORDS})")
        else:
            doc.hyperpartisan = aids.partisan.read(evidence, doc.spans)
    if options.claims and aids.claims is not None:
        if not english:
            doc.warnings.append("no check-worthy claims listed: the text does not look like English")
            return
        doc.claims, too_long = aids.claims.find(evidence, options.claims_threshold)
        if too_long:
            doc.warnings.append(f"{too_long} passage{'s' if too_long > 1 else ''} of over {MAX_CHARS:,} characters without "
                                "sentence punctuation were not scored for claims")
