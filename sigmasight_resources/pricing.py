"""Configuration of the risk model that assets read (the risk-free rate for option pricing)."""

import dagster as dg


class RiskModel(dg.ConfigurableResource):
    risk_free_rate: float = 0.04
