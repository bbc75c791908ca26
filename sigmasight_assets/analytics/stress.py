"""The stress scenario library: factor-shock scenarios and historical replays (the correlated P&L is
`conditional.py`)."""

import json
import math
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from .factors import FACTORS

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
