"""slt-verify: certified strong lottery tickets.

Rooms (see docs/overview.md §2):
  verify.kernel.rng          random network G as a pure function of (seed, layer, row, col)      [trusted]
  verify.kernel.io           certificate JSON and exact number encodings                          [trusted]
  verify.kernel.check        the independent checker                                              [trusted]
  verify.kernel.spectral     verified spectral-norm bounds used by the checker                    [trusted]
  verify.engine       PyTorch: model loading, gadgets, pair / subset-sum construction     [untrusted]
  verify.options      the frozen settings of a construction: choices, defaults, limits
  verify.certify      engine output -> certified rows -> certificate
  verify.search       the width search (--width-factor auto): build and bound k = 1, 2, 4, ...
  verify.proofs       z3 lemmas (proofs/ holds their SMT-LIB 2 exports)
  verify.exact        exact sup oracle for tiny networks
  verify.experiments  Section 3: neuron-subnetworks and random features
  verify.cli          the command line (verify.commands does the work)
"""

__version__ = "0.1.0"
