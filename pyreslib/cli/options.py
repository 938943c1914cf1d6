"""Command-line options that mirror a config key take that key's documented range."""

from __future__ import annotations

import argparse

from pyreslib.config import InputConfig, StagesConfig, bounds
from pyreslib.errors import excerpt

__all__ = ["header_row_number", "threshold_number", "whole_number_of"]


def whole_number_of(cls: type, name: str):
    """An argparse type for an option that mirrors the config key ``name`` of the config
    dataclass ``cls``: a whole number within that key's documented range."""

    def parse(text: str) -> int:
        low, high = bounds(cls, name)
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{excerpt(text, 40)} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be between {low:,} and {high:,}, got {excerpt(text, 40)}")
        return value

    return parse


threshold_number = whole_number_of(StagesConfig, "threshold")
header_row_number = whole_number_of(InputConfig, "header_row")
