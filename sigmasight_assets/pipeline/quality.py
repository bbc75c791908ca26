"""The data_quality row of every (date, portfolio) of a range, built at once (docs/ANALYTICS.md, "Data quality")."""

import numpy as np
import pandas as pd

from sigmasight_resources.db.portfolio_reads import QUALITY_COLUMNS
from sigmasight_resources.vocabulary import EXPECTED_SKIPS, QualityFlag


def quality_table(
    open_mask: pd.DataFrame,
    reasons: pd.DataFrame,
    public: pd.Series,
    portfolio_of: pd.Series,
    data_days: pd.Series,
    limited: pd.Series | None = None,
    required: pd.MultiIndex | None = None,
    stale: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One data_quality row per (date, portfolio_id) with open positions, and per `required` pair.

    Parameters
    ----------
    open_mask : (dates, positions) bool, positions open that day.
    reasons : (dates, positions) why a position was skipped that day (None: analyzed).
    public : per position, True for public and option positions.
    portfolio_of : per position, its portfolio id.
    data_days : per (date, portfolio_id), the observations behind the result.
    limited : per (date, portfolio_id), True when the result rests on limited history.
    required : (date, portfolio_id) pairs that need a row even with no open position.
    stale : (dates, positions) bool, positions valued on a carried close that day (counted).
    """
    rows, cols = np.nonzero(open_mask.to_numpy())
    positions = open_mask.columns[cols]
    long = pd.DataFrame(
        {
            "date": open_mask.index[rows],
            "portfolio_id": portfolio_of.reindex(positions).to_numpy().astype(int),
            "public": public.reindex(positions).to_numpy(dtype=bool),
            "reason": reasons.to_numpy()[rows, cols],
            "stale": stale.to_numpy()[rows, cols] if stale is not None else False,
        }
    )
    keys = ["date", "portfolio_id"]
    grouped = long.groupby(keys)
    out = pd.DataFrame(
        {
            "positions_total": grouped.size(),
            "has_public": grouped["public"].any(),
            "positions_stale": grouped["stale"].sum(),
        }
    )
    if required is not None:
        extra = pd.MultiIndex.from_arrays(
            [required.get_level_values(0), required.get_level_values(1).astype(int)], names=keys
        )
        out = out.reindex(out.index.union(extra))
        out["positions_total"] = out["positions_total"].fillna(0).astype(int)
        out["has_public"] = out["has_public"].astype("boolean").fillna(False).astype(bool)
        out["positions_stale"] = out["positions_stale"].fillna(0).astype(int)
    skipped = long.dropna(subset=["reason"]).groupby([*keys, "reason"]).size().unstack(fill_value=0)
    skipped = skipped.reindex(out.index, fill_value=0)
    skipped_dicts = [
        {str(reason): int(count) for reason, count in sorted(row.items()) if count}
        for row in skipped.to_dict("records")
    ]
    out["positions_analyzed"] = out["positions_total"] - skipped.sum(axis=1).astype(int)
    out["data_days"] = data_days.reindex(out.index).fillna(0).astype(int).to_numpy() if len(data_days) else 0
    is_limited = (
        limited.reindex(out.index).astype("boolean").fillna(False).to_numpy(dtype=bool)
        if limited is not None and len(limited)
        else np.zeros(len(out), dtype=bool)
    )
    out["flag"] = [
        _flag(bool(p), int(a), d, bool(lim)) if t else QualityFlag.NO_PUBLIC.value
        for p, a, d, lim, t in zip(
            out["has_public"], out["positions_analyzed"], skipped_dicts, is_limited, out["positions_total"], strict=True
        )
    ]
    out["message"] = [
        _message(f, int(t), int(a), d, int(days)) if t else "no open positions"
        for f, t, a, d, days in zip(
            out["flag"], out["positions_total"], out["positions_analyzed"], skipped_dicts, out["data_days"], strict=True
        )
    ]
    out["positions_skipped"] = skipped_dicts
    return out.reset_index()[QUALITY_COLUMNS]


def _flag(has_public: bool, analyzed: int, skipped: dict, limited: bool) -> str:
    if not has_public:
        return QualityFlag.NO_PUBLIC.value
    if analyzed == 0:
        return QualityFlag.INSUFFICIENT.value
    if any(reason not in EXPECTED_SKIPS for reason in skipped):
        return QualityFlag.PARTIAL.value
    return QualityFlag.LIMITED.value if limited else QualityFlag.FULL.value


def _message(flag: str, total: int, analyzed: int, skipped: dict, days: int) -> str:
    text = f"{analyzed} of {total} positions analyzed over {days} days"
    if skipped:
        text += "; skipped: " + ", ".join(f"{reason} {count}" for reason, count in sorted(skipped.items()))
    if flag == QualityFlag.NO_PUBLIC:
        text = f"no public positions ({total} private); return-based analytics not computed"
    return text
