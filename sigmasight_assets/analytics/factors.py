"""The factor model's names: factor ETFs, the twelve factors and how each maps to ETFs."""

from sigmasight_resources import vocabulary

MARKET = "SPY"
"""Market factor ETF (Market_Beta)."""

RATES = "TLT"
"""Interest-rate factor ETF (IR_Beta)."""

STYLE_LEGS: dict[str, str] = {
    "Value": "VTV",
    "Growth": "VUG",
    "Momentum": "MTUM",
    "Quality": "QUAL",
    "Size": "IWM",
    "Low_Volatility": "USMV",
}
"""Ridge style factors and the ETF whose return stands for each."""

SPREADS: dict[str, tuple[str, str]] = {
    "Growth_Value_Spread": ("VUG", "VTV"),
    "Momentum_Spread": ("MTUM", MARKET),
    "Size_Spread": ("IWM", MARKET),
    "Quality_Spread": ("QUAL", MARKET),
}
"""Spread factors as (long ETF, short ETF); the spread return is long minus short."""

FACTOR_ETFS: tuple[str, ...] = (MARKET, RATES, *STYLE_LEGS.values())
"""The eight factor ETFs: SPY, TLT, VTV, VUG, MTUM, QUAL, IWM, USMV."""

FACTORS = vocabulary.FACTORS
"""The twelve factors in reporting order: Market_Beta, IR_Beta, the style legs, the spreads."""

FACTOR_COLUMNS: dict[str, str] = {
    factor: {"Market_Beta": "market_beta", "IR_Beta": "ir_beta"}.get(factor, factor.lower()) for factor in FACTORS
}
"""Each factor's column in the stored symbol and position factor exposures."""

MODEL_SPREADS: dict[str, tuple[str, str]] = {**SPREADS, "Low_Vol_Spread": ("USMV", MARKET)}
"""The risk model's five spread factors as (long ETF, short ETF)."""

MODEL_FACTORS = vocabulary.MODEL_FACTORS
"""The seven risk-model factors: Market (SPY), Rates (TLT) and five spreads, with little overlap."""

MODEL_COLUMNS: dict[str, str] = {factor: factor.lower() for factor in MODEL_FACTORS}
"""Each model factor's column in the stored symbol risk models."""

DEFAULT_BENCHMARK = vocabulary.DEFAULT_BENCHMARK
