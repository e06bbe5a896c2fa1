"""The trainable network: one encoder, a token tagger and a span classifier on top.

The tagger finds where propaganda is (BIO over merged spans, plus one auxiliary channel
per technique); the span classifier names the technique of a span from pooled encoder
states and article-level context features. Both share one encoder pass.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import techniques
from ..features import N_FEATURES

HIDDEN = 384
SPAN_INPUT = 4 * HIDDEN + N_FEATURES


class TokenHeads(nn.Module):
    """Encoder + token heads; exported to ONNX as the detector graph."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.bio = nn.Linear(HIDDEN, 3)
        self.tech = nn.Linear(HIDDEN, len(techniques.NAMES))
        # CRF scores over O/B/I (used only by a recipe with crf=True; zeros otherwise)
        self.transitions = nn.Parameter(torch.zeros(3, 3))
        self.start = nn.Parameter(torch.zeros(3))

    def forward(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        x = self.dropout(hidden)
        return hidden, self.bio(x), self.tech(x)


def crf_nll(emissions: torch.Tensor, tags: torch.Tensor, transitions: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood per token of the gold tag paths; ``tags`` is -100 off the
    window's own tokens, which sit at positions 1..n (after [CLS])."""
    n = int((tags != -100).sum(1).max())
    em, tg = emissions[:, 1 : n + 1], tags[:, 1 : n + 1]
    mask = tg != -100
    tg = tg.clamp(min=0)
    rows = torch.arange(len(tg))
    gold = start[tg[:, 0]] + em[rows, 0, tg[:, 0]]
    alpha = start + em[:, 0]
    for t in range(1, n):
        m = mask[:, t]
        gold = gold + m * (transitions[tg[:, t - 1], tg[:, t]] + em[rows, t, tg[:, t]])
        step = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + em[:, t]
        alpha = torch.where(m.unsqueeze(1), step, alpha)
    return (torch.logsumexp(alpha, dim=1) - gold).sum() / mask.sum()


class SpanHead(nn.Module):
    """Span features -> technique logits; exported to ONNX as the span graph."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Dropout(0.1),
            nn.Linear(SPAN_INPUT, 256),
            nn.GELU(),
            nn.Dropout(0.1),
            nn.Linear(256, len(techniques.NAMES)),
        )

    def forward(self, span_inputs):
        return self.net(span_inputs)


def span_inputs(hidden: torch.Tensor, rows, firsts, stops, features: torch.Tensor) -> torch.Tensor:
    """Pool window states into span vectors: mean, first, last token and the window's [CLS].

    Token i of a window sits at position i + 1 (after [CLS]). The runtime does the same
    pooling in numpy (label.py); keep the two in step.
    """
    parts = []
    for r, a, b in zip(rows, firsts, stops):
        h = hidden[r]
        parts.append(torch.cat([h[a + 1 : b + 1].mean(0), h[a + 1], h[b], h[0]]))
    return torch.cat([torch.stack(parts), features], dim=1)


class PropNet(nn.Module):
    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.tokens = TokenHeads(encoder)
        self.span = SpanHead()
