"""The data_quality object of DESIGN §5, built for every (date, portfolio) of a range at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

FULL = "full_history"
LIMITED = "limited_history"
PARTIAL = "partial_coverage"
INSUFFICIENT = "insufficient_history"
NO_PUBLIC = "no_public_positions"
# Reasons that describe the position, not missing data: they never make coverage "partial".
EXPECTED_SKIPS = frozenset({"private"})


def quality_table(
    open_mask: pd.DataFrame,
    reasons: pd.DataFrame,
    public: pd.Series,
    portfolio_of: pd.Series,
    data_days: pd.Series,
    limited: pd.Series | None = None,
    required: pd.MultiIndex | None = None,
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
    """
    rows, cols = np.nonzero(open_mask.to_numpy())
    positions = open_mask.columns[cols]
    long = pd.DataFrame({
        "date": open_mask.index[rows],
        "portfolio_id": portfolio_of.reindex(positions).to_numpy(),
        "public": public.reindex(positions).to_numpy(dtype=bool),
        "reason": reasons.to_numpy()[rows, cols],
    })
    out = []
    for (day, portfolio), group in long.groupby(["date", "portfolio_id"], sort=True):
        skipped = group["reason"].dropna().value_counts().to_dict()
        total = len(group)
        analyzed = total - sum(skipped.values())
        days = int(data_days.get((day, portfolio), 0))
        is_limited = bool(limited.get((day, portfolio), False)) if limited is not None else False
        flag = _flag(bool(group["public"].any()), analyzed, skipped, is_limited)
        out.append({
            "date": day, "portfolio_id": int(portfolio), "flag": flag,
            "message": _message(flag, total, analyzed, skipped, days),
            "positions_total": total, "positions_analyzed": analyzed,
            "positions_skipped": {str(k): int(v) for k, v in sorted(skipped.items())}, "data_days": days,
        })
    seen = {(row["date"], row["portfolio_id"]) for row in out}
    for day, portfolio in required if required is not None else []:
        if (day, int(portfolio)) not in seen:
            out.append({
                "date": day, "portfolio_id": int(portfolio), "flag": NO_PUBLIC, "message": "no open positions",
                "positions_total": 0, "positions_analyzed": 0, "positions_skipped": {}, "data_days": 0,
            })
    return pd.DataFrame(out, columns=[
        "date", "portfolio_id", "flag", "message", "positions_total", "positions_analyzed",
        "positions_skipped", "data_days",
    ]).sort_values(["date", "portfolio_id"], ignore_index=True)


def _flag(has_public: bool, analyzed: int, skipped: dict, limited: bool) -> str:
    if not has_public:
        return NO_PUBLIC
    if analyzed == 0:
        return INSUFFICIENT
    if any(reason not in EXPECTED_SKIPS for reason in skipped):
        return PARTIAL
    return LIMITED if limited else FULL


def _message(flag: str, total: int, analyzed: int, skipped: dict, days: int) -> str:
    text = f"{analyzed} of {total} positions analyzed over {days} days"
    if skipped:
        text += "; skipped: " + ", ".join(f"{reason} {count}" for reason, count in sorted(skipped.items()))
    if flag == NO_PUBLIC:
        text = f"no public positions ({total} private); return-based analytics not computed"
    return text
