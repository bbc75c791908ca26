"""The dates and portfolios a (single-run, ranged) materialization covers."""

from __future__ import annotations

from datetime import date

import dagster as dg


def requested_days(context: dg.AssetExecutionContext) -> list[date]:
    """Trading days of the run's partition range, sorted (the window end may be a holiday: use keys)."""
    keys = context.partition_keys
    raw = {k.keys_by_dimension["date"] if isinstance(k, dg.MultiPartitionKey) else k for k in keys}
    return sorted(date.fromisoformat(k) for k in raw)


def requested_portfolios(context: dg.AssetExecutionContext) -> list[int]:
    """Portfolio ids of a date × portfolio range."""
    keys = context.partition_keys
    return sorted({int(k.keys_by_dimension["portfolio"]) for k in keys})
