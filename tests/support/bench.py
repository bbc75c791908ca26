"""The operations bench: a pipeline whose Dagster instance the tests fill with materializations, runs and
completed portfolio-days, and whose schedules and sensors they evaluate as the daemon would."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import dagster as dg

from benchmarks.scenarios.pipeline import Pipeline
from sigmasight_assets.assets import DAY_ASSETS, PORTFOLIO_ASSETS
from sigmasight_resources.db.results import DataQuality

PARTITIONS_START = date(2025, 3, 3)


@dg.op
def _nothing() -> None:
    """Stand-in step of recorded runs."""


@dg.job
def recorded_job() -> None:
    _nothing()


@dataclass
class Bench(Pipeline):
    def sensor(self, name: str, cursor: str | None = None):
        """One evaluation of a sensor, as the daemon would run it."""
        with dg.build_sensor_context(
            instance=self.instance,
            cursor=cursor,
            resources=self.defs.resources,
            repository_def=self.defs.get_repository_def(),
        ) as context:
            return self.defs.get_repository_def().get_sensor_def(name).evaluate_tick(context)

    def materialized(self, days: list[str]) -> None:
        """Record the day-level assets as materialized on `days` (what a day-level run leaves in the instance)."""
        for day in days:
            for name in DAY_ASSETS:
                self.instance.report_runless_asset_event(dg.AssetMaterialization(name, partition=day))

    def completed(self, days: list[str], portfolio: str) -> None:
        """Record one portfolio's portfolio-level results as written on `days`: a data_quality row per asset
        and day, the per-portfolio record of completion (a Dagster partition is a whole day)."""
        stamp = datetime.now(UTC)
        with self.db.transaction() as session:
            session.add_all(
                DataQuality(
                    date=date.fromisoformat(day),
                    portfolio_id=int(portfolio),
                    asset=name,
                    flag="full_history",
                    message="recorded by the test bench",
                    positions_total=1,
                    positions_analyzed=1,
                    positions_skipped={},
                    data_days=1,
                    run_id="bench",
                    computed_at=stamp,
                )
                for day in days
                for name in PORTFOLIO_ASSETS
            )

    def record_run(self, tags: dict[str, str], status: dg.DagsterRunStatus) -> dg.DagsterRun:
        """A run in the instance with the given tags and status, not executed. Its job is a stand-in: the
        sensors read run tags and statuses only, and a real asset job would log ~20 ms of planned events
        per partition."""
        return self.instance.create_run_for_job(job_def=recorded_job, tags=tags, status=status)
