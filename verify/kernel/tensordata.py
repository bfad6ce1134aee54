"""Dense float tensors as model files store them: raw little-endian storages and strided views.  [trusted; stdlib]

Shared by the two readers of verify/kernel/modelfile.py (safetensors, and torch's zip archives in
verify/kernel/torchzip.py).
Values are decoded exactly (float16, bfloat16 and float32 convert exactly to binary64), for views of at most 4
dimensions (a Conv2d weight), and only after the caller has checked the declared sizes against its limits; NaN and
Inf are refused.
"""

from __future__ import annotations

import math
import struct

__all__ = ["ModelFileError", "MAX_TENSOR_ELEMENTS", "DTYPES", "Sealed", "Storage", "Tensor", "contiguous"]

MAX_TENSOR_ELEMENTS = 1 << 24      # per tensor or storage (16 Mi values); 784-1024-1024-10 has 1.9 Mi weights
DTYPES = {  # name: (bytes per value, decoder from little-endian bytes to a list of exact floats)
    "float64": (8, lambda b: list(struct.unpack(f"<{len(b) // 8}d", b))),
    "float32": (4, lambda b: list(struct.unpack(f"<{len(b) // 4}f", b))),
    "float16": (2, lambda b: list(struct.unpack(f"<{len(b) // 2}e", b))),
    "bfloat16": (2, lambda b: [struct.unpack("<f", struct.pack("<I", h << 16))[0]
                               for h in struct.unpack(f"<{len(b) // 2}H", b)]),
}


class ModelFileError(ValueError):
    """The file is not one whose function verify/kernel/modelfile.py can state exactly; the message is one line."""


class Sealed:
    """Internal objects of the pickle vocabulary: a BUILD on them is refused (torch's loader would call
    ``Tensor.set_`` or ``Parameter.__setstate__`` with the state, which we do not model)."""

    def __setstate__(self, state: object) -> None:
        raise ModelFileError(f"the pickle modifies a {type(self).__name__.strip('_').lower()} after building it")


class Storage(Sealed):
    def __init__(self, dtype: str, raw: bytes) -> None:
        self.dtype, self.raw = dtype, raw
        self.numel = len(raw) // DTYPES[dtype][0]


class Tensor(Sealed):
    """A strided view of a storage, as ``torch._utils._rebuild_tensor_v2`` describes it."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple) -> None:
        if not (type(offset) is int and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride) <= 4 and all(type(v) is int and v >= 0 for v in (offset, *size, *stride))):
            raise ModelFileError("a tensor has malformed sizes, strides or offset")
        self.numel = numel = math.prod(size)
        if numel > MAX_TENSOR_ELEMENTS:
            raise ModelFileError(f"a tensor declares {numel} values (limit {MAX_TENSOR_ELEMENTS})")
        if numel and offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True)) >= storage.numel:
            raise ModelFileError("a tensor reaches beyond its storage")
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def values(self) -> list[float]:
        """The tensor's values in row-major order, exactly; ModelFileError on NaN or Inf."""
        width, decode = DTYPES[self.storage.dtype]
        numel = self.numel
        if numel and all(s == t for s, t in zip(self.stride, contiguous(self.size), strict=True)):
            out = decode(self.storage.raw[width * self.offset: width * (self.offset + numel)])
        elif numel:  # decode only the span the view reaches (checked in __init__ to lie inside the storage)
            last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride, strict=True))
            flat = decode(self.storage.raw[width * self.offset: width * (last + 1)])
            at = [0]
            for n, s in zip(self.size, self.stride, strict=True):   # row-major offsets of every element
                at = [a + t * s for a in at for t in range(n)]
            out = [flat[a] for a in at]
        else:
            out = []
        if not all(math.isfinite(v) for v in out):
            raise ModelFileError("the model holds NaN or Inf values")
        return out


def contiguous(size: tuple) -> list[int]:
    out, step = [], 1
    for n in reversed(size):
        out.append(step)
        step *= n
    return out[::-1]
