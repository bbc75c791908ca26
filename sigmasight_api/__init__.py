"""SigmaSight's HTTP API: authenticated reads of the results DB and control of runs through the Dagster instance."""
