"""ONNX import speed: a 100,000-node ONNX graph, read and analyzed, side by side with onnx-tool.

    python benchmarks/onnx_import.py                              # archcost only
    python benchmarks/onnx_import.py --onnx-tool /path/to/python  # and onnx-tool, installed in that Python

The graph is benchmarks/deep.yaml exported by `archcost export` with zero-filled weights (16,666
residual units: conv, batch norm with its two statistics as Constant nodes, ReLU, add; 99,999
nodes). Each tool runs in a fresh process, best of N; wall time and CPU time (on a busy machine the
CPU time is the steadier figure). Tests never assert times: this script reports them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
UNITS = 16_666          # x 6 ONNX nodes, + the pool, flatten and fc: 99,999 nodes (--units 1666: 9,999)

ARCHCOST = """
import json, sys, time
w, c = time.perf_counter(), time.process_time()
import archcost
r = archcost.analyze(sys.argv[1])
print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c, "params": r.totals.params,
                  "flops": r.totals.flops, "layers": len(r.layers)}))
"""

ONNX_TOOL = """
import json, sys, time
w, c = time.perf_counter(), time.process_time()
import numpy, onnx_tool
m = onnx_tool.Model(sys.argv[1])
m.graph.shape_infer({"input": numpy.zeros((1, 16, 8, 8), numpy.float32)})
m.graph.profile()
print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c,
                  "params": int(m.graph.params), "macs": int(sum(m.graph.macs))}))
"""


def run(python, code, path, repeat, timeout=None):
    try:
        results = [json.loads(subprocess.run([python, "-c", code, path], check=True, capture_output=True, text=True,
                                             cwd=tempfile.gettempdir(), timeout=timeout).stdout)
                   for _ in range(repeat)]
    except subprocess.TimeoutExpired:
        return None
    return min(results, key=lambda r: r["wall"]) | {"cpu": min(r["cpu"] for r in results)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx-tool", metavar="PYTHON", help="a Python with onnx-tool installed")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--units", type=int, default=UNITS, help="residual units (6 ONNX nodes each)")
    ap.add_argument("--timeout", type=float, default=600, help="give up on onnx-tool after this many seconds")
    args = ap.parse_args()
    path = os.path.join(tempfile.gettempdir(), f"archcost-deep-{args.units}.onnx")
    if not os.path.exists(path):
        subprocess.run([sys.executable, "-m", "archcost.cli", "export", os.path.join(HERE, "deep.yaml"),
                        "--set", f"n={4 * args.units}", "-o", path], check=True)
    import onnx
    nodes = len(onnx.load(path, load_external_data=False).graph.node)
    ours = run(sys.executable, ARCHCOST, path, args.repeat)
    print(f"archcost   {nodes:,} ONNX nodes: {ours['wall']:.2f} s wall, {ours['cpu']:.2f} s CPU "
          f"({ours['layers']:,} layers, {ours['params']:,} parameters, {ours['flops']:,} FLOPs)", flush=True)
    if args.onnx_tool:
        theirs = run(args.onnx_tool, ONNX_TOOL, path, args.repeat, args.timeout)
        if theirs is None:
            print(f"onnx-tool  {nodes:,} ONNX nodes: not done after {args.timeout:.0f} s")
            return
        print(f"onnx-tool  {nodes:,} ONNX nodes: {theirs['wall']:.2f} s wall, {theirs['cpu']:.2f} s CPU "
              f"({theirs['params']:,} parameters, {theirs['macs']:,} MACs)")
        print(f"archcost is x{theirs['wall'] / ours['wall']:.1f} faster (wall), x{theirs['cpu'] / ours['cpu']:.1f} (CPU)")


if __name__ == "__main__":
    main()
