"""The bad-CSV corpus in `tests/data/bad_csv`, with its future dates written relative to today.

A file may write `{today+N}` for a date N days after the validation day, so a date that must be
in the future stays in the future whenever the tests run.
"""

import re
from datetime import date, timedelta
from pathlib import Path

BAD_CSV = Path(__file__).parents[1] / "data" / "bad_csv"
_RELATIVE = re.compile(rb"\{today\+(\d+)\}")


def corpus_names() -> list[str]:
    """File names of the corpus, sorted."""
    return sorted(p.name for p in BAD_CSV.glob("*.csv"))


def corpus_bytes(name: str, today: date | None = None) -> bytes:
    """The file's bytes with every `{today+N}` replaced by `today` (default: the real today) + N days."""
    day = today or date.today()
    raw = (BAD_CSV / name).read_bytes()
    return _RELATIVE.sub(lambda m: (day + timedelta(days=int(m.group(1)))).isoformat().encode(), raw)


def corpus_file(name: str, folder: Path, today: date | None = None) -> Path:
    """The rendered file written into `folder`, for commands that take a path."""
    path = folder / name
    path.write_bytes(corpus_bytes(name, today))
    return path
