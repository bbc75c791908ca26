"""The words results are stored with: investment classes, data-quality flags and skip reasons.

Stored as plain strings (the enums subclass `str`), so a database row, an API answer and a
kernel's output compare equal to the member: `QualityFlag.FULL == "full_history"`.
"""

import enum


class InvestmentClass(enum.StrEnum):
    """How a position is valued: by its close, as an option on its underlying, or by its mark."""

    PUBLIC = "PUBLIC"
    OPTIONS = "OPTIONS"
    PRIVATE = "PRIVATE"


class QualityFlag(enum.StrEnum):
    """The verdict on one (day, portfolio, asset) result, in the `data_quality` row."""

    FULL = "full_history"
    LIMITED = "limited_history"
    PARTIAL = "partial_coverage"
    INSUFFICIENT = "insufficient_history"
    NO_PUBLIC = "no_public_positions"


class SkipReason(enum.StrEnum):
    """Why one position was left out of one day's result (the keys of `positions_skipped`)."""

    PRIVATE = "private"
    UNPRICED = "unpriced"  # no close on the day, none carried (more than the carry limit old)
    NO_UNDERLYING = "no_underlying_price"
    NO_VOLATILITY = "no_volatility"
    UNAVAILABLE = "unavailable_symbol"
    INSUFFICIENT = "insufficient_history"
    NO_RISK_MODEL = "no_risk_model"  # fewer than 120 joint-OLS observations: not in ex-ante risk


FACTORS = (
    "Market_Beta",
    "IR_Beta",
    "Value",
    "Growth",
    "Momentum",
    "Quality",
    "Size",
    "Low_Volatility",
    "Growth_Value_Spread",
    "Momentum_Spread",
    "Size_Spread",
    "Quality_Spread",
)
"""The twelve reported factors (the `factor` of stored factor exposures), in reporting order."""

MODEL_FACTORS = (
    "Market",
    "Rates",
    "Growth_Value_Spread",
    "Momentum_Spread",
    "Size_Spread",
    "Quality_Spread",
    "Low_Vol_Spread",
)
"""The seven risk-model factors (the keys of stored factor contributions)."""

DEFAULT_BENCHMARK = "SPY"
"""What tracking error is measured against when a portfolio names no benchmark."""

# A position valued on its last close carried over a missing day: analyzed, not skipped.
STALE_PRICE = "stale_price"

# Reasons that describe the position, not missing data: they never make coverage "partial".
EXPECTED_SKIPS = frozenset({SkipReason.PRIVATE})
