"""One alert when a trading day is not complete for every active portfolio by the completion deadline.

A close that never happened (daemon down, schedule off, a day-level run given up on) leaves no failed
run to alert about; this sensor notices the absence instead. Its cursor is the last day it judged,
so each day is alerted at most once, and a restarted daemon does not alert again.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import dagster as dg

from sigmasight_assets.automation.alerts import AlertWebhook
from sigmasight_assets.automation.bounds import last_partition
from sigmasight_assets.automation.planning import completed_portfolio_days
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase

NAME = "completion_deadline_sensor"


def due_day(now: datetime, deadline: time, start: date, end: date | None) -> date | None:
    """The latest session (within the partitions) whose deadline, New York time, has passed."""
    day = last_partition(end, now)
    local = now.astimezone(ZoneInfo(calendar.TIMEZONE))
    if day == local.date() and local.time() < deadline:
        day = calendar.previous_sessions(day, 1)
    return day if day >= start else None


def lacking_on(day: date, first_entry: dict[str, date], done: dict[str, set[str]]) -> list[str]:
    """Active portfolios entered by `day` without every portfolio-level result for it, by id."""
    key = day.isoformat()
    return sorted((p for p, first in first_entry.items() if first <= day and key not in done.get(p, set())), key=int)


def build_deadline_sensor(start: date, end: date | None, deadline: time) -> dg.SensorDefinition:
    @dg.sensor(
        name=NAME,
        description=(
            f"Alerts once per trading day through the webhook when, at {deadline:%H:%M} New York"
            " (SIGMASIGHT_COMPLETION_DEADLINE), some active portfolio lacks that day's results."
        ),
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def completion_deadline_sensor(
        context: dg.SensorEvaluationContext, db: ResultsDatabase, alert_webhook: AlertWebhook
    ) -> dg.SkipReason:
        day = due_day(datetime.now(UTC), deadline, start, end)
        if day is None or (context.cursor and date.fromisoformat(context.cursor) >= day):
            return dg.SkipReason(f"no trading day past its {deadline:%H:%M} deadline left to judge")
        with db.transaction() as session:
            lacking = lacking_on(day, queries.first_entry_dates(session), completed_portfolio_days(session))
        context.update_cursor(day.isoformat())
        if not lacking:
            return dg.SkipReason(f"{day} complete for every active portfolio by {deadline:%H:%M}")
        shown = ", ".join(lacking[:50]) + (f" and {len(lacking) - 50} more" if len(lacking) > 50 else "")
        text = f"{day} not complete by {deadline:%H:%M} New York: {len(lacking)} portfolios lack results ({shown})"
        context.log.error(text)
        alert_webhook.post({"text": f":rotating_light: SigmaSight {text}", "day": day.isoformat()}, context.log)
        return dg.SkipReason(text)

    return completion_deadline_sensor
