"""Memory is exact: whole bytes (memory_bytes) on every layer and total, KB as an exact fraction.

memory_kb stays in the JSON (a float, as before); --exact and the worksheet keys print from the
integer, so no digit is lost at any batch or tensor size.
"""

from __future__ import annotations

import json
from fractions import Fraction

import archcost
from archcost.render.units import exact_text

# EECS 498 lecture 8, AlexNet table, memory (KB) per row: conv1 784, pool1 182.25, conv2 546.75, pool2 126.75,
# conv3 253.5, conv4 169, conv5 169, pool5 36, flatten 36, fc6 16, fc7 16, fc8 3.90625 (the table rounds them)
ALEXNET_KB = [784, 182.25, 546.75, 126.75, 253.5, 169, 169, 36, 36, 16, 16, 3.90625]


def test_every_row_and_the_total_carry_exact_bytes(run):
    doc = json.loads(run("table", "alexnet", "--format", "json").stdout)
    assert [x["memory_bytes"] for x in doc["layers"]] == [int(kb * 1024) for kb in ALEXNET_KB]
    assert doc["totals"]["memory_bytes"] == 2_395_296 == int(sum(ALEXNET_KB) * 1024)
    assert doc["totals"]["memory_kb"] == 2_339.15625     # kept for compatibility: the same figure in KB
    assert archcost.analyze("alexnet").layer("conv1").memory_bytes == 64 * 56 * 56 * 4


def test_exact_prints_kb_as_an_exact_fraction(run):
    rows = {line.split()[0]: line.split() for line in run("table", "alexnet", "--exact").stdout.splitlines()[4:]
            if line.strip()}
    assert rows["conv3"][-3] == "253.5" and rows["fc8"][-3] == "3.90625" and rows["total"][-3] == "2,339.15625"


def test_a_huge_batch_loses_no_digit(run):
    # 2,395,296 bytes at float32 are 598,824 elements; int8 at batch 2**32 - 1: 598,824 x 4,294,967,295 bytes
    res = run("table", "alexnet", "--batch", "4294967295", "--dtype", "int8", "--exact")
    total = next(line for line in res.stdout.splitlines() if line.startswith("total")).split()
    assert total[1] == exact_text(Fraction(598_824 * 4_294_967_295, 1024)) == "2,511,649,897,911.2109375"
    doc = json.loads(run("table", "alexnet", "--batch", "4294967295", "--dtype", "int8", "--format", "json").stdout)
    assert doc["totals"]["memory_bytes"] == 598_824 * 4_294_967_295


def test_a_tensor_past_2_to_the_52_elements_is_not_rounded(run, tmp_path):
    # (2**31 + 1)**2 = 2**62 + 2**32 + 1 elements, one byte each: 2**52 + 2**22 + 1/1024 KB, which no float holds
    path = tmp_path / "big.yaml"
    path.write_text("name: big\ninput: [1, 2147483649, 2147483649]\n"
                    "layers:\n  - {name: pool, op: maxpool, kernel: 1}\n")
    out = run("table", str(path), "--dtype", "int8", "--exact").stdout
    assert "4,503,599,631,564,800.0009765625" in out
    doc = json.loads(run("table", str(path), "--dtype", "int8", "--format", "json").stdout)
    assert doc["layers"][0]["memory_bytes"] == doc["totals"]["memory_bytes"] == (2**31 + 1) ** 2
