"""The one gate every result passes before any output: secrets masked, control characters
made visible (a target's text is data, never terminal commands or markup)."""

from __future__ import annotations

from conformance.engine.masking import Masker
from conformance.model import CheckResult
from conformance.textsafe import visible

__all__ = ["make_safe"]


def make_safe(result: CheckResult, masker: Masker) -> None:
    """Secrets masked and control characters made visible: the one gate before any output."""
    result.message = visible(masker(result.message))
    result.details = visible(masker(result.details))
    result.reproduce = visible(masker.by_value(result.reproduce))
