"""Start-up (README, Performance): the front-ends' libraries are imported only by the commands that
need them; `archcost table alexnet` loads no onnx, no torch, no front-end module."""

import subprocess
import sys

CODE = """
import sys
from archcost.cli import main
try:
    main(["table", "alexnet"])
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("onnx", "torch") or m.startswith("archcost.frontends")))
"""


def test_table_imports_no_front_end():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"
    assert "conv1" in out      # the table was printed: the lecture's AlexNet
