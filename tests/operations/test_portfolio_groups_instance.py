"""SIGMASIGHT_PORTFOLIO_GROUPS=K on the local instance: dagster.yaml installed with K portfolio-level runs at
once, and the sigmasight_portfolio pool limit set to K in the instance (the day level stays at one)."""

import dagster as dg
import yaml

from sigmasight_assets.pipeline.pools import DAY_POOL, PORTFOLIO_POOL
from sigmasight_assets.runs.instance import local_instance
from sigmasight_resources.settings import load_settings


def limits(home) -> dict[str, int]:
    config = yaml.safe_load((home / "dagster.yaml").read_text())["concurrency"]["runs"]["tag_concurrency_limits"]
    return {item["value"]: item["limit"] for item in config if item["key"] == "sigmasight/level"}


def test_k_groups_set_the_level_limit_and_the_pool(tmp_path):
    settings = load_settings(home=tmp_path / "home", database_url="sqlite://", portfolio_groups=3)
    with local_instance(settings) as instance:
        assert isinstance(instance, dg.DagsterInstance)
        assert instance.event_log_storage.get_concurrency_info(PORTFOLIO_POOL).slot_count == 3
        assert instance.event_log_storage.get_concurrency_info(DAY_POOL).slot_count == 0  # default_limit: 1
    assert limits(settings.dagster_home) == {"day": 1, "portfolio": 3}
    one = load_settings(home=tmp_path / "home", database_url="sqlite://")
    with local_instance(one) as instance:  # K back to 1: the pool follows, the installed file is the operator's
        assert instance.event_log_storage.get_concurrency_info(PORTFOLIO_POOL).slot_count == 1
