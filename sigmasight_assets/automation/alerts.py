"""Completion summaries for every finished run, and failure alerts to a Slack-compatible webhook.

The cron script this replaces failed silently; here each finished run gets a summary in the
daemon's sensor log (partitions succeeded/failed per asset, portfolios still behind, duration),
and each failure is also POSTed to `SIGMASIGHT_ALERT_WEBHOOK_URL` when set. The webhook call has a
timeout and a down webhook is logged, never raised: an alert must not break the daemon.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
import httpx
from pydantic import Field

from sigmasight_assets.automation.planning import (
    completed_portfolio_days,
    contiguous_blocks,
    materialized_days,
    missing_days,
)
from sigmasight_assets.pipeline.tags import (
    LEVEL_TAG,
    MARKET_SCOPE,
    PORTFOLIO_LEVEL,
    PORTFOLIO_TAG,
    run_dates,
    run_portfolios,
)
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase

PARTITION_TAG = "dagster/partition"


class AlertWebhook(dg.ConfigurableResource):
    """Where failure alerts go (resource key `alert_webhook`); no URL, no alerts."""

    url: str | None = Field(default=None, description="Slack-compatible incoming webhook URL")
    timeout_seconds: float = Field(default=5.0, gt=0)

    def post(self, payload: dict, log: logging.Logger) -> bool:
        """POST `payload` as JSON; True if accepted. Unreachable or refusing webhooks are logged."""
        if not self.url:
            return False
        try:
            response = httpx.post(self.url, json=payload, timeout=self.timeout_seconds)
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            log.warning(f"alert webhook refused the alert: HTTP {exc.response.status_code}")
            return False
        except httpx.TransportError as exc:  # down, unreachable, timed out; the URL holds a secret: not logged
            log.warning(f"alert webhook unreachable: {type(exc).__name__}")
            return False
        return True


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    job_name: str
    status: str
    seconds: float | None
    scope: str
    succeeded: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    behind: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # portfolio -> its holes (first, last)
    error: str | None = None
    vendor: str | None = None  # market_prices' vendor cost in requests and the rate limit

    def text(self) -> str:
        took = f"{self.seconds:.1f}s" if self.seconds is not None else "?"
        lines = [f"run {self.run_id[:8]} {self.job_name} [{self.scope}] {self.status} in {took}"]
        for asset in sorted({*self.succeeded, *self.failed}):
            lines.append(
                f"  {asset}: {self.succeeded.get(asset, 0)} partitions succeeded, {self.failed.get(asset, 0)} failed"
            )
        if self.vendor:
            lines.append(f"  market data vendor: {self.vendor}")
        if self.error:
            lines.append(f"  error: {self.error}")
        lines.append(f"  portfolios behind: {len(self.behind) or 'none'}")
        for portfolio, holes in sorted(self.behind.items(), key=lambda i: int(i[0])):
            spans = ", ".join(a if a == b else f"{a}..{b}" for a, b in holes)
            lines.append(f"    portfolio {portfolio} ({_days(holes)} days): {spans}")
        return "\n".join(lines)

    def slack_payload(self) -> dict:
        """Slack's incoming-webhook shape: `text` is shown by Slack and by most compatible receivers."""
        return {"text": f":rotating_light: SigmaSight {self.text()}", "run_id": self.run_id, "status": self.status}


def summarize_run(instance: dg.DagsterInstance, run: dg.DagsterRun, db: ResultsDatabase) -> RunSummary:
    """Count the run's materializations per asset; in a failed run, each selected asset's partitions
    without a materialization count as failed (its step failed or never ran)."""
    succeeded: dict[str, int] = {}
    vendor = None
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        name = entry.dagster_event.asset_key.to_user_string()
        succeeded[name] = succeeded.get(name, 0) + 1
        metadata = entry.dagster_event.event_specific_data.materialization.metadata
        if "vendor_requests" in metadata:  # the same on every day of market_prices' run
            limit = metadata["vendor_rate_limit_per_minute"].value
            vendor = f"{metadata['vendor_requests'].value} requests, rate limit {f'{limit}/min' if limit else 'none'}"
    failures = instance.all_logs(
        run.run_id, of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE}
    )
    failed = {}
    if run.status != dg.DagsterRunStatus.SUCCESS:
        size = _partition_count(run.tags)
        planned = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
        for name in sorted({entry.dagster_event.asset_key.to_user_string() for entry in planned}):
            if size > succeeded.get(name, 0):
                failed[name] = size - succeeded.get(name, 0)
    record = instance.get_run_record_by_id(run.run_id)
    seconds = record.end_time - record.start_time if record and record.start_time and record.end_time else None
    return RunSummary(
        run_id=run.run_id,
        job_name=run.job_name,
        status=run.status.value,
        seconds=seconds,
        scope=_scope(run.tags),
        succeeded=succeeded,
        failed=failed,
        behind=portfolios_behind(instance, db),
        error=_first_error(failures),
        vendor=vendor,
    )


def portfolios_behind(instance: dg.DagsterInstance, db: ResultsDatabase) -> dict[str, list[tuple[str, str]]]:
    """Every hole of every active portfolio's history, as blocks of consecutive sessions: the days it
    lacks between the day level's first and last materialized day (a day the day level lacks too)."""
    with db.transaction() as session:
        first_entry = queries.first_entry_dates(session)
        done = completed_portfolio_days(session)
    ready = sorted(materialized_days(instance))
    days = [d.isoformat() for d in calendar.sessions(*map(date.fromisoformat, (ready[0], ready[-1])))] if ready else []
    missing = missing_days(first_entry, days, done, date.min)
    return {p: contiguous_blocks(lacking) for p, lacking in missing.items()}


def _days(holes: list[tuple[str, str]]) -> int:
    return sum(len(calendar.sessions(date.fromisoformat(a), date.fromisoformat(b))) for a, b in holes)


def _scope(tags: dict[str, str]) -> str:
    span = run_dates(tags)
    where = f"{span[0]}..{span[1]}" if span else tags.get(PARTITION_TAG, "unpartitioned")
    if tags.get(LEVEL_TAG) == PORTFOLIO_LEVEL:
        named = run_portfolios(tags)
        who = (
            "every portfolio"
            if named is None
            else (f"portfolio {named[0]}" if len(named) == 1 else f"{len(named)} portfolios")
        )
        return f"{who}, {where}"
    return (
        f"portfolio {tags[PORTFOLIO_TAG]}, {where}" if tags.get(PORTFOLIO_TAG, MARKET_SCOPE) != MARKET_SCOPE else where
    )


def _partition_count(tags: dict[str, str]) -> int:
    span = run_dates(tags)
    if span is None:
        return 1
    return len(calendar.sessions(date.fromisoformat(span[0]), date.fromisoformat(span[1])))


def _first_error(entries) -> str | None:
    for entry in entries:
        error = entry.dagster_event.event_specific_data.error if entry.dagster_event.event_specific_data else None
        text = error.message if error else entry.message
        if text and text.strip():
            return text.strip().splitlines()[-1][:500]
    return None


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="run_summary_sensor",
    description=(
        "Logs the completion summary of every successful run: partitions succeeded per asset,"
        " portfolios still behind, duration."
    ),
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_summary_sensor(context: dg.RunStatusSensorContext, db: ResultsDatabase) -> None:
    context.log.info(summarize_run(context.instance, context.dagster_run, db).text())


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    description=(
        "Logs the summary of every failed run and POSTs it to the alert webhook"
        " (SIGMASIGHT_ALERT_WEBHOOK_URL, when set)."
    ),
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def run_failure_alert_sensor(
    context: dg.RunFailureSensorContext, db: ResultsDatabase, alert_webhook: AlertWebhook
) -> None:
    summary = summarize_run(context.instance, context.dagster_run, db)
    context.log.error(summary.text())
    alert_webhook.post(summary.slack_payload(), context.log)
