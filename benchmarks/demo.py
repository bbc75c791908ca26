"""Wall time of `sigmasight demo` (three demo portfolios, 252 trading days) in a fresh home.

.venv/bin/python benchmarks/demo.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SIGMASIGHT_HOME": home}
        env.pop("DAGSTER_HOME", None)
        began = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).with_name("sigmasight")), "demo"], env=env, check=True, capture_output=True
        )
        print(f"sigmasight demo: {time.perf_counter() - began:.1f} s wall (fresh SQLite home)")


if __name__ == "__main__":
    main()
