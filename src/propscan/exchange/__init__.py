"""Reviewed annotations to and from the tools research teams annotate with.

`propscan export` writes the history's analyses as Label Studio tasks, brat standoff, doccano
JSONL or PTC files (`export.py`); `propscan import` reads them back as reviewed analyses
(`importing.py`). One module per format reads and writes it; offsets are code points
everywhere, and every span read is checked against its document's text (`checks.py`).
"""
