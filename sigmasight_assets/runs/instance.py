"""The local Dagster instance: DAGSTER_HOME (default HOME/dagster) configured by the repository's dagster.yaml.

`SIGMASIGHT_PORTFOLIO_GROUPS=K` lets K portfolio-level runs (the close sensor's K disjoint groups)
run at once: the installed dagster.yaml gets K as its `sigmasight/level=portfolio` run limit, and
the instance's `sigmasight_portfolio` pool limit (stored in the instance, not in dagster.yaml) is
set to K whenever the home is prepared (`sigmasight init` and every command opening the instance). The results
DB's portfolio row locks keep disjoint groups from blocking each other.
"""

import re
from pathlib import Path

import dagster as dg

from sigmasight_assets.pipeline.pools import PORTFOLIO_POOL
from sigmasight_resources.settings import Settings

INSTANCE_CONFIG = Path(__file__).resolve().parents[2] / "dagster.yaml"
# The portfolio level's run-tag limit in dagster.yaml: `value: portfolio` followed by `limit: N`.
_LEVEL_LIMIT = re.compile(r"(- key: sigmasight/level\n\s+value: portfolio\n\s+limit: )1\b")
# The SQLite storage's folder in dagster.yaml, relative to a DAGSTER_HOME the file cannot know.
_STORAGE_DIR = re.compile(r"(\n\s+base_dir: )DAGSTER_HOME(/storage\n)")


def instance_config(groups: int, home: Path) -> str:
    """The repository's dagster.yaml for `home`: its storage folder under `home` and the portfolio
    level's run limit set to `groups`."""
    text = _set_once(INSTANCE_CONFIG.read_text(), _LEVEL_LIMIT, str(groups), "sigmasight/level=portfolio limit of 1")
    return _set_once(text, _STORAGE_DIR, str(home.resolve()), "storage base_dir of DAGSTER_HOME/storage")


def _set_once(text: str, pattern: re.Pattern, value: str, what: str) -> str:
    """`text` with the one match of `pattern` given `value` between its groups."""
    rendered, count = pattern.subn(lambda m: m.group(1) + value + "".join(m.groups()[1:]), text)
    if count != 1:
        raise ValueError(f"{INSTANCE_CONFIG} has no single {what} to set")
    return rendered


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME, install the instance config there if it has none, and set the pool limit."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        if not INSTANCE_CONFIG.exists():
            raise FileNotFoundError(f"instance config {INSTANCE_CONFIG} is missing; reinstall the project")
        target.write_text(instance_config(settings.portfolio_groups, home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        apply_portfolio_groups(instance, settings.portfolio_groups)
    return home


def apply_portfolio_groups(instance: dg.DagsterInstance, groups: int) -> None:
    """Set the `sigmasight_portfolio` pool's limit to `groups` (K portfolio-level runs at once)."""
    storage = instance.event_log_storage
    if storage.get_concurrency_info(PORTFOLIO_POOL).slot_count != groups:
        storage.set_concurrency_slots(PORTFOLIO_POOL, groups)


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance at DAGSTER_HOME, whose runs the Dagster UI shows."""
    return dg.DagsterInstance.from_config(str(prepare_dagster_home(settings)))
