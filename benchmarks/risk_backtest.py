"""Risk backtest on real closes: three real-ticker books held from 2019-12-31, 2020-01-02..2026-07-31.

Materializes the asset graph on a long-format price file (`date,symbol,close`) through the CSV
provider, then prints per portfolio: the `Market -5%` stress ratio (correlated and direct) on the
25 worst SPY days, the ex-ante vol bias statistic, VaR 95%/99% exceedances with Kupiec's and
Christoffersen's LRs, and the largest |Σ position contributions − ex-ante vol|; then one JSON line.
The packaged demo slice starts in 2022-08, too late, so `--prices` is required: a file with the
books' symbols and the eight factor ETFs from 2018 (505 closes before the start) to the end, e.g.
the yfinance adjusted closes `dsturdy_factor_attribution_adjclose.csv` (76 symbols, 2014..2026-07-31):

    .venv/bin/python benchmarks/risk_backtest.py --prices PATH/dsturdy_factor_attribution_adjclose.csv
    .venv/bin/python benchmarks/risk_backtest.py --prices PATH/... --markdown   # the table for the README
"""

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the `benchmarks` package

from benchmarks.scenarios.risk_backtest import BOOKS, materialize, measure, stored_rows, table

START, END = date(2020, 1, 2), date(2026, 7, 31)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prices", type=Path, required=True, help="long-format price file date,symbol,close (.csv or .csv.gz)"
    )
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--end", type=date.fromisoformat, default=END)
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = parser.parse_args()

    began = time.perf_counter()

    def progress(planned, outcome) -> None:
        if outcome is None:
            print(f"running {planned.label}", flush=True)
        else:
            print(f"  {'done' if outcome.success else 'FAILED'} in {outcome.seconds:.0f} s", flush=True)

    with tempfile.TemporaryDirectory() as workdir:
        db, ids = materialize(args.prices, Path(workdir), BOOKS, args.start, args.end, progress)
        try:
            results = {name: measure(stored_rows(db, pid)) for name, pid in ids.items()}
        finally:
            db.dispose()
    wall = time.perf_counter() - began
    print(f"\nrisk backtest {args.start}..{args.end} on {args.prices.name}, {wall:.0f} s wall\n")
    print(table(results, markdown=args.markdown))
    print(json.dumps({"start": str(args.start), "end": str(args.end), "wall_s": round(wall, 1), "portfolios": results}))


if __name__ == "__main__":
    main()
