"""Settings from the home's settings file, the partitions end, and one-line errors naming the variable.

Precedence: an explicit override, then the environment, then `HOME/settings.env`, then the default.
The demo writes its market data and partition range into its home, so the code location that
`make ui` and the daemon load there (the lazy `defs`) and every CLI command match the demo's.
"""

import os
from datetime import date

import dagster as dg
import pytest

from sigmasight_assets.cli.common import get_settings
from sigmasight_assets.definitions import defs as lazy_defs
from sigmasight_assets.partitions import trading_day_partitions
from sigmasight_resources import calendar
from sigmasight_resources import demo as demo_data
from sigmasight_resources.settings import SettingsError, load_settings, write_home_settings
from tests.support.cli import cli


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh SIGMASIGHT_HOME, with no other SIGMASIGHT_* setting and no DAGSTER_HOME in the environment."""
    for name in list(os.environ):
        if name.upper().startswith("SIGMASIGHT_") or name == "DAGSTER_HOME":
            monkeypatch.delenv(name)
    path = tmp_path / "home"
    monkeypatch.setenv("SIGMASIGHT_HOME", str(path))
    return path


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_override_beats_environment_beats_home_file_beats_default(home, monkeypatch):
    write_home_settings(
        home,
        {"market_data": "csv:/data/closes.csv", "risk_free_rate": "0.05", "partitions_start": "2024-01-02"},
    )
    monkeypatch.setenv("SIGMASIGHT_RISK_FREE_RATE", "0.03")
    settings = load_settings(partitions_start="2025-03-03")
    assert settings.market_data == "csv:/data/closes.csv"  # the file over the default
    assert settings.risk_free_rate == 0.03  # the environment over the file
    assert settings.partitions_start == date(2025, 3, 3)  # the override over the file
    assert settings.partitions_end is None and settings.polygon_requests_per_minute == 5  # defaults
    assert load_settings().partitions_start == date(2024, 1, 2)


def test_writing_the_home_file_keeps_its_other_lines(home):
    write_home_settings(home, {"risk_free_rate": "0.05", "partitions_end": "2026-07-31"})
    write_home_settings(home, {"partitions_end": "2026-06-30"})
    settings = load_settings()
    assert settings.risk_free_rate == 0.05 and settings.partitions_end == date(2026, 6, 30)
    assert (home / "settings.env").read_text().count("SIGMASIGHT_PARTITIONS_END=") == 1


def test_a_partitions_end_before_the_start_names_both_variables(home, monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_START", "2025-01-02")
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_END", "2024-12-31")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == "SIGMASIGHT_PARTITIONS_END 2024-12-31 is before SIGMASIGHT_PARTITIONS_START 2025-01-02"
    line = one_error_line(cli("portfolios", "list", code=2))
    assert "SIGMASIGHT_PARTITIONS_END 2024-12-31" in line and "SIGMASIGHT_PARTITIONS_START 2025-01-02" in line


def test_a_bad_date_names_the_variable_and_the_value(home, monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_PARTITIONS_END", "2025-13-01")
    line = one_error_line(cli("init", code=2))
    assert line.startswith("error: SIGMASIGHT_PARTITIONS_END: ") and "'2025-13-01'" in line


def test_a_bad_value_in_the_home_file_names_the_variable_and_the_file(home):
    write_home_settings(home, {"partitions_start": "last tuesday"})
    line = one_error_line(cli("portfolios", "list", code=2))
    assert f"SIGMASIGHT_PARTITIONS_START (set in {home / 'settings.env'})" in line and "'last tuesday'" in line


def test_an_unknown_or_misplaced_name_in_the_home_file_is_refused(home):
    home.mkdir(parents=True)
    (home / "settings.env").write_text("SIGMASIGHT_MARKET_DAT=simulated\n")
    assert "SIGMASIGHT_MARKET_DAT is not a SigmaSight setting" in one_error_line(cli("init", code=2))
    (home / "settings.env").write_text("SIGMASIGHT_HOME=/elsewhere\n")
    assert "SIGMASIGHT_HOME cannot be set" in one_error_line(cli("init", code=2))


def test_a_secret_is_never_echoed(home, monkeypatch):
    monkeypatch.setenv("SIGMASIGHT_POLYGON_API_KEY", "changeme")
    line = one_error_line(cli("init", code=2))
    assert "SIGMASIGHT_POLYGON_API_KEY" in line and "changeme" not in line


@pytest.mark.parametrize(
    "end",
    [
        date(2026, 7, 31),  # a Friday
        date(2026, 7, 2),  # the eve of a holiday (Independence Day observed on the 3rd)
        date(2026, 7, 3),  # the holiday itself: the last key is the session before
        date(2026, 8, 2),  # a Sunday
        date(2025, 12, 31),  # the year's last session
    ],
)
def test_partitions_end_at_the_last_session_on_or_before_the_end(end):
    start = date(2025, 6, 2)
    keys = trading_day_partitions(start, end).get_partition_keys()
    assert keys == [d.isoformat() for d in calendar.sessions(start, end)]


def test_the_demo_home_loads_the_demo_code_location_without_environment(home, monkeypatch):
    """The demo on a 3-session range; then, with only SIGMASIGHT_HOME set, the code location Dagster
    loads (every asset fully materialized over its partitions) and the CLI's settings are the demo's."""
    monkeypatch.setattr(demo_data, "DEMO_DAYS", 3)
    output = cli("demo").stdout
    assert "company profiles: 35 symbols" in output
    start, end = calendar.previous_sessions(demo_data.DEMO_AS_OF, 2), demo_data.DEMO_AS_OF

    loaded = lazy_defs()
    market_prices = loaded.resolve_assets_def("market_prices")
    assert market_prices.partitions_def.get_partition_keys() == [d.isoformat() for d in calendar.sessions(start, end)]
    assert loaded.resources["market_data"].spec == f"csv:{demo_data.DEMO_PRICES}"

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    for spec in loaded.resolve_all_asset_specs():
        if spec.partitions_def is None:
            assert instance.get_latest_materialization_event(spec.key) is not None, spec.key
        else:
            assert instance.get_materialized_partitions(spec.key) == set(spec.partitions_def.get_partition_keys())

    # Every later command on the home reads the same settings (the CLI's loader, with no override).
    settings = get_settings()
    assert settings.market_data == f"csv:{demo_data.DEMO_PRICES}"
    assert (settings.partitions_start, settings.partitions_end) == (start, end)
