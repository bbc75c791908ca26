"""The pricing resource refuses, at run start, a risk-free rate the settings would refuse."""

import dagster as dg
import pytest

from sigmasight_resources.pricing import OptionPricing
from sigmasight_resources.settings import RISK_FREE_RATE_BOUNDS


@dg.asset
def priced(pricing: OptionPricing) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rate": pricing.risk_free_rate})


@pytest.mark.parametrize("rate", [3.0, -0.2])
def test_a_rate_out_of_bounds_in_run_config_fails_the_run_naming_the_field(rate: float) -> None:
    config = {"resources": {"pricing": {"config": {"risk_free_rate": rate}}}}
    with pytest.raises(dg.DagsterResourceFunctionError) as failure:
        dg.materialize([priced], resources={"pricing": OptionPricing.configure_at_launch()}, run_config=config)
    cause = failure.value.__cause__  # what the run's error shows under "caused by"
    bound = RISK_FREE_RATE_BOUNDS[1] if rate > 0 else RISK_FREE_RATE_BOUNDS[0]
    assert "risk_free_rate" in str(cause) and str(bound) in str(cause) and str(rate) in str(cause)


def test_a_rate_within_bounds_is_used() -> None:
    config = {"resources": {"pricing": {"config": {"risk_free_rate": 0.03}}}}
    result = dg.materialize([priced], resources={"pricing": OptionPricing.configure_at_launch()}, run_config=config)
    assert result.asset_materializations_for_node("priced")[0].metadata["rate"].value == 0.03
