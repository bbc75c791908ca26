"""Re-materializing what a vendor's correction or split changed: the close sensor's corrections step.

`market_prices` replaces revised closes and records each revised symbol in `price_corrections`
(unhandled) in one transaction. On each evaluation the close sensor then, through this module:

1. For unhandled records without a successful day-level run tagged with their id: one day-level run
   over [earliest first date (not before the partitions), latest detecting day], tagged
   `sigmasight/reason=<reason>:<symbol>[,…]` and `sigmasight/corrections=<ids>`; the symbol-level
   results of those days depend on the closes. A failed run is retried under a new run key, at
   most `MAX_ATTEMPTS` times.
2. Once that run has succeeded and no run writes a holding portfolio (a position in the symbol open
   on or after the first date): in one transaction, lock those portfolios, delete their results from
   the first date and mark the record handled with their ids. Other portfolios keep every row.
3. The catch-up then finds exactly those portfolio-days missing (`planning.missing_days`); its
   requests for them carry the reason tag and a run key of their own (a block recomputed before
   under the same key would otherwise be skipped by Dagster as already requested).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import dagster as dg

from sigmasight_assets.automation.planning import FAILED, IN_PROGRESS, busy_portfolios
from sigmasight_assets.pipeline.tags import DAY_JOB, DAY_LEVEL, LEVEL_TAG, day_range_tags, run_dates, run_portfolios
from sigmasight_resources.db import queries
from sigmasight_resources.db.models import PriceCorrection
from sigmasight_resources.db.purge import delete_results_from
from sigmasight_resources.db.resource import ResultsDatabase

REASON_TAG = "sigmasight/reason"  # e.g. correction:AAPL or split:MSFT,correction:AAPL
CORRECTIONS_TAG = "sigmasight/corrections"  # the price_corrections ids a day-level run re-materializes
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Handled:
    """A handled record, read out of its session: which portfolio-days it deleted, and why."""

    id: int
    label: str
    first: date
    last: date
    portfolios: frozenset[int]


def reason(records: list[PriceCorrection]) -> str:
    return ",".join(sorted({f"{r.reason}:{r.symbol}" for r in records}))


def advance(
    context: dg.SensorEvaluationContext, db: ResultsDatabase, partitions_start: date, now: datetime | None = None
) -> list[dg.RunRequest]:
    """Steps 1 and 2 for every unhandled record; the day-level runs to launch."""
    with db.transaction() as session:
        pending = queries.unhandled_corrections(session)
        positions = queries.positions_frame(session) if pending else None  # every 30 s: only when needed
    if not pending:
        return []
    instance = context.instance
    runs = correction_runs(instance, min(r.detected_at for r in pending))
    due, ready, attempts = [], [], {}
    for record in pending:
        mine = runs.get(record.id, [])
        if any(r.status == dg.DagsterRunStatus.SUCCESS for r in mine):
            ready.append(record)
        elif not any(r.status in IN_PROGRESS for r in mine):
            failed = sum(r.status in FAILED for r in mine)
            if failed >= MAX_ATTEMPTS:
                context.log.error(f"correction {record.id} ({reason([record])}): day-level run failed {failed} times")
            else:
                due.append(record)
                attempts[record.id] = failed + 1
    for record in ready:
        holders = holding_portfolios(positions, record)
        if busy_portfolios(instance, holders) & holders:
            continue  # a run writes a holder: delete its results once that run is over
        with db.transaction() as session:
            queries.lock_portfolios(session, sorted(int(p) for p in holders))
            for portfolio in holders:
                delete_results_from(session, int(portfolio), record.first_date)
            queries.mark_correction_handled(session, record.id, [int(p) for p in holders], now or datetime.now(UTC))
        context.log.info(
            f"correction {record.id} ({reason([record])}): results from {record.first_date} deleted for "
            f"portfolios {', '.join(sorted(holders, key=int)) or 'none'}"
        )
    if not due:
        return []
    ids = ",".join(str(r.id) for r in due)
    start = max(min(r.first_date for r in due), partitions_start)
    end = max(r.last_date for r in due)
    return [
        dg.RunRequest(
            run_key=f"corrections-{ids}-{max(attempts.values())}",
            job_name=DAY_JOB,
            tags={**day_range_tags(start, end), REASON_TAG: reason(due), CORRECTIONS_TAG: ids},
        )
    ]


def correction_runs(instance: dg.DagsterInstance, since: datetime) -> dict[int, list[dg.DagsterRun]]:
    """Day-level runs created since `since` per correction id their tag names."""
    grouped: dict[int, list[dg.DagsterRun]] = {}
    for run in instance.get_runs(dg.RunsFilter(tags={LEVEL_TAG: DAY_LEVEL}, created_after=_utc(since))):
        for key in filter(None, run.tags.get(CORRECTIONS_TAG, "").split(",")):
            grouped.setdefault(int(key), []).append(run)
    return grouped


def holding_portfolios(positions, record: PriceCorrection) -> set[str]:
    """Active portfolios with a position in the symbol open on some day in [first date, last date]."""
    open_positions = queries.positions_overlapping(positions, record.first_date, record.last_date)
    return {str(p) for p in open_positions.loc[open_positions["price_symbol"] == record.symbol, "portfolio_id"]}


def with_reasons(db: ResultsDatabase, requests: list[dg.RunRequest]) -> list[dg.RunRequest]:
    """The catch-up's requests, those recomputing a handled record's portfolio-days tagged with its reason."""
    spans = [(run_dates(r.tags), r) for r in requests]
    if not any(span for span, _ in spans):
        return requests
    with db.transaction() as session:
        handled = queries.handled_corrections(session, min(date.fromisoformat(s[0]) for s, _ in spans if s))
        records = [
            Handled(r.id, f"{r.reason}:{r.symbol}", r.first_date, r.last_date, frozenset(r.portfolio_ids or []))
            for r in handled
        ]
    return [_tagged(request, span, records) for span, request in spans]


def _tagged(request: dg.RunRequest, span: tuple[str, str] | None, records: list[Handled]) -> dg.RunRequest:
    if span is None:
        return request
    named = {int(p) for p in run_portfolios(request.tags) or []}
    first, last = date.fromisoformat(span[0]), date.fromisoformat(span[1])
    matching = [r for r in records if r.portfolios & named and r.first <= last and r.last >= first]
    if not matching:
        return request
    return request.with_replaced_attrs(
        run_key=f"{request.run_key}-corrections-{'-'.join(str(r.id) for r in matching)}",
        tags={**request.tags, REASON_TAG: ",".join(sorted({r.label for r in matching}))},
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
