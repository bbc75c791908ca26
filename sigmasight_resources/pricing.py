"""Option-pricing inputs the portfolio assets read (resource key `pricing`)."""

import dagster as dg
from pydantic import Field

from sigmasight_resources.settings import RISK_FREE_RATE_BOUNDS


class OptionPricing(dg.ConfigurableResource):
    """The Black–Scholes risk-free rate (continuously compounded, a fraction: 0.04 = 4%), within the
    bounds of SIGMASIGHT_RISK_FREE_RATE, so run config cannot set what the settings refuse."""

    risk_free_rate: float = Field(ge=RISK_FREE_RATE_BOUNDS[0], le=RISK_FREE_RATE_BOUNDS[1])
