"""The instance's registry of onboarded portfolios: the `portfolio` dynamic partition set.

No asset is partitioned by it. Portfolios are not a partition dimension: one Dagster partition
per (asset, day, portfolio) made Dagster's per-partition event cost grow with portfolios × days
(README "Scale"). The set is only the instance's record of which portfolios have been taken on,
so the sensors and the API can tell a new portfolio from a known one.
"""

from collections.abc import Sequence

import dagster as dg

onboarded_portfolios = dg.DynamicPartitionsDefinition(name="portfolio")


def onboarded_portfolio_keys(instance: dg.DagsterInstance) -> set[str]:
    """The registered portfolios, by id as text."""
    return set(instance.get_dynamic_partitions(onboarded_portfolios.name))


def register_onboarded_portfolios(instance: dg.DagsterInstance, portfolio_ids: Sequence[int]) -> None:
    """Add the portfolios to the registry, so the onboarding sensor does not onboard a portfolio that
    `sigmasight run` or the API already wrote."""
    existing = onboarded_portfolio_keys(instance)
    missing = [str(p) for p in portfolio_ids if str(p) not in existing]
    if missing:
        instance.add_dynamic_partitions(onboarded_portfolios.name, missing)
