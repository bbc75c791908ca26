"""OCC (OSI) option symbols: `AAPL250117C00200000` = root, YYMMDD expiry, C/P, strike × 1000.

The compact form (root of 1–6 characters directly followed by the 15-character tail) and the
padded 21-character form (`AAPL  250117C00200000`, root padded with spaces) are both accepted;
`format_occ` always writes the compact form, which is the form stored in `positions.symbol`.
"""

import re
from dataclasses import dataclass
from datetime import date

OPTION_MULTIPLIER = 100
"""Shares per listed equity option contract."""

_STRICT = re.compile(r"([A-Z][A-Z0-9]{0,5}) *(\d{6})([CP])(\d{8})", re.ASCII)
_LOOSE = re.compile(r"(.*?) *(\d{6})([A-Z])(\d+)", re.ASCII | re.DOTALL)  # to say what is wrong with a near miss
_ROOT = re.compile(r"[A-Z][A-Z0-9]{0,5}")
_EXAMPLE = "ROOT + YYMMDD + C/P + 8-digit strike × 1000, e.g. AAPL270115C00200000"


class OccSymbolError(ValueError):
    """The text is not a well-formed OCC option symbol; the message says why."""


@dataclass(frozen=True)
class OccOption:
    """A parsed OCC symbol. `strike` is in the underlying's currency per share."""

    underlying: str
    expiry: date
    option_type: str  # "C" or "P"
    strike: float

    @property
    def symbol(self) -> str:
        return format_occ(self.underlying, self.expiry, self.option_type, self.strike)


def looks_like_occ(symbol: str) -> bool:
    """True when `symbol` is plausibly meant as an option symbol (it contains a digit).

    Listed stock and ETF tickers are letters (with an optional `.B`/`-B` class suffix), so any
    digit means the text is either an OCC symbol or a malformed one — never a valid ticker.
    """
    return any(ch in "0123456789" for ch in symbol)


def parse_occ(symbol: str) -> OccOption:
    """Parse an OCC symbol (case-insensitive); raise `OccSymbolError` naming what is wrong."""
    text = symbol.strip().upper()
    if not text.isascii():
        raise OccSymbolError(f"option symbols are ASCII; expected {_EXAMPLE}")
    match = _STRICT.fullmatch(text)
    if match is None:
        raise OccSymbolError(_diagnose(text))
    root, yymmdd, option_type, strike_digits = match.groups()
    try:
        expiry = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        raise OccSymbolError(f"expiry {yymmdd!r} is not a valid YYMMDD date") from None
    strike = int(strike_digits) / 1000
    if strike <= 0:
        raise OccSymbolError("strike must be positive")
    return OccOption(underlying=root, expiry=expiry, option_type=option_type, strike=strike)


def _diagnose(text: str) -> str:
    loose = _LOOSE.fullmatch(text)
    if loose is None:
        return f"expected {_EXAMPLE}"
    root, _, option_type, strike_digits = loose.groups()
    if not _ROOT.fullmatch(root):
        return f"option root {root!r} must be 1-6 letters or digits starting with a letter"
    if option_type not in ("C", "P"):
        return f"option type {option_type!r} must be C (call) or P (put)"
    return f"strike must be 8 digits (strike × 1000), got {len(strike_digits)}"


def format_occ(underlying: str, expiry: date, option_type: str, strike: float) -> str:
    """The compact OCC symbol, e.g. `format_occ("AAPL", date(2025, 1, 17), "C", 200)`."""
    if option_type not in ("C", "P"):
        raise ValueError("option_type must be 'C' or 'P'")
    return f"{underlying.upper()}{expiry:%y%m%d}{option_type}{round(strike * 1000):08d}"
