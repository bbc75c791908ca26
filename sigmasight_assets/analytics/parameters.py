"""Windows and thresholds of the analytics, in trading days, in one place (docs/ANALYTICS.md)."""

LOOKBACK = 253  # longest analytics window (252 returns) + 1 close
BETA_WINDOW = 90
MIN_REGRESSION_DAYS = 30
FULL_REGRESSION_DAYS = 60  # 30–59 observations are computed but flagged limited_history
STYLE_WINDOW = 150
STYLE_MIN_OBS = 60
VOL_WINDOWS = (21, 63, 252)
HAR_WINDOW = 252
HAR_MIN_OBS = 60
VAR_WINDOW = 252
VAR_MIN_OBS = 60
CORRELATION_WINDOW = 90
CORRELATION_MIN_OBS = 20
CLUSTER_THRESHOLD = 0.3
STRESS_BETA_WINDOW = 252
BETA_BOUNDS = (-5.0, 5.0)  # sanity bounds for the warning check
OPTION_VOL_WINDOW = 63  # realized vol of the underlying that prices an option
SYMBOL_METRICS_LOOKBACK = 64  # closes before a range that symbol_metrics needs (63-day vol + 1)
STALE_PRICE_SESSIONS = 5  # a missing close is carried this many sessions, then the position is unpriced
