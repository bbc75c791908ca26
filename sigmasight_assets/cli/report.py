"""`sigmasight report`: a portfolio's risk report for a date, as tables or one JSON object."""

import json

import typer
from rich.markup import escape
from rich.table import Table

from sigmasight_assets.cli.common import cli_errors, open_db, parse_day, stdout
from sigmasight_resources.db.report import build_report


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        portfolio_id: int = typer.Argument(..., help="portfolio id"),
        day: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default: latest materialized)"),
        as_json: bool = typer.Option(False, "--json", help="print the report as one JSON object"),
    ) -> None:
        """A portfolio's risk report for a date."""
        with cli_errors():
            as_of = parse_day(day, "--date") if day else None
            with open_db() as db, db.transaction() as session:
                data = build_report(session, portfolio_id, as_of)
            if as_json:
                typer.echo(json.dumps(data, indent=2))
            else:
                print_report(data)


PARAMETRIC = (
    ("parametric VaR 95 (1d)", "parametric_var_95"),
    ("parametric VaR 99 (1d)", "parametric_var_99"),
    ("parametric ES 95 (1d)", "parametric_es_95"),
    ("parametric ES 99 (1d)", "parametric_es_99"),
)


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def worst_scenario(data: dict) -> dict | None:
    scored = [s for s in data["stress_tests"]["scenarios"] if s["correlated_pnl"] is not None]
    return min(scored, key=lambda s: s["correlated_pnl"], default=None)


def print_summary(data: dict, source: str | None = None) -> None:
    """A portfolio-day in one figure per line (fits a narrow terminal): the market data `source` when
    given, NAV, cash, gross and net leverage, daily P&L, market beta, 21-day vol and the worst stress scenario.

    Cash and leverage show "–" in results stored before the cash account existed."""
    snapshot, worst = data["snapshot"], worst_scenario(data)
    table = Table(title=f"{data['portfolio']['name']} (id {data['portfolio']['id']}) as of {data['as_of']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [("data source", source)] if source else []
    rows += [
        ("NAV", _money(snapshot["nav"])),
        ("cash", _dash(snapshot["cash"], ",.0f")),
        ("gross leverage", _dash(snapshot["gross_leverage"], ".2f", "x")),
        ("net leverage", _dash(snapshot["net_leverage"], ".2f", "x")),
        ("daily P&L", _money(snapshot["daily_pnl"])),
        ("market beta", _num(data["betas"]["market_beta"])),
        ("21d vol", _pct(data["volatility"]["realized_21d"])),
        (
            "worst stress scenario",
            f"{worst['name']} {_money(worst['correlated_pnl'])} ({_pct(worst['correlated_pct'])})" if worst else "n/a",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    stdout().print(table)


def _dash(value: float | None, spec: str, suffix: str = "") -> str:
    """A capital figure, or "–" where the snapshot stores none."""
    return "–" if value is None else f"{value:{spec}}{suffix}"


def print_report(data: dict) -> None:
    console = stdout()
    print_summary(data)
    snap = data["snapshot"]
    console.print(
        f"NAV {_dash(snap['nav'], ',.0f')}  cash {_dash(snap['cash'], ',.0f')}  gross leverage "
        f"{_dash(snap['gross_leverage'], '.2f', 'x')}  net leverage {_dash(snap['net_leverage'], '.2f', 'x')}  "
        f"external flow {_dash(snap['external_flow'], ',.0f')}"
    )
    console.print(
        f"long {_money(snap['long_exposure'])}  short {_money(snap['short_exposure'])}  gross "
        f"{_money(snap['gross_exposure'])}  net {_money(snap['net_exposure'])}  return {_pct(snap['daily_return'])}  "
        f"cumulative P&L {_money(snap['cumulative_pnl'])}  [{snap['data_quality']['flag']}]"
    )
    positions = Table(title="Positions")
    for column in ("symbol", "class", "quantity", "price", "market value", "weight", "beta", "delta"):
        positions.add_column(column, justify="left" if column in ("symbol", "class") else "right")
    for p in data["positions"]:
        positions.add_row(
            p["symbol"],
            p["investment_class"],
            _num(p["quantity"], 0),
            _num(p["price"]),
            _money(p["market_value"]),
            _pct(p["weight"]),
            _num(p["market_beta"]),
            _num(p["greeks"]["delta"]) if p["greeks"] else "",
        )
    console.print(positions)
    factors = Table(title=f"Factor exposures [{(data['factor_exposures']['data_quality'] or {}).get('flag')}]")
    factors.add_column("factor")
    factors.add_column("beta", justify="right")
    factors.add_column("dollar exposure", justify="right")
    for name, value in data["factor_exposures"]["factors"].items():
        factors.add_row(name, _num(value["beta"], 3), _money(value["dollar_exposure"]))
    console.print(factors)
    vol = data["volatility"]
    console.print(
        f"volatility: 21d {_pct(vol['realized_21d'])}  63d {_pct(vol['realized_63d'])}  252d "
        f"{_pct(vol['realized_252d'])}  HAR 1d {_pct(vol['har_forecast_1d'])}  21d {_pct(vol['har_forecast_21d'])}  "
        f"VaR95 {_pct(vol['var_95'])}  VaR99 {_pct(vol['var_99'])}  ES95 {_pct(vol['es_95'])}  "
        f"ES99 {_pct(vol['es_99'])}  [{(vol['data_quality'] or {}).get('flag')}]"
    )
    corr = data["correlations"]
    console.print(
        f"correlation: average {_num(corr['average'])}  weighted {_num(corr['weighted'])}  "
        f"clusters {[c for c in corr['clusters'] if len(c) > 1]}  excluded {corr['excluded_positions']}"
    )
    stress = Table(title="Stress tests")
    for column in ("scenario", "category", "direct P&L", "direct %", "correlated P&L", "correlated %"):
        stress.add_column(column, justify="left" if column in ("scenario", "category") else "right")
    for s in data["stress_tests"]["scenarios"]:
        stress.add_row(
            s["name"],
            s["category"],
            _money(s["direct_pnl"]),
            _pct(s["direct_pct"]),
            _money(s["correlated_pnl"]),
            _pct(s["correlated_pct"]),
        )
    console.print(stress)
    print_risk(data["risk"])


def print_risk(risk: dict) -> None:
    """The risk section: ex-ante vol and its split, tracking error, parametric VaR/ES, top contributions."""
    console = stdout()
    flag = (risk["data_quality"] or {}).get("flag", "not computed")
    table = Table(title=escape(f"Ex-ante risk [{flag}]"))
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("ex-ante vol", _pct(risk["ex_ante_vol"])),
        ("factor vol", _pct(risk["factor_vol"])),
        ("specific vol", _pct(risk["specific_vol"])),
        (f"tracking error vs {risk['benchmark'] or 'n/a'}", _pct(risk["tracking_error"])),
        *((label, _pct(risk[key])) for label, key in PARAMETRIC),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    scored = [(n, f) for n, f in risk["factor_contributions"].items() if f["contribution"] is not None]
    if scored:
        factors = Table(title="Factor contributions to ex-ante vol")
        for column in ("factor", "exposure", "contribution", "share"):
            factors.add_column(column, justify="left" if column == "factor" else "right")
        for name, f in sorted(scored, key=lambda item: -abs(item[1]["contribution"])):
            factors.add_row(name, _num(f["exposure"], 3), _pct(f["contribution"]), _pct(f["pct"]))
        console.print(factors)
    if risk["position_contributions"]:
        count = risk["position_contributions_count"]
        positions = Table(title=f"Top position contributions (5 of {count})" if count > 5 else "Position contributions")
        for column in ("symbol", "weight", "contribution", "share"):
            positions.add_column(column, justify="left" if column == "symbol" else "right")
        for p in risk["position_contributions"][:5]:
            positions.add_row(p["symbol"], _pct(p["weight"]), _pct(p["contribution"]), _pct(p["pct"]))
        console.print(positions)
