"""The results database: models, migrations, sessions and queries."""
