"""Reading files, HTML and URLs: exact text kept, boilerplate dropped, hostile input refused."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from propscan.errors import ExtractionError, FetchError, InputError, TooLargeError
from propscan.ingest import fetch as fetching
from propscan.ingest.sources import IngestOptions, expand_sources, read_source
from propscan.ingest.text import decode


def test_plain_text_kept_byte_for_byte(tmp_path):
    raw = "Title line\r\n\r\nCafe\u0301 owners 😡 say: \"never again\".\r\n"
    path = tmp_path / "a.txt"
    path.write_bytes(raw.encode("utf-8"))
    art = read_source(str(path))
    assert art.text == raw  # CR LF, combining accent and emoji untouched
    assert art.title == "Title line"


def test_latin1_file_is_detected(tmp_path):
    path = tmp_path / "latin.txt"
    text = "Les élèves ont découvert la vérité sur le café du marché, déjà célèbre à Genève et à Besançon.\n" * 3
    path.write_bytes(text.encode("latin-1"))
    assert read_source(str(path)).text == text


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"   \n\t  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_bad_files_are_refused(tmp_path, data, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_source(str(path))


def test_undecodable_bytes_are_refused():
    with pytest.raises(InputError, match="decode"):
        decode(bytes([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC]) * 40 + b"\xff\xfe\xfd" * 50, "x")


def test_size_limit_is_configurable(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 2000)
    with pytest.raises(InputError, match="limit"):
        read_source(str(path), IngestOptions(max_bytes=1000))
    assert read_source(str(path), IngestOptions(max_bytes=20000)).text.startswith("word")


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_source(str(tmp_path / "nope.txt"))
    (tmp_path / "empty").mkdir()
    items = expand_sources([str(tmp_path / "empty")])
    assert len(items) == 1 and isinstance(items[0], InputError)


def test_folder_expands_to_its_articles(tmp_path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.html").write_text("<p>a</p>")
    (tmp_path / "notes.md").write_text("skip me")
    assert [p.rsplit("/", 1)[-1] for p in expand_sources([str(tmp_path)])] == ["a.html", "b.txt"]


def test_html_extraction_drops_boilerplate():
    art = read_source(str(FIXTURES / "html" / "article_with_boilerplate.html"))
    assert art.title == "Mayor's Plan Will Ruin the Riverside"
    assert art.text.startswith("Mayor's Plan Will Ruin the Riverside\n\n")
    assert "reckless plan to pave over the riverside park" in art.text
    assert "petition against it" in art.text
    for junk in ("Share on Facebook", "Leave a Reply", "Post Comment", "Subscribe today", "All rights reserved",
                 "mayor should resign immediately"):
        assert junk not in art.text


def test_html_without_article_is_refused():
    with pytest.raises(ExtractionError, match="no article text"):
        read_source(str(FIXTURES / "html" / "no_article.html"))


# --- URLs --------------------------------------------------------------------------------

LOCAL = IngestOptions(allow_private=True, timeout=5)


def test_url_article_is_fetched_and_extracted(site):
    art = read_source(f"{site}/article", LOCAL)
    assert art.kind == "url" and art.title == "Mayor's Plan Will Ruin the Riverside"
    assert "Leave a Reply" not in art.text


def test_loopback_url_refused_without_allow_private(site):
    with pytest.raises(FetchError, match="non-public address 127.0.0.1"):
        read_source(f"{site}/article")


@pytest.mark.parametrize("url", ["http://10.0.0.8/", "http://192.168.1.1/", "http://169.254.169.254/latest",
                                 "http://[::1]/", "http://0.0.0.0/"])
def test_private_and_link_local_addresses_refused(url):
    with pytest.raises(FetchError, match="refused"):
        read_source(url)


@pytest.mark.parametrize("url,match", [("ftp://example.org/a", "only http and https"),
                                       ("file:///etc/passwd", "only http and https"),
                                       ("javascript://alert(1)", "only http and https")])
def test_other_schemes_refused(url, match):
    with pytest.raises(FetchError, match=match):
        read_source(url)


@pytest.mark.parametrize("path,match", [("/json", "not an HTML page"), ("/missing", "HTTP 404"),
                                        ("/loop", "redirects")])
def test_bad_responses(site, path, match):
    with pytest.raises(FetchError, match=match):
        read_source(site + path, LOCAL)


def test_response_size_cap(site):
    with pytest.raises(TooLargeError, match="limit"):
        read_source(site + "/big", IngestOptions(allow_private=True, max_bytes=100_000))


def test_redirect_to_private_address_is_rechecked(site, monkeypatch):
    # Treat loopback as public so the first hop is allowed; the redirect to 10.x must still be refused.
    real = fetching._is_public
    monkeypatch.setattr(fetching, "_is_public", lambda ip: ip == "127.0.0.1" or real(ip))
    with pytest.raises(FetchError, match="10.1.2.3"):
        read_source(site + "/to-private")


def test_unreachable_url():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    with pytest.raises(FetchError, match="unreachable"):
        read_source(f"http://127.0.0.1:{port}/", IngestOptions(allow_private=True, timeout=2))


def test_damaged_utf8_is_reported_with_offset():
    data = ("Café crème " * 20).encode("utf-8")
    data = data[:50] + b"\xff" + data[50:]
    with pytest.raises(InputError, match="not valid UTF-8 .*offset 50"):
        decode(data, "x")
