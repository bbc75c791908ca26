"""Stored returns of the eight factor ETFs over a scope and a lookback: an input of correlations and stress tests."""

from datetime import date

import pandas as pd

from sigmasight_assets.analytics.factors import FACTOR_ETFS
from sigmasight_assets.analytics.returns import simple_returns
from sigmasight_resources import calendar
from sigmasight_resources.db import queries
from sigmasight_resources.db.resource import ResultsDatabase


def factor_etf_returns(db: ResultsDatabase, start: date, end: date, lookback: int) -> pd.DataFrame:
    """(dates, ETFs): daily returns over [start − lookback sessions, end]."""
    first = calendar.previous_sessions(start, lookback)
    with db.transaction() as session:
        closes = queries.closes(session, FACTOR_ETFS, first, end, calendar.sessions(first, end))
    return simple_returns(closes)
