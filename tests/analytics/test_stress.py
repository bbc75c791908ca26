"""The scenario library: the packaged default and validation of a user's file."""

import json
from datetime import date
from pathlib import Path

import pytest

from sigmasight_assets.analytics import FACTORS, load_scenarios


def test_default_library_has_18_valid_scenarios_in_5_categories() -> None:
    library = load_scenarios()
    scenarios = [s for s in library if s.kind == "factor_shock"]
    replays = [s for s in library if s.kind == "replay"]
    assert [s.window for s in replays] == [
        (date(2020, 2, 19), date(2020, 3, 23)),
        (date(2022, 1, 3), date(2022, 6, 16)),
        (date(2025, 4, 2), date(2025, 4, 8)),
    ]
    assert all(s.shocks == {} and s.category == "historical_replay" for s in replays)
    assert len(scenarios) == 18
    assert {s.category for s in scenarios} == {"market", "rates", "style_rotation", "factor_crash", "combined_crisis"}
    assert len({s.id for s in scenarios}) == 18
    market = {s.id: s.shocks for s in scenarios if s.category == "market"}
    for pct in (5, 10, 20):
        assert market[f"market_up_{pct}"] == {"Market_Beta": pct / 100}
        assert market[f"market_down_{pct}"] == {"Market_Beta": -pct / 100}
    assert all(set(s.shocks) <= set(FACTORS) and s.name and s.description for s in scenarios)
    assert any(len(s.shocks) > 1 for s in scenarios if s.category == "combined_crisis")


def test_user_library_is_validated(tmp_path: Path) -> None:
    good = {"scenarios": [{"id": "x", "name": "X", "category": "custom", "shocks": {"Size_Spread": -0.02}}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(good))
    assert load_scenarios(path)[0].shocks == {"Size_Spread": -0.02}

    bad = {
        "scenarios": [
            good["scenarios"][0],
            {"id": "tech_wreck", "name": "T", "category": "c", "shocks": {"Tech": -0.3}},
        ]
    }
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="scenario #2 \\('tech_wreck'\\): unknown factor\\(s\\) Tech"):
        load_scenarios(path)
    path.write_text(json.dumps({"scenarios": [good["scenarios"][0]] * 2}))
    with pytest.raises(ValueError, match="duplicate scenario id 'x'"):
        load_scenarios(path)
    path.write_text(json.dumps({"scenarios": [{**good["scenarios"][0], "shocks": {"Size_Spread": -1.5}}]}))
    with pytest.raises(ValueError, match="shock for Size_Spread must be a finite return > -1"):
        load_scenarios(path)
    path.write_text("[]")
    with pytest.raises(ValueError, match="expected a JSON object with a 'scenarios' list"):
        load_scenarios(path)
    replay = {
        "id": "r",
        "name": "R",
        "category": "c",
        "kind": "replay",
        "window": {"start": "2020-02-19", "end": "2020-03-23"},
    }
    path.write_text(json.dumps({"scenarios": [replay]}))
    assert load_scenarios(path)[0].window == (date(2020, 2, 19), date(2020, 3, 23))
    for broken, message in [
        ({**replay, "kind": "replays"}, "scenario #1 \\('r'\\): 'kind' must be"),
        (
            {**replay, "window": {"start": "2020-02-30", "end": "2020-03-23"}},
            "'window.start' must be a YYYY-MM-DD date",
        ),
        ({**replay, "window": {"start": "2020-03-24", "end": "2020-03-23"}}, "'window.start' 2020-03-24 is after"),
        ({k: v for k, v in replay.items() if k != "window"}, "a replay needs 'window'"),
    ]:
        path.write_text(json.dumps({"scenarios": [broken]}))
        with pytest.raises(ValueError, match=message):
            load_scenarios(path)
