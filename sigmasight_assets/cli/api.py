"""`sigmasight api`: serve the HTTP API (uvicorn) over the configured results DB and Dagster instance."""

import typer

from sigmasight_assets.cli.common import cli_errors, open_db


def register(app: typer.Typer) -> None:
    @app.command("api")
    def api(
        host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
        workers: int = typer.Option(1, "--workers", min=1, help="uvicorn worker processes"),
    ) -> None:
        """Serve the API at http://HOST:PORT/api/v1 (OpenAPI at /docs); the schema must be migrated."""
        from sigmasight_api.main import serve  # FastAPI and uvicorn load only for this command

        with cli_errors(), open_db():  # fails with one line when the results DB is unreachable or not migrated
            pass
        serve(host, port, workers)
