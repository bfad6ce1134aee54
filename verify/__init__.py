"""slt-verify: certified strong lottery tickets.

Rooms (see ../shared/DESIGN.md §5):
  verify.rng        random network G as a pure function of (seed, layer, row, col)   [trusted]
  verify.io         certificate JSON and exact number encodings                       [trusted]
  verify.check      the independent checker                                           [trusted]
  verify.engine     PyTorch: model loading, pair / subset-sum construction           [untrusted]
  verify.certify    engine output -> certificate                                      [untrusted]
  verify.proofs     z3 lemmas
  verify.cli        the command line
"""

__version__ = "0.1.0"
