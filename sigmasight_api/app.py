"""The app factory: settings, the results DB, the Dagster instance and the asset graph live on `app.state`.

Nothing is module-level: each `create_app` call is independent, so tests build one app per
database and instance, and the server builds one from the environment.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import dagster as dg
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from sigmasight_api import errors
from sigmasight_api.limits import BodySizeLimit
from sigmasight_api.report_cache import ReportCache
from sigmasight_api.routers import (
    admin_assets,
    admin_audit,
    admin_runs,
    admin_symbols,
    admin_users,
    amendments,
    health,
    me,
    portfolios,
    results,
)
from sigmasight_assets.definitions import build_definitions
from sigmasight_assets.runs.instance import local_instance
from sigmasight_resources.db.session import ResultsDB
from sigmasight_resources.portfolio_import import MAX_IMPORT_BYTES
from sigmasight_resources.settings import Settings

API_PREFIX = "/api/v1"
# The CSV limit plus room for the multipart envelope and the `name` field.
MAX_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024
DOCS_STATIC_URL = "/docs-static"  # the Swagger UI and ReDoc scripts, stylesheet and favicon


def create_app(settings: Settings, instance: dg.DagsterInstance | None = None) -> FastAPI:
    """The API over `settings`' results DB and `instance` (default: the local instance at DAGSTER_HOME)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = instance is None
        app.state.settings = settings
        app.state.db = ResultsDB(settings.results_url)
        app.state.instance = local_instance(settings) if owned else instance
        app.state.asset_graph = build_definitions(settings).resolve_asset_graph()
        app.state.report_cache = ReportCache()
        try:
            yield
        finally:
            app.state.db.dispose()
            if owned:
                app.state.instance.dispose()

    # FastAPIOffline: a FastAPI whose /docs and /redoc load Swagger UI and ReDoc from the files the
    # fastapi-offline package ships (mounted at DOCS_STATIC_URL), so the docs work with no internet.
    app = FastAPIOffline(
        static_url=DOCS_STATIC_URL,
        title="SigmaSight API",
        version="1",
        description="Portfolio risk results, CSV onboarding and run control. Bearer-token auth.",
        lifespan=lifespan,
        responses={401: {"model": errors.ErrorPublic}, 403: {"model": errors.ErrorPublic}},
    )
    errors.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.include_router(health.router)
    for module in (me, portfolios, results, admin_users, admin_runs, admin_assets, admin_audit, admin_symbols):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(amendments.router, prefix=API_PREFIX)
    return app
