"""Extract an article's title and main text from HTML with trafilatura.

The analysed text is the title, a blank line, then the body (the layout of PTC articles),
so that offsets refer to one string that is stored with the result.
"""

from __future__ import annotations

import logging

from ..errors import ExtractionError

MIN_BODY_CHARS = 20


def extract_article(html: str, source: str, url: str | None = None) -> tuple[str, str]:
    """(title, text). Raises ExtractionError when the page holds no article body."""
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
            favor_precision=True,
            with_metadata=True,
        )
    except Exception as exc:  # trafilatura raises assorted lxml errors on broken markup
        raise ExtractionError(f"could not parse the HTML ({type(exc).__name__})", source=source) from None
    body = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if len(body) < MIN_BODY_CHARS:
        raise ExtractionError("no article text found in the HTML", source=source)
    title = " ".join((getattr(doc, "title", None) or "").split())
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()  # trafilatura repeats the <h1> as the body's first line
    text = f"{title}\n\n{body}" if title else body
    return title, text
