"""Option-pricing inputs the portfolio assets read (resource key `pricing`)."""

import dagster as dg


class OptionPricing(dg.ConfigurableResource):
    """The Black–Scholes risk-free rate (continuously compounded, a fraction: 0.04 = 4%)."""

    risk_free_rate: float
