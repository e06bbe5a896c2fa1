"""A small mixed corpus in every input format, with bad records and bad files among them."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from conftest import FIXTURES

SENTENCES = [
    "The reckless, corrupt mayor wants to destroy our town.",
    "Make no mistake: this disastrous plan is the worst in our history.",
    "Real patriots will stand up and fight for this great nation.",
    "Only a fool would trust these clueless bureaucrats again.",
    "The council met on Tuesday and approved the budget for next year.",
    "Critics call the scheme a shameful betrayal of hard-working families.",
]


def article(i: int) -> str:
    """A short distinct article: a title line and three sentences."""
    body = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(3))
    return f"Report number {i}\n\n{body} This is story {i}.\n"


def folder_corpus(root: Path, n: int) -> Path:
    for i in range(n):
        outlet = root / ("outlet-a" if i % 2 else "outlet-b")
        outlet.mkdir(parents=True, exist_ok=True)
        (outlet / f"story{i:03d}.txt").write_text(article(i), encoding="utf-8")
    return root


def warc_bytes() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    page = (FIXTURES / "html" / "article_with_boilerplate.html").read_bytes().replace(b"</body>", b"<!-- crawled --></body>")
    for uri, ctype, body in [("https://news.example.com/riverside", "text/html; charset=utf-8", page),
                             ("https://news.example.com/robots.txt", "text/plain", b"User-agent: *"),
                             ("https://news.example.com/logo.png", "image/png", b"\x89PNG\r\n")]:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                        warc_headers_dict={"WARC-Date": "2024-03-05T10:00:00Z"})
        writer.write_record(rec)
    writer.write_record(writer.create_warc_record("https://news.example.com/", "request",
                                                  payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return buf.getvalue()


def mixed_inputs(root: Path) -> dict[str, Path]:
    """Every format, each with its own bad cases. Returns the paths by name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root.mkdir(parents=True, exist_ok=True)
    paths = {}
    folder = root / "site"
    (folder / "politics").mkdir(parents=True)
    (folder / "politics" / "one.txt").write_text(article(1), encoding="utf-8")
    (folder / "politics" / "page.html").write_bytes((FIXTURES / "html" / "article_with_boilerplate.html").read_bytes())
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    paths["folder"] = folder

    lines = [json.dumps({"id": "j1", "text": article(2), "source": "Daily Bugle", "date": "2024-01-15"}),
             json.dumps({"id": "j2", "html": "<html><body><article><h1>Head</h1><p>" + article(3) * 3
                         + "</p></article></body></html>", "url": "https://www.bugle.example/j2"}),
             "{not json",
             json.dumps(["a", "list"]),
             json.dumps({"id": "j1", "text": "Different text under the same id."}),
             json.dumps({"id": "j1-copy", "text": article(2)}),  # same content as j1: skipped
             json.dumps({"id": "j5", "title": "no text field"}),
             json.dumps({"id": "j6", "text": ""})]
    paths["jsonl"] = root / "feed.jsonl"
    paths["jsonl"].write_text("\n".join(lines) + "\n", encoding="utf-8")

    gz = gzip.compress((json.dumps({"id": "g1", "text": article(4)}) + "\n"
                        + json.dumps({"id": "g2", "text": article(5)}) + "\n").encode())
    paths["truncated_gz"] = root / "cut.jsonl.gz"
    paths["truncated_gz"].write_bytes(gz[: len(gz) - 12])

    paths["csv"] = root / "sheet.csv"
    paths["csv"].write_text("id,text,source,date\nc1,\"" + article(6).replace('"', '""') + "\",Herald,2024-02-01\n"
                            "c2,\"" + article(7) + "\",Herald,2024-02-20\n", encoding="utf-8")
    paths["csv_missing"] = root / "nocolumns.csv"
    paths["csv_missing"].write_text("a,b\n1,2\n", encoding="utf-8")

    paths["parquet"] = root / "table.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": [article(8), article(9)], "source": ["Gazette", "Gazette"],
                             "date": ["2024-03-01T08:00:00", "2024-03-09"]}), paths["parquet"])
    paths["broken_parquet"] = root / "broken.parquet"
    paths["broken_parquet"].write_bytes(b"PAR1" + b"\x00garbage" * 50)

    paths["warc"] = root / "crawl.warc.gz"
    paths["warc"].write_bytes(warc_bytes())
    paths["truncated_warc"] = root / "cut.warc.gz"
    paths["truncated_warc"].write_bytes(warc_bytes()[:700])
    return paths


def feed_with_a_duplicate(path: Path) -> Path:
    """A JSONL feed whose later lines depend on earlier ones: a bad line, an id reused for other
    content (an error only because the first j1 came before) and a copy of a2's text (skipped).
    With --chunk-size 2 chunk 0 holds a0 and j1, and the duplicate error sits in chunk 2."""
    lines = [json.dumps({"id": "a0", "text": article(0)}), json.dumps({"id": "j1", "text": article(1)}),
             json.dumps({"id": "a2", "text": article(2)}), "{not json",
             json.dumps({"id": "j1", "text": "Different text under the same id."}),
             json.dumps({"id": "a5", "text": article(5)}), json.dumps({"id": "copy-of-a2", "text": article(2)}),
             json.dumps({"id": "a7", "text": article(7)})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
