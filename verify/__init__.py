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
  verify.api          the Python API over the same functions: certify_model, check, attack, theory_widths,
                      Certificate (loaded on first use of a name below: ``import verify`` does not load torch)
  verify.testing      Hypothesis strategies: targets, domains, certified pairs (verify.pytest_plugin: the
                      ``assert_certified`` fixture and the ``slt_slow`` marker, registered through pytest11)
"""

__version__ = "0.3.0"

# The public API, loaded from verify.api on first access (PEP 562), so that ``import verify`` stays light.  The
# function ``verify.api.certify`` is exported as ``certify_model``: ``verify.certify`` is a submodule's name.
# importlib, not an import statement: verify.api imports verify.certify, which reads ``__version__`` from this package;
# the package is fully initialised before any of these names can be asked for, so no module sees another half-built.
_API = {"certify_model": "certify", "check": "check", "attack": "attack", "theory_widths": "theory_widths",
        "Certificate": "Certificate", "LayerRow": "LayerRow", "Options": "Options", "Checked": "Checked",
        "InputError": "InputError", "NotReachedError": "NotReachedError", "Invalid": "Invalid",
        "Unusable": "Unusable", "EXIT_CODES": "EXIT_CODES"}

__all__ = ["__version__", "api", *_API]


def __getattr__(name: str):
    import importlib

    if name == "api":
        return importlib.import_module("verify.api")
    if name in _API:
        value = getattr(importlib.import_module("verify.api"), _API[name])
        globals()[name] = value
        return value
    raise AttributeError(f"module 'verify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
