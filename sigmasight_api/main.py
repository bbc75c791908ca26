"""The API app for uvicorn's worker processes: settings from the environment, the local Dagster instance."""

from sigmasight_api.app import create_app
from sigmasight_resources.settings import load_settings


def app_from_environment():
    """The app for `SIGMASIGHT_*` settings; uvicorn's factory for worker processes (`sigmasight api`)."""
    return create_app(load_settings())
