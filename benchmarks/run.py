"""archcost's benchmarks: speed and memory, side by side, in one run.

    python benchmarks/run.py            # the full run (about a minute)
    python benchmarks/run.py --quick    # fewer repetitions

Measures: analysis time per layer at 1k / 10k / 100k layers and the 10k -> 100k
growth; peak memory of the 100k analysis; `archcost table alexnet` as a whole
process against `python -c "import networkx"` (the floor our dependencies set);
sweep variants per second. Each measurement runs in a fresh process, best of N.
Tests never assert times: this script reports them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEEP = os.path.join(HERE, "deep.yaml")
# Run away from the source tree, so that `import archcost` is the installed package, whatever
# the current folder (the source tree's archcost/ has no specs inside it: they install there).
CWD = tempfile.gettempdir()

ANALYZE = """
import json, resource, sys, time
t0 = time.perf_counter()
import archcost
archcost.analyze(sys.argv[1], settings={"n": 8})   # load the op registry: a fixed cost, not per layer
t1 = time.perf_counter()
r = archcost.analyze(sys.argv[1], settings={"n": int(sys.argv[2])}, max_nodes=10**6)   # past the default limit
rows = r.rows()
t2 = time.perf_counter()
print(json.dumps({"layers": len(r.layers), "seconds": t2 - t1, "import": t1 - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SWEEP = """
import json, time
from archcost.sweep import sweep
t = time.perf_counter()
rows = sweep("resnet50", ["resolution=32:{last}:1"])
dt = time.perf_counter() - t
print(json.dumps({"variants": len(rows), "seconds": dt}))
"""

def best(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=CWD)
        times.append(time.perf_counter() - t)
    return min(times)


def analysis(n: int, repeat: int) -> dict:
    runs = [json.loads(subprocess.run([sys.executable, "-c", ANALYZE, DEEP, str(n)], check=True, cwd=CWD,
                                      capture_output=True, text=True).stdout) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    rep = 2 if args.quick else 5

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    rows = []
    results = {}
    for n in (1_000, 10_000, 100_000):
        r = analysis(n, rep)
        results[n] = r
        rows.append((f"analyze {n:,}-layer network", f"{r['seconds']:.3f} s",
                     f"{r['seconds'] / r['layers'] * 1e6:.1f} us/layer, peak {r['peak_mb']:.0f} MB"))
    growth = results[100_000]["seconds"] / results[10_000]["seconds"]
    rows.append(("10k -> 100k layers", f"x{growth:.1f}", "target: at most x12 (linear is x10)"))

    floor = best([sys.executable, "-c", "import networkx"], rep)
    exe = os.path.join(os.path.dirname(sys.executable), "archcost")
    cli = best([exe, "table", "alexnet"], rep)
    rows.append(("python -c 'import networkx'", f"{floor * 1000:.0f} ms", "the floor our dependencies set"))
    rows.append(("archcost table alexnet", f"{cli * 1000:.0f} ms", f"x{cli / floor:.2f} the floor (target: x1.5)"))

    try:
        n = 10_000
        sw = json.loads(subprocess.run([sys.executable, "-c", SWEEP.replace("{last}", str(31 + n))], check=True, cwd=CWD,
                                       capture_output=True, text=True).stdout)
        rows.append((f"sweep {sw['variants']:,} resnet50 variants", f"{sw['seconds']:.2f} s",
                     f"{sw['variants'] / sw['seconds']:,.0f} variants/s (target: 10,000 in under 10 s)"))
    except (subprocess.CalledProcessError, json.JSONDecodeError) as exc:
        rows.append(("sweep", "n/a", f"sweep benchmark failed: {exc}"))

    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>10}  {note}")


if __name__ == "__main__":
    main()
