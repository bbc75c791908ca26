"""Serve the API with uvicorn: settings from the environment, the local Dagster instance."""

import uvicorn

from sigmasight_api.app import create_app
from sigmasight_resources.settings import load_settings


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run until interrupted. With `workers > 1` uvicorn forks processes that each build the app."""
    if workers > 1:
        uvicorn.run(
            "sigmasight_api.main:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
    else:
        uvicorn.run(app_from_environment(), host=host, port=port, log_level="info")


def app_from_environment():
    """The app for `SIGMASIGHT_*` settings; uvicorn's factory for worker processes."""
    return create_app(load_settings())
