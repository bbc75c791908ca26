"""All tables of the results database, as one metadata for migrations."""

from sigmasight_resources.db import models, profiles, results  # noqa: F401  (registers every table)
from sigmasight_resources.db.models import Base

metadata = Base.metadata
