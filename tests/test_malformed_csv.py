"""1,000 malformed portfolio CSVs (benchmarks/scenarios/malformed_csv.py): the validator rejects each, the
`sigmasight portfolios import` command exits 2 listing the same problems and no traceback, the
API upload answers 4xx (422 with the same problems, or 413 over the size limit), and nothing is
written.

One results DB, CLI home and API app per backend serve every example: 1,000 on SQLite and,
with SIGMASIGHT_TEST_POSTGRES_URL, 250 on PostgreSQL.
"""

import json
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.scenarios.malformed_csv import (
    Case,
    ImportSurfaces,
    documents,
    import_surfaces,
    malformed_csvs,
    rendered,
)
from sigmasight_resources.portfolio_import import parse_positions
from tests.support.postgres import create_postgres_database

QUICK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory) -> Iterator[ImportSurfaces]:
    home = tmp_path_factory.mktemp("malformed_csv")
    with import_surfaces(f"sqlite:///{home / 'results.db'}", home) as surfaces:
        yield surfaces


@pytest.fixture(scope="module")
def on_postgres(tmp_path_factory) -> Iterator[ImportSurfaces]:
    url, drop = create_postgres_database()  # skips without SIGMASIGHT_TEST_POSTGRES_URL
    try:
        with import_surfaces(url, tmp_path_factory.mktemp("malformed_csv_pg")) as surfaces:
            yield surfaces
    finally:
        drop()


def rejected_everywhere(surfaces: ImportSurfaces, case: Case) -> None:
    attempt = surfaces.attempt(case.data)

    assert attempt.problems > 0, f"{case.kind} was accepted"
    assert not attempt.cli_traceback, (case.kind, attempt.cli_unexpected, attempt.cli_stderr)
    assert attempt.cli_exit == 2 and attempt.cli_stdout == "", (case.kind, attempt.cli_exit, attempt.cli_stdout)
    problem = "problem" if attempt.problems == 1 else "problems"
    assert attempt.cli_stderr.endswith(
        f"error: import rejected: {attempt.problems} {problem}; nothing was written\n"
    ), attempt.cli_stderr[-300:]
    assert 400 <= attempt.api_status < 500, (case.kind, attempt.api_status, attempt.api_body[:500])
    if attempt.api_status == 422:  # 413 for a file over the size limit
        assert len(json.loads(attempt.api_body)["error"]["details"]) == attempt.problems
    assert attempt.rows_written == 0, case.kind


@pytest.mark.timeout(60)
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=QUICK)
@given(data=st.data())
def test_the_documents_before_corruption_are_valid(data):
    """So each malformed case is invalid because of its corruption, not of its base."""
    parse_positions(data.draw(rendered(data.draw(documents()))), today=date.today())


# ~45 s of CPU (per case: generation ~9 ms, CLI ~22 ms, API ~11 ms), so ~45 s on an idle 2-core
# machine; the mark leaves room for a loaded one (135 s measured beside another test run).
@pytest.mark.timeout(180)
@settings(max_examples=1000, deadline=None, suppress_health_check=QUICK)
@given(case=malformed_csvs())
def test_a_malformed_csv_is_rejected_by_the_cli_and_the_api_and_writes_nothing(on_sqlite, case: Case):
    rejected_everywhere(on_sqlite, case)


# The same on PostgreSQL, where each CLI run also opens a connection (CLI ~31 ms a case): 250 cases,
# ~15 s of CPU; the importer and the CLI do not depend on the backend until they write.
@pytest.mark.timeout(120)
@settings(max_examples=250, deadline=None, suppress_health_check=QUICK)
@given(case=malformed_csvs())
def test_a_malformed_csv_writes_nothing_on_postgresql(on_postgres, case: Case):
    rejected_everywhere(on_postgres, case)
