"""SigmaSight's Dagster asset graph: partitions, assets per phase, checks, schedules, sensors."""
