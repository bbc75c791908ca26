"""Sensors that keep every active portfolio current: onboarding, daily close with catch-up, cleanup.

All state lives in the Dagster instance (partitions, materializations, run tags) and the results
DB, never in this process: a daemon restart resumes where the last tick stopped. Run keys make a
re-evaluated tick launch nothing twice; a failed run's range gets a new key (its attempt number),
so the next evaluation redoes it, at most `MAX_ATTEMPTS` times per range.

The daemon evaluates sensors one after another (`sensors.use_threads` off, the default), so the
close sensor never sees a portfolio between the onboarding sensor adding its partition and
launching its first run.
"""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import dagster as dg

from sigmasight_assets.automation import corrections
from sigmasight_assets.automation.alerts import AlertWebhook
from sigmasight_assets.automation.bounds import last_partition
from sigmasight_assets.automation.jobs import day_assets_job, portfolio_assets_job
from sigmasight_assets.automation.planning import (
    FAILED,
    IN_PROGRESS,
    DayLevelGaps,
    busy_portfolios,
    completed_portfolio_days,
    contiguous_blocks,
    day_level_gaps,
    failed_attempts,
    materialized_days,
    missing_days,
)
from sigmasight_assets.automation.registry import onboarded_portfolio_keys, onboarded_portfolios
from sigmasight_assets.pipeline.tags import (
    AFTER_RUN_TAG,
    DAY_JOB,
    DAY_LEVEL,
    LEVEL_TAG,
    ONBOARDING_TAG,
    PORTFOLIO_JOB,
    day_range_tags,
    portfolio_range_tags,
)
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase

MAX_ATTEMPTS = 3
ATTEMPT_WINDOW = timedelta(days=7)


def onboarding_runs(instance: dg.DagsterInstance, keys: set[str]) -> dict[str, list[dg.DagsterRun]]:
    """Runs tagged `sigmasight/onboarding` for the given portfolio keys, newest first, per key."""
    if not keys:
        return {}
    grouped: dict[str, list[dg.DagsterRun]] = {}
    for run in instance.get_runs(dg.RunsFilter(tags={ONBOARDING_TAG: sorted(keys)})):
        grouped.setdefault(run.tags[ONBOARDING_TAG], []).append(run)
    return grouped


def onboarding_pending(runs: list[dg.DagsterRun]) -> bool:
    """Onboarding still owns the portfolio: none of its day-level runs succeeded, and it has not given up."""
    day_runs = [r for r in runs if r.tags.get(LEVEL_TAG) == DAY_LEVEL]
    if not day_runs or any(r.status == dg.DagsterRunStatus.SUCCESS for r in day_runs):
        return False
    failures = sum(r.status in FAILED for r in day_runs)
    return failures < MAX_ATTEMPTS or any(r.status not in FAILED for r in day_runs)


def onboarding_range(
    first_entry: date, partitions_start: date, now: datetime, partitions_end: date | None = None
) -> tuple[date, date] | None:
    """The sessions from the earliest entry (not before the partitions start) to the latest closed
    session (not after the partitions end) as (first, last), or None if there are none."""
    start, end = max(first_entry, partitions_start), calendar.latest_closed_session(now)
    end = min(end, partitions_end) if partitions_end is not None else end
    sessions = calendar.sessions(start, end)
    return (sessions[0], sessions[-1]) if sessions else None


def _load_cursor(cursor: str | None) -> set[str]:
    return set(json.loads(cursor)["pending"]) if cursor else set()


def build_sensors(
    partitions_start: date, partitions_end: date | None = None, groups: int = 1
) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name="portfolio_onboarding_sensor",
        description=(
            "New portfolio: adds its partition and queues two runs over its range, the day-level assets"
            " and its portfolio-level assets; the `portfolio` limit holds the second until the first"
            " ends, and it computes only if the first succeeded. A failed day-level run is retried"
            f" (both runs again) at most {MAX_ATTEMPTS} times. The cursor holds the portfolios whose"
            " onboarding is under way; the rest of the state is the runs' tags."
        ),
        jobs=[day_assets_job, portfolio_assets_job],
        # every loop of the sensor daemon (5 s): at 5 s, a loop ~5 s after the last tick found it
        # under the interval and skipped, so an import waited up to 10 s
        minimum_interval_seconds=1,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def portfolio_onboarding_sensor(context: dg.SensorEvaluationContext, db: ResultsDatabase) -> dg.SensorResult:
        instance = context.instance
        pending = _load_cursor(context.cursor)
        with db.transaction() as session:
            first_entry = queries.first_entry_dates(session)
        known = onboarded_portfolio_keys(instance)
        requests: list[dg.RunRequest] = []
        added: list[str] = []
        now = datetime.now(UTC)

        for key in sorted(set(first_entry) - known - pending, key=int):
            span = onboarding_range(first_entry[key], partitions_start, now, partitions_end)
            if span is None:
                continue  # entered after the latest close: onboard once a session has closed
            added.append(key)
            pending.add(key)
            requests += _onboarding_runs(key, *span, attempt=1)

        runs = onboarding_runs(instance, pending - set(added))
        for key in sorted(pending - set(added), key=int):
            day_runs = [r for r in runs.get(key, []) if r.tags.get(LEVEL_TAG) == DAY_LEVEL]
            if key not in first_entry or any(r.status == dg.DagsterRunStatus.SUCCESS for r in day_runs):
                pending.discard(key)  # deleted meanwhile, or its day level is done and its portfolio run follows
            elif any(r.status in IN_PROGRESS for r in day_runs):
                continue
            elif len(day_runs) >= MAX_ATTEMPTS:
                context.log.error(
                    f"onboarding portfolio {key}: day-level run failed {len(day_runs)} times; "
                    "the close sensor's catch-up takes over"
                )
                pending.discard(key)
            else:
                span = onboarding_range(first_entry[key], partitions_start, now, partitions_end)
                if span is not None:
                    requests += _onboarding_runs(key, *span, attempt=len(day_runs) + 1)
        if added:
            context.log.info(f"onboarding portfolios {', '.join(added)}")
        return dg.SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[onboarded_portfolios.build_add_request(added)] if added else [],
            cursor=json.dumps({"pending": sorted(pending, key=int)}),
        )

    @dg.sensor(
        name="portfolio_close_sensor",
        description=(
            "One portfolio-level run per contiguous block of missing days, writing every portfolio that"
            " lacks exactly that block (the day just closed, for all portfolios at once, split into"
            f" {groups} disjoint group(s); any day some portfolio lags), skipping portfolios with a run in"
            " flight (any run of portfolio-level assets, also an asset page's or a backfill's) or still"
            " onboarding; a day the day level lacks (failed, or a hole) gets a day-level run. A failed"
            f" range is retried at most {MAX_ATTEMPTS} times, then alerted once through the webhook."
        ),
        jobs=[day_assets_job, portfolio_assets_job],
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def portfolio_close_sensor(
        context: dg.SensorEvaluationContext, db: ResultsDatabase, alert_webhook: AlertWebhook
    ) -> dg.SensorResult | dg.SkipReason:
        instance = context.instance
        now = datetime.now(UTC)
        fixes = corrections.advance(context, db, partitions_start)  # before `done`: it may delete results
        with db.transaction() as session:
            first_entry = queries.first_entry_dates(session)
            done = completed_portfolio_days(session)
        known = onboarded_portfolio_keys(instance)
        onboarding = onboarding_runs(instance, set(first_entry) & known)
        owned = {k for k, runs in onboarding.items() if onboarding_pending(runs)}
        skip = busy_portfolios(instance, first_entry) | owned
        eligible = {k: d for k, d in first_entry.items() if k in known and k not in skip}
        missing = missing_days(eligible, materialized_days(instance), done, partitions_start)
        attempts = failed_attempts(instance, now - ATTEMPT_WINDOW, first_entry)
        given_up: list[str] = []
        blocks: dict[tuple[str, str], list[str]] = {}
        for key, days in missing.items():
            for block in contiguous_blocks(days):
                tried = attempts[(key, *block)]
                if tried >= MAX_ATTEMPTS:
                    given_up.append(f"portfolio {key} {block[0]}..{block[1]}")
                else:
                    blocks.setdefault(block, []).append(key)
        requests = []
        for (first, last), keys in sorted(blocks.items()):
            tried_by = {k: attempts[(k, first, last)] for k in keys}
            for group in split_groups(isolate_last_attempt(sorted(keys, key=int), tried_by), groups):
                tried = max(tried_by[key] for key in group)
                digest = hashlib.sha256(",".join(group).encode()).hexdigest()[:12]
                requests.append(
                    dg.RunRequest(
                        run_key=f"close-{first}-{last}-{digest}-{tried}",
                        job_name=PORTFOLIO_JOB,
                        tags=portfolio_range_tags(first, last, group),
                    )
                )
        entries = [d for k, d in first_entry.items() if k in known and k not in owned]
        gaps = (
            day_level_gaps(
                instance,
                max(min(entries), partitions_start),
                last_partition(partitions_end, now),
                now - ATTEMPT_WINDOW,
                MAX_ATTEMPTS,
                owned,
            )
            if entries
            else DayLevelGaps([], [])
        )
        day_runs = [
            dg.RunRequest(run_key=f"day-{first}-{last}-{tried}", job_name=DAY_JOB, tags=day_range_tags(first, last))
            for first, last, tried in gaps.due
        ]
        given_up += [f"day level {a}..{b}" for a, b in contiguous_blocks(gaps.given_up)]
        alert_given_up(context, alert_webhook, given_up)
        requests = [*fixes, *day_runs, *corrections.with_reasons(db, requests)]
        if not requests:
            note = f"; {len(given_up)} given up after {MAX_ATTEMPTS} failed runs" if given_up else ""
            return dg.SkipReason(
                f"{len(eligible) - len(missing)} portfolios current; {len(skip)} in flight or onboarding{note}"
            )
        covered = {key for keys in blocks.values() for key in keys}
        context.log.info(
            f"requesting {len(requests)} runs: portfolio-level for {len(covered)} portfolios,"
            f" {len(day_runs)} day-level for days the day level lacks"
        )
        return dg.SensorResult(run_requests=requests)

    @dg.sensor(
        name="portfolio_cleanup_sensor",
        description=(
            "Removes the partitions of deleted portfolios (not while a run writes them); their result"
            " rows stay until purged."
        ),
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def portfolio_cleanup_sensor(
        context: dg.SensorEvaluationContext, db: ResultsDatabase
    ) -> dg.SensorResult | dg.SkipReason:
        with db.transaction() as session:
            active = {str(p) for p in queries.active_portfolio_ids(session)}
        known = onboarded_portfolio_keys(context.instance)
        stale = sorted(known - active - busy_portfolios(context.instance, active), key=int)
        if not stale:
            return dg.SkipReason("no deleted portfolio has a partition")
        context.log.info(f"removing partitions of deleted portfolios {', '.join(stale)}")
        return dg.SensorResult(dynamic_partitions_requests=[onboarded_portfolios.build_delete_request(stale)])

    return [portfolio_onboarding_sensor, portfolio_close_sensor, portfolio_cleanup_sensor]


def alert_given_up(context: dg.SensorEvaluationContext, webhook: AlertWebhook, given_up: list[str]) -> None:
    """Log every range given up on and POST the newly given-up ones once (the cursor holds those alerted)."""
    alerted = set(json.loads(context.cursor)["alerted"]) if context.cursor else set()
    for line in given_up:
        context.log.error(f"{line} failed {MAX_ATTEMPTS} times; not retrying")
    new = [line for line in given_up if line not in alerted]
    if new:
        text = f"{', '.join(new)}: failed {MAX_ATTEMPTS} times, not retried; rerun with `sigmasight run`"
        webhook.post({"text": f":rotating_light: SigmaSight {text}", "given_up": new}, context.log)
    context.update_cursor(json.dumps({"alerted": sorted(given_up)}))


def split_groups(runs: list[list[str]], groups: int) -> list[list[str]]:
    """Each run's portfolios dealt into at most `groups` disjoint runs of consecutive ids (K runs at once)."""
    out = []
    for keys in runs:
        size = -(-len(keys) // max(groups, 1))
        out += [keys[i : i + size] for i in range(0, len(keys), size)]
    return out


def isolate_last_attempt(keys: list[str], tried: dict[str, int]) -> list[list[str]]:
    """The runs for portfolios lacking the same days: one run for all, except that a portfolio on
    its last attempt gets a run of its own, so one portfolio whose data keeps failing cannot hold
    back the others' close beyond two failed runs (a transient failure is retried as a batch)."""
    last = [k for k in keys if tried[k] >= MAX_ATTEMPTS - 1]
    batch = [k for k in keys if tried[k] < MAX_ATTEMPTS - 1]
    return ([batch] if batch else []) + [[k] for k in last]


def _onboarding_runs(key: str, start: date, end: date, attempt: int) -> list[dg.RunRequest]:
    """The day-level run over the portfolio's range and its portfolio-level run, queued together
    (no sensor tick between them): both carry the `portfolio` tag, whose limit of one run starts
    the second once the first ends, and the second fails at once unless the first succeeded."""
    day_key = f"onboarding-{key}-day-{attempt}"
    return [
        dg.RunRequest(
            run_key=day_key,
            job_name=DAY_JOB,
            tags={**day_range_tags(start, end, portfolio=key), ONBOARDING_TAG: key},
        ),
        dg.RunRequest(
            run_key=f"onboarding-{key}-portfolio-{attempt}",
            job_name=PORTFOLIO_JOB,
            tags={**portfolio_range_tags(start, end, [key]), ONBOARDING_TAG: key, AFTER_RUN_TAG: day_key},
        ),
    ]
