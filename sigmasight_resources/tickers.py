"""The ticker grammar: an upper-case root, optionally one share-class suffix after '.' or '-'.

One grammar in two widths. `IMPORTABLE` is what a portfolio upload may name: a root of 1-6
letters and a class suffix of 1-2 letters (AAPL, BRK.B, BRK-B), so a typo or a fund's name is
refused at the door. `QUOTABLE` is what a market-data provider may be asked for: the root may
carry digits after its first letter and the suffix may be longer (X1, ZZZZ-DELISTED), at most
`MAX_QUOTABLE_LENGTH` characters; every importable ticker is quotable.
"""

import re

SEPARATORS = ".-"
MAX_QUOTABLE_LENGTH = 10


def _grammar(root: str, suffix: str) -> re.Pattern[str]:
    return re.compile(rf"{root}(?:[{re.escape(SEPARATORS)}]{suffix})?", re.ASCII)


IMPORTABLE = _grammar(root=r"[A-Z]{1,6}", suffix=r"[A-Z]{1,2}")
QUOTABLE = _grammar(root=r"[A-Z][A-Z0-9]*", suffix=r"[A-Z0-9]+")
