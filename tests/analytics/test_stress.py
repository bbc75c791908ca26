"""Factor betas against per-window polyfit, scenario P&L against loops, the scenario library."""

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigmasight_assets.analytics import FACTORS, factor_betas, factor_returns, load_scenarios, stress_pnl
from tests.support.oracles import window_rows


@pytest.fixture(scope="module")
def factors(request: pytest.FixtureRequest) -> pd.DataFrame:
    gappy = request.getfixturevalue("gappy_returns")
    return factor_returns(gappy[["SPY", "TLT", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"]])


def test_factor_betas_match_pairwise_polyfit(factors: pd.DataFrame) -> None:
    betas = factor_betas(factors, window=252, min_obs=60)
    assert betas.shape == (600, 12, 12)
    values = factors.to_numpy()
    for t in (30, 70, 150, 300, 599):
        window = values[window_rows(t, 252)]
        for g in range(12):
            for f in range(12):
                both = np.isfinite(window[:, g]) & np.isfinite(window[:, f])
                expected = np.polyfit(window[both, f], window[both, g], 1)[0] if both.sum() >= 60 else np.nan
                np.testing.assert_allclose(betas[t, g, f], expected, rtol=1e-8, atol=1e-14, err_msg=f"{t} {g} {f}")


def test_factor_betas_min_obs_and_no_look_ahead(factors: pd.DataFrame) -> None:
    betas = factor_betas(factors, window=252, min_obs=60)
    # SPY is complete from row 1: 60 returns on row 60. TLT has holes, so pairs with IR_Beta come later.
    assert np.isnan(betas[59, 0, 2]) and np.isfinite(betas[60, 0, 2])
    assert np.isnan(betas[60, 0, 1])
    altered = factors.copy()
    altered.iloc[401:] = 0.2
    np.testing.assert_allclose(factor_betas(altered)[:401], betas[:401], rtol=1e-12)


def test_stress_pnl_matches_hand_computation(factors: pd.DataFrame) -> None:
    betas = factor_betas(factors)
    rng = np.random.default_rng(5)
    exposures = pd.DataFrame(rng.normal(0, 1e5, size=factors.shape), index=factors.index, columns=factors.columns)
    shocks = {"Market_Beta": -0.15, "IR_Beta": -0.20, "Growth_Value_Spread": -0.10}
    result = stress_pnl(exposures, shocks, betas)
    assert list(result.columns) == ["direct_pnl", "correlated_pnl"]
    for t in (10, 100, 599):
        e = exposures.iloc[t]
        direct = sum(e[f] * s for f, s in shocks.items())
        correlated = direct
        for g_index, g in enumerate(FACTORS):
            if g in shocks:
                continue
            for f, s in shocks.items():
                beta = betas[t, g_index, FACTORS.index(f)]
                correlated += e[g] * (0.0 if np.isnan(beta) else beta) * s
        assert result["direct_pnl"].iloc[t] == pytest.approx(direct, rel=1e-12)
        assert result["correlated_pnl"].iloc[t] == pytest.approx(correlated, rel=1e-12)
    # Before 60 observations no beta exists, so nothing but the shocked factors moves.
    np.testing.assert_allclose(result["correlated_pnl"].iloc[:40], result["direct_pnl"].iloc[:40], rtol=1e-15)
    assert not np.allclose(result["correlated_pnl"].iloc[-50:], result["direct_pnl"].iloc[-50:])


def test_stress_pnl_market_drop_on_pure_market_portfolio(factors: pd.DataFrame) -> None:
    exposures = pd.DataFrame(0.0, index=factors.index, columns=factors.columns)
    exposures["Market_Beta"] = 1_000_000.0
    result = stress_pnl(exposures, {"Market_Beta": -0.10}, factor_betas(factors))
    np.testing.assert_array_equal(result["direct_pnl"], -100_000.0)
    np.testing.assert_array_equal(result["correlated_pnl"], -100_000.0)
    exposures.iloc[5, 3] = np.nan
    assert np.isnan(stress_pnl(exposures, {"Market_Beta": -0.10}, factor_betas(factors))["correlated_pnl"].iloc[5])


def test_stress_validation(factors: pd.DataFrame) -> None:
    exposures = pd.DataFrame(1.0, index=factors.index, columns=factors.columns)
    betas = factor_betas(factors)
    with pytest.raises(ValueError, match="shocks names factors not in dollar_exposures: Bogus"):
        stress_pnl(exposures, {"Bogus": 0.1}, betas)
    with pytest.raises(ValueError, match="betas must have shape"):
        stress_pnl(exposures, {"Market_Beta": 0.1}, betas[1:])
    with pytest.raises(ValueError, match="factor_returns must be a pandas DataFrame"):
        factor_betas(factors.to_numpy())


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
