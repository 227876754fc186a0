"""Evidence for people: an exchange as a short HTTP transcript, bodies clipped, secrets masked."""

from __future__ import annotations

from conformance.engine.masking import mask_body, mask_header
from conformance.model import Exchange

__all__ = ["EVIDENCE_BODY_LIMIT", "clip", "render_exchange"]

# Evidence is for humans: long bodies are cut so a report stays readable.
EVIDENCE_BODY_LIMIT = 2000


def clip(text: str) -> str:
    if len(text) <= EVIDENCE_BODY_LIMIT:
        return text
    return f"{text[:EVIDENCE_BODY_LIMIT]}… ({len(text)} characters in all)"


def _as_is(name: str, value: str) -> str:
    return value


def render_exchange(exchange: Exchange, *, masked: bool = True) -> str:
    """The exchange as a transcript; ``masked`` False (``--show-secrets``) keeps secrets."""
    header = mask_header if masked else _as_is
    body = mask_body if masked else str
    lines = [f"> {exchange.method} {exchange.url}"]
    sent = {k.lower(): (k, v) for k, v in exchange.request_headers.items()}
    for name in ("content-type", "authorization", "x-auth-key"):
        if name in sent:
            spelled, value = sent[name]  # as it went out: its case may be what is judged
            lines.append(f"> {spelled}: {header(name, value)}")
    if exchange.request_body:
        lines.append(f"> {clip(body(exchange.request_body))}")
    lines.append(f"< {exchange.status}" if exchange.status is not None else "< (no answer)")
    answered = {k.lower(): v for k, v in exchange.response_headers.items()}
    for name in ("content-type", "location"):
        if name in answered:
            lines.append(f"< {name}: {answered[name]}")
    if exchange.response_body:
        lines.append(f"< {clip(body(exchange.response_body))}")
    return "\n".join(lines)
