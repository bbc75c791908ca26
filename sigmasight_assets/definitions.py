"""The code location: every asset, check, job, schedule, sensor and resource, built from one settings object."""

import os

import dagster as dg

from sigmasight_assets import assets
from sigmasight_assets.automation.alerts import AlertWebhook, run_failure_alert_sensor, run_summary_sensor
from sigmasight_assets.automation.coverage import build_coverage_check
from sigmasight_assets.automation.deadline import build_deadline_sensor
from sigmasight_assets.automation.failed_partitions import failed_partitions_sensor
from sigmasight_assets.automation.jobs import JOBS
from sigmasight_assets.automation.schedules import build_schedules
from sigmasight_assets.automation.sensors import build_sensors
from sigmasight_assets.partitions import trading_day_partitions
from sigmasight_resources.db.resource import ResultsDatabase
from sigmasight_resources.market_data.resource import MarketDataResource
from sigmasight_resources.pricing import OptionPricing
from sigmasight_resources.settings import ENV_PREFIX, Settings, load_settings

WEBHOOK_ENV = f"{ENV_PREFIX}ALERT_WEBHOOK_URL"


def build_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    """Every asset, plus the day-partitioned coverage check (an AssetsDefinition too, so in-process runs get it)."""
    days = trading_day_partitions(settings.partitions_start, settings.partitions_end)
    return [*assets.build_assets(days), build_coverage_check(days)]


def build_resources(settings: Settings) -> dict:
    webhook = settings.alert_webhook_url
    if webhook is not None and os.environ.get(WEBHOOK_ENV) == webhook:
        webhook = dg.EnvVar(WEBHOOK_ENV)  # the URL embeds a secret: Dagster shows the variable's name
    return {
        "db": ResultsDatabase(url=settings.results_url),
        "market_data": MarketDataResource.from_settings(settings),
        "pricing": OptionPricing(risk_free_rate=settings.risk_free_rate),
        "alert_webhook": AlertWebhook(url=webhook),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=build_assets(settings),
        jobs=JOBS,
        schedules=build_schedules(settings.partitions_start, settings.partitions_end),
        sensors=[
            *build_sensors(settings.partitions_start, settings.partitions_end, settings.portfolio_groups),
            build_deadline_sensor(settings.partitions_start, settings.partitions_end, settings.completion_deadline),
            run_summary_sensor,
            run_failure_alert_sensor,
            failed_partitions_sensor,
        ],
        resources=build_resources(settings),
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location's Definitions, built from the environment when Dagster loads it.

    Loaded lazily, so importing this module from the CLI, the API or tests never reads the
    environment: a bad setting is then reported by whoever loads the settings.
    """
    return build_definitions(load_settings())
