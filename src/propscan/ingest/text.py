"""Bytes to text, defensively: size cap, binary sniffing, UTF-8 first, then detection.

The decoded string is kept exactly (BOM, CR LF, combining marks), because every span offset
refers to it.
"""

from __future__ import annotations

import re

from ..errors import InputError, TooLargeError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
PREFERRED_LEGACY = ("cp1252", "latin_1", "iso8859_15")
MAX_CHAOS = 0.1  # charset_normalizer's "mess" ratio above which text is not text
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_size(n_bytes: int, max_bytes: int, source: str) -> None:
    if n_bytes > max_bytes:
        raise TooLargeError(
            f"is {n_bytes / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit",
            source=source, cli_hint="raise it with --max-bytes",
        )


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB mean this is not text."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8: a damaged UTF-8 file, not a legacy one."""
    non_ascii = sum(1 for b in data if b >= 0x80)
    if not non_ascii:
        return False
    bad = data.decode("utf-8", errors="replace").count("\ufffd")
    return bad * 4 < non_ascii


def decode(data: bytes, source: str) -> tuple[str, str]:
    """(text, encoding name). Raises InputError for binary or undecodable bytes."""
    if looks_binary(data):
        raise InputError("looks like a binary file, not text", source=source)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        try:  # UTF-8 apart from encoded surrogates (WTF-8, CESU-8): keep them for replace_surrogates
            return data.decode("utf-8", "surrogatepass"), "utf-8"
        except UnicodeDecodeError:
            pass
        if _mostly_utf8(data):
            raise InputError(f"is not valid UTF-8 (invalid byte at offset {exc.start})", source=source) from None
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    best = results[0] if results else None
    if best is not None:
        # Short texts leave several code pages equally plausible; for news in Western
        # languages (propscan's domain) Windows-1252 is by far the likeliest among them.
        for m in results:
            if m.encoding in PREFERRED_LEGACY and m.chaos <= best.chaos + 0.1:
                best = m
                break
    if best is None or best.encoding is None or best.chaos > MAX_CHAOS:
        raise InputError("cannot be decoded: not UTF-8 and no other text encoding fits", source=source)
    text = str(best)
    if "\ufffd" in text:
        raise InputError(f"cannot be decoded cleanly (best guess {best.encoding} leaves invalid bytes)", source=source)
    return text, best.encoding


def require_text(text: str, source: str) -> None:
    if not text.strip():
        raise InputError("is empty (no text to analyse)", source=source)


def replace_surrogates(text: str) -> tuple[str, str | None]:
    """Lone surrogates (from JSON escapes like "\\ud800" or WTF-8 bytes) are not characters: no
    tokenizer, UTF-8 writer or browser takes them. Each becomes U+FFFD, one code point for one,
    so every offset still points at the same place; the second value is a warning, or None."""
    cleaned, n = _LONE_SURROGATE.subn("\ufffd", text)
    if not n:
        return text, None
    return cleaned, (f"{n} invalid character{'s' if n > 1 else ''} (lone UTF-16 surrogate{'s' if n > 1 else ''}) "
                     "replaced with U+FFFD; offsets are unchanged")
