"""`sigmasight api`: serve the HTTP API (uvicorn) over the configured results DB and Dagster instance.

Keep-alive: uvicorn closes a connection whose next request it has not read `--timeout-keep-alive`
seconds after the previous response. Its default, 5 s, equals httpx's default idle expiry, so a
client reusing a connection idle for just under 5 s races the close and gets a reset
(`httpx.ReadError`); and because that timer runs on the worker's event loop, a worker stalled for
5 s under load drops connections whose requests are already waiting in the socket. 30 s keeps
both out of reach; behind a proxy, set it above the proxy's idle timeout.

Worker health check: with `--workers N > 1` the supervisor kills (SIGKILL) a worker that does not
answer a ping within `--timeout-worker-healthcheck` seconds, dropping every connection it holds.
A worker is spawned, so it first re-imports this CLI (the process's main module) before it can
answer; on a loaded 2-core machine that took 29 s, and with uvicorn's 5 s default workers were
killed and respawned in a loop without ever serving. 60 s leaves room for that and for a stalled
worker to recover.

The Dagster instance is opened once here, before any worker starts: on a fresh DAGSTER_HOME two
workers creating its SQLite storage at once both stamp its schema version, and every later
start then fails ("more than one head present").
"""

import typer

from sigmasight_assets.cli.common import cli_errors, get_settings, open_db
from sigmasight_assets.runs.instance import local_instance

KEEP_ALIVE_SECONDS = 30
WORKER_HEALTHCHECK_SECONDS = 60
APP_FACTORY = "sigmasight_api.main:app_from_environment"


def register(app: typer.Typer) -> None:
    @app.command("api")
    def api(
        host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
        port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
        workers: int = typer.Option(1, "--workers", min=1, help="uvicorn worker processes"),
        keep_alive: int = typer.Option(
            KEEP_ALIVE_SECONDS,
            "--timeout-keep-alive",
            min=1,
            help="seconds an idle keep-alive connection stays open (above clients' and proxies' idle expiry)",
        ),
        healthcheck: int = typer.Option(
            WORKER_HEALTHCHECK_SECONDS,
            "--timeout-worker-healthcheck",
            min=1,
            help="seconds a worker may take to answer the supervisor's ping before it is killed and replaced",
        ),
        access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="log one line per request"),
    ) -> None:
        """Serve the API at http://HOST:PORT/api/v1 (OpenAPI at /docs); the schema must be migrated."""
        import uvicorn  # FastAPI and uvicorn load only for this command

        with cli_errors(), open_db():  # fails with one line when the results DB is unreachable or not migrated
            local_instance(get_settings()).dispose()  # its storage exists before any worker starts
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            timeout_keep_alive=keep_alive,
            timeout_worker_healthcheck=healthcheck,
            access_log=access_log,
            log_level="info",
        )
