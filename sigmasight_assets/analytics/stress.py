"""Factor stress tests: the scenario library, factor-on-factor betas and scenario P&L."""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .factors import FACTORS
from .validation import check_window, frame_values
from .windows import pair_moments

SCENARIO_FILE = "scenarios.json"
"""The default scenario library, shipped next to this module; users may edit a copy."""


FACTOR_SHOCK, REPLAY = "factor_shock", "replay"


@dataclass(frozen=True)
class Scenario:
    """One stress scenario: factor-return shocks keyed by factor name (0.10 = +10%), or a historical
    replay of a past window (`window` = first and last trading day) applied to today's positions."""

    id: str
    name: str
    category: str
    shocks: dict[str, float]
    description: str = field(default="", compare=False)
    kind: str = FACTOR_SHOCK
    window: tuple[date, date] | None = None


def load_scenarios(path: str | Path | None = None) -> list[Scenario]:
    """Read and validate a scenario library (JSON); the default ships with the package.

    The file holds {"scenarios": [{"id", "name", "category", "description", "shocks"}]}.
    Every shock must name one of the twelve `FACTORS` and be a finite return > -1;
    ids must be unique.

    Parameters
    ----------
    path : str or Path, optional
        A user's library; None reads the packaged `scenarios.json`.

    Returns
    -------
    list of Scenario, in file order.
    """
    if path is None:
        text = resources.files(__package__).joinpath(SCENARIO_FILE).read_text(encoding="utf-8")
        source = SCENARIO_FILE
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    try:
        entries = json.loads(text)["scenarios"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{source}: expected a JSON object with a 'scenarios' list ({exc})") from exc
    if not isinstance(entries, list):
        raise ValueError(f"{source}: 'scenarios' must be a list")

    scenarios: list[Scenario] = []
    for position, entry in enumerate(entries):
        scenario = _parse_scenario(entry, f"{source}: scenario #{position + 1}")
        if any(s.id == scenario.id for s in scenarios):
            raise ValueError(f"{source}: duplicate scenario id {scenario.id!r}")
        scenarios.append(scenario)
    return scenarios


def factor_betas(factor_returns: pd.DataFrame, window: int = 252, min_obs: int = 60) -> np.ndarray:
    """Rolling betas of every factor on every other one.

    Parameters
    ----------
    factor_returns : DataFrame (T, F)
        Daily factor returns (see `returns.factor_returns`), NaN where missing.
    window : int
        Rows in the trailing window ending at each date (default 252).
    min_obs : int
        Minimum common observations of a pair (default 60); fewer gives NaN.

    Returns
    -------
    ndarray (T, F, F)
        [t, g, f] = cov(g, f) / var(f) over the window rows where both are present: the
        OLS slope of factor g on factor f, i.e. how much g moves per unit move of f.
        Diagonal 1 where defined; NaN if f has zero variance in those rows.
    """
    values = frame_values(factor_returns, "factor_returns")
    check_window(window, min_obs, least=2)
    betas = np.empty((values.shape[0], values.shape[1], values.shape[1]))
    for block, moments in pair_moments(values, window):
        s_gf, _, s_ff = moments.covariance_terms()
        with np.errstate(invalid="ignore", divide="ignore"):
            beta = s_gf / s_ff
        beta[(moments.n < min_obs) | ~(s_ff > 0)] = np.nan
        betas[block] = beta
    return betas


def stress_pnl(
    dollar_exposures: pd.DataFrame,
    shocks: Mapping[str, float],
    betas: np.ndarray,
) -> pd.DataFrame:
    """Direct and correlated P&L of one scenario for each date.

    direct = sum over shocked f of exposure_f * shock_f.
    correlated = direct + sum over unshocked g of exposure_g * sum over shocked f of
    beta[t, g, f] * shock_f, i.e. each unshocked factor moves by its beta on each shocked
    factor. A NaN beta (too little history) is taken as 0: that factor is not moved. A
    NaN exposure used by a sum makes that P&L NaN, so missing exposures are visible.

    Parameters
    ----------
    dollar_exposures : DataFrame (T, F)
        Portfolio dollar exposure per factor (beta x NAV), factors as columns.
    shocks : mapping factor name -> factor return shock (0.10 = +10%)
        Names must be columns of `dollar_exposures`.
    betas : ndarray (T, F, F)
        `factor_betas` output with its factor axes in the column order of
        `dollar_exposures`.

    Returns
    -------
    DataFrame (T, 2)
        direct_pnl and correlated_pnl, in the currency of the exposures. Divide by NAV
        for % of NAV.
    """
    exposures = frame_values(dollar_exposures, "dollar_exposures")
    factors = list(dollar_exposures.columns)
    beta = np.asarray(betas, dtype=np.float64)
    if beta.shape != (exposures.shape[0], len(factors), len(factors)):
        raise ValueError(f"betas must have shape {(exposures.shape[0], len(factors), len(factors))}, got {beta.shape}")
    if not shocks:
        raise ValueError("shocks must name at least one factor")
    unknown = sorted(set(shocks) - set(factors))
    if unknown:
        raise ValueError(f"shocks names factors not in dollar_exposures: {', '.join(map(str, unknown))}")

    shocked = np.array([f in shocks for f in factors])
    shock = np.array([float(shocks[f]) if f in shocks else 0.0 for f in factors])
    if not np.isfinite(shock).all():
        raise ValueError("shocks must be finite numbers")
    direct = exposures[:, shocked] @ shock[shocked]
    moves = np.nan_to_num(beta[:, ~shocked][:, :, shocked], nan=0.0) @ shock[shocked]  # (T, unshocked)
    indirect = np.einsum("tg,tg->t", exposures[:, ~shocked], moves)
    return pd.DataFrame({"direct_pnl": direct, "correlated_pnl": direct + indirect}, index=dollar_exposures.index)


def _parse_window(window: object, where: str) -> tuple[date, date]:
    if not isinstance(window, dict):
        raise ValueError(f'{where}: a replay needs \'window\': {{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}}')
    days = []
    for key in ("start", "end"):
        try:
            days.append(date.fromisoformat(str(window.get(key))))
        except ValueError as exc:
            raise ValueError(f"{where}: 'window.{key}' must be a YYYY-MM-DD date, got {window.get(key)!r}") from exc
    if days[0] > days[1]:
        raise ValueError(f"{where}: 'window.start' {days[0]} is after 'window.end' {days[1]}")
    return days[0], days[1]


def replay_windows(scenarios: list[Scenario]) -> list[tuple[date, date]]:
    """The (start, end) windows of the library's historical replays."""
    return [s.window for s in scenarios if s.kind == REPLAY and s.window is not None]


def _parse_scenario(entry: object, where: str) -> Scenario:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be a JSON object")
    for key in ("id", "name", "category"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ValueError(f"{where}: '{key}' must be a non-empty string")
    where = f"{where} ({entry['id']!r})"
    kind = entry.get("kind", FACTOR_SHOCK)
    if kind not in (FACTOR_SHOCK, REPLAY):
        raise ValueError(f"{where}: 'kind' must be {FACTOR_SHOCK!r} or {REPLAY!r}, got {kind!r}")
    if kind == REPLAY:
        return Scenario(
            id=entry["id"],
            name=entry["name"],
            category=entry["category"],
            shocks={},
            description=str(entry.get("description", "")),
            kind=REPLAY,
            window=_parse_window(entry.get("window"), where),
        )
    shocks = entry.get("shocks")
    if not isinstance(shocks, dict) or not shocks:
        raise ValueError(f"{where}: 'shocks' must be a non-empty object of factor -> return")
    unknown = sorted(set(shocks) - set(FACTORS))
    if unknown:
        raise ValueError(f"{where}: unknown factor(s) {', '.join(unknown)}; expected names from {', '.join(FACTORS)}")
    for factor, value in shocks.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= -1:
            raise ValueError(f"{where}: shock for {factor} must be a finite return > -1, got {value!r}")
    return Scenario(
        id=entry["id"],
        name=entry["name"],
        category=entry["category"],
        shocks={factor: float(value) for factor, value in shocks.items()},
        description=str(entry.get("description", "")),
    )
