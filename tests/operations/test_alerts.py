"""Failure alerts and completion summaries: a real failed run, a local HTTP webhook, and a down one."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from benchmarks.scenarios.pipeline import STOCKS
from sigmasight_assets.assets import DAY_ASSETS
from sigmasight_assets.automation.alerts import AlertWebhook, run_failure_alert_sensor, summarize_run
from sigmasight_assets.pipeline.tags import portfolio_range_tags
from sigmasight_resources.market_data import PermanentMarketDataError, SimulatedMarketData
from tests.support.bench import Bench


class Receiver(BaseHTTPRequestHandler):
    """Collects POSTed JSON bodies on the server object."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


@pytest.fixture
def webhook_url():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", server.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def failed_run(bench: Bench, monkeypatch) -> dg.DagsterRun:
    """A day-level run that fails: the vendor refuses the request (a permanent error, e.g. bad credentials)."""

    def refuse(self, symbols, start, end):
        raise PermanentMarketDataError("401: bad API key")

    monkeypatch.setattr(SimulatedMarketData, "daily_closes", refuse)
    bench.add_portfolio("alerts", [dict(s) for s in STOCKS[:2]])
    result = dg.materialize(
        list(bench.defs.assets),
        selection=list(DAY_ASSETS),
        instance=bench.instance,
        partition_key="2025-03-05",
        resources=bench.defs.resources,
        raise_on_error=False,
    )
    assert not result.success
    return bench.instance.get_run_by_id(result.run_id)


def evaluate_failure_sensor(bench: Bench, run: dg.DagsterRun, webhook: AlertWebhook) -> None:
    event = next(e for e in bench.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE))
    with dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_instance=bench.instance,
        dagster_run=run,
        dagster_event=event.dagster_event,
        resources={"db": bench.defs.resources["db"], "alert_webhook": webhook},
    ) as context:
        run_failure_alert_sensor(context.for_run_failure())


def test_failure_alert_reaches_the_webhook_with_the_summary(bench, failed_run, webhook_url):
    url, received = webhook_url
    run = failed_run
    evaluate_failure_sensor(bench, run, AlertWebhook(url=url))
    [(content_type, payload)] = received
    assert content_type == "application/json"
    assert payload["run_id"] == run.run_id and payload["status"] == "FAILURE"
    assert "market_prices: 0 partitions succeeded, 1 failed" in payload["text"]  # Slack shows `text`
    assert "bad API key" in payload["text"]


def test_a_down_webhook_is_logged_not_raised(bench, failed_run, webhook_url):
    url, _ = webhook_url
    run = failed_run
    down = AlertWebhook(url="http://127.0.0.1:9/hook", timeout_seconds=1)  # discard port: connection refused
    evaluate_failure_sensor(bench, run, down)  # returns normally: the sensor tick does not fail
    assert down.post({"text": "x"}, dg.get_dagster_logger()) is False


def test_summary_counts_partitions_per_asset_and_names_portfolios_behind(bench, failed_run):
    run = failed_run
    summary = summarize_run(bench.instance, run, bench.defs.resources["db"])
    assert summary.failed == {"market_prices": 1, "symbol_factor_exposures": 1, "symbol_metrics": 1, "risk_model": 1}
    assert summary.succeeded == {} and summary.status == "FAILURE" and summary.seconds is not None
    assert "2025-03-05" in summary.text() and "portfolios behind" in summary.text()


@pytest.mark.parametrize(
    "portfolios, who", [(["7"], "portfolio 7"), (["7", "8", "10"], "3 portfolios"), (None, "every portfolio")]
)
def test_summary_names_the_portfolios_a_portfolio_level_run_writes(bench, portfolios, who):
    tags = portfolio_range_tags("2025-03-05", "2025-03-07", portfolios)
    run = bench.record_run(tags, dg.DagsterRunStatus.FAILURE)
    summary = summarize_run(bench.instance, run, bench.defs.resources["db"])
    assert summary.scope == f"{who}, 2025-03-05..2025-03-07"


def test_permanent_vendor_error_is_not_retried(bench, failed_run):
    run = failed_run
    retries = bench.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert retries == []
    market = next(a for a in bench.defs.assets if a.key == dg.AssetKey("market_prices"))
    policy = market.op.retry_policy
    assert policy.max_retries == 3 and policy.backoff == dg.Backoff.EXPONENTIAL


def test_summary_lists_every_hole_of_every_portfolio(bench):
    holed = str(bench.add_portfolio("holed", [dict(s) for s in STOCKS[:2]]))
    current = str(bench.add_portfolio("current", [dict(s) for s in STOCKS[:2]]))
    days = ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07"]
    bench.materialized([d for d in days if d != "2025-03-06"])  # the day level lacks 03-06 as well
    bench.completed(["2025-03-03", "2025-03-05"], holed)
    bench.completed([d for d in days if d != "2025-03-06"], current)
    run = bench.record_run(portfolio_range_tags("2025-03-07", "2025-03-07"), dg.DagsterRunStatus.SUCCESS)
    summary = summarize_run(bench.instance, run, bench.defs.resources["db"])
    assert summary.behind == {
        holed: [("2025-03-04", "2025-03-04"), ("2025-03-06", "2025-03-07")],
        current: [("2025-03-06", "2025-03-06")],
    }
    assert f"portfolio {holed} (3 days): 2025-03-04, 2025-03-06..2025-03-07" in summary.text()
    assert "portfolios behind: 2" in summary.text()
