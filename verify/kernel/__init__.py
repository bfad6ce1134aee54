"""The trusted kernel of slt-verify: everything that can make ``slt-verify check`` print VALID.  [trusted; stdlib only]

``check`` (the checker, one function per fact), ``io`` (certificate encodings), ``rng`` (the generator of G),
``spectral`` (the verified norm test), ``modelfile`` with ``torchzip`` and ``tensordata`` (what a model file
computes).  Nothing here imports anything outside this folder and the standard library (tests/test_check.py).
"""
