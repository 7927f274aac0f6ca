"""The counting conventions every number depends on, in one immutable value.

>>> Conventions().bytes_per_element, Conventions(dtype="float16").bytes_per_element
(4, 2)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .counting import COUNT_FACTORS, get_convention
from .errors import ArchcostError
from .ops.base import show_big

MAX_BATCH = 2**32   # with at most 2**64 elements per tensor, every count stays exact and finite
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}
DTYPE_ALIASES = {"fp32": "float32", "fp16": "float16", "half": "float16", "bf16": "bfloat16", "fp64": "float64"}


@dataclass(frozen=True)
class Conventions:
    bias_flops: bool = True     # the seed's default: count the bias add (x 364 for AlexNet conv1)
    dtype: str = "float32"      # memory is output elements x bytes per element
    batch: int = 1              # memory and FLOPs scale with the batch; parameters do not
    kb: int = 1024              # the lecture's KB is 1024 bytes
    convention: str = "lecture"  # the FLOP counting convention (archcost.counting): lecture, torchvision, fvcore...
    count: str = "macs"          # macs, or flops: 2 per multiply-add

    def __post_init__(self):
        object.__setattr__(self, "dtype", DTYPE_ALIASES.get(self.dtype, self.dtype))   # --dtype bf16
        if self.dtype not in DTYPE_BYTES:
            raise ArchcostError(f"unknown dtype '{self.dtype}'", f"use one of {', '.join(DTYPE_BYTES)}")
        if isinstance(self.batch, bool) or not isinstance(self.batch, int) or not 1 <= self.batch <= MAX_BATCH:
            shown = show_big(self.batch) if isinstance(self.batch, int) else repr(self.batch)
            raise ArchcostError(f"batch must be a positive integer up to 2**32, got {shown}",
                                "use e.g. --batch 8")
        get_convention(self.convention)
        if self.count not in COUNT_FACTORS:
            raise ArchcostError(f"unknown count '{self.count}'", "use macs or flops")

    @property
    def counting(self):
        """The FLOP convention's table (:class:`archcost.counting.Convention`)."""
        return get_convention(self.convention)

    @property
    def flop_factor(self) -> int:
        return COUNT_FACTORS[self.count]

    def flops_text(self) -> str:
        """What the FLOPs column counts, in words: 'multiply-adds incl. the bias add'.

        >>> Conventions(convention="torchvision", count="flops").flops_text()
        'floating-point operations, 2 per multiply-add under the torchvision convention (not counted: bias adds, batch norm, layer norm, layer scale, pooling, activations, softmax, adds, SE multiplies)'
        """
        unit = "multiply-adds" if self.count == "macs" else "floating-point operations, 2 per multiply-add"
        if self.counting.rules:   # a tool's table, not the ops' own rules
            return (f"{unit} under the {self.convention} convention" + ("" if self.bias_flops else
                                                                          ", without the bias add")
                    + f" (not counted: {self.counting.leaves_out})")
        return unit + (" incl. the bias add" if self.bias_flops else " without the bias add")

    @property
    def bytes_per_element(self) -> int:
        return DTYPE_BYTES[self.dtype]

    def to_dict(self) -> dict:
        return {**asdict(self), "bytes_per_element": self.bytes_per_element,
                "flops": self.flops_text(),
                "rounding": "floor unless ceil_mode", "memory": "output elements x bytes / kb"}
