"""Resources of SigmaSight: settings, results database, market data, trading calendar."""
