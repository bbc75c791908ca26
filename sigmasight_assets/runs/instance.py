"""The local Dagster instance: DAGSTER_HOME (default HOME/dagster) configured by the repository's dagster.yaml."""

import shutil
from pathlib import Path

import dagster as dg

from sigmasight_resources.settings import Settings

INSTANCE_CONFIG = Path(__file__).resolve().parents[2] / "dagster.yaml"


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME and install the instance config there if it has none."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists():
        if not INSTANCE_CONFIG.exists():
            raise FileNotFoundError(f"instance config {INSTANCE_CONFIG} is missing; reinstall the project")
        shutil.copyfile(INSTANCE_CONFIG, target)
    return home


def local_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance at DAGSTER_HOME, whose runs the Dagster UI shows."""
    return dg.DagsterInstance.from_config(str(prepare_dagster_home(settings)))
