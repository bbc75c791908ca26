"""Wall and CPU time of `sigmasight demo` (three demo portfolios, the 252 trading days to 2026-07-31
on the packaged real closes) in a fresh home.

.venv/bin/python benchmarks/demo.py
"""

import os
import resource
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
        wall = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"sigmasight demo: {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU (fresh SQLite home)")


if __name__ == "__main__":
    main()
