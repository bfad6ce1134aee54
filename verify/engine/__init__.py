"""The untrusted engine (docs/overview.md §2): model loading, G's weights in torch, pair and subset-sum search.

Nothing here is trusted: every number it produces is re-derived by ``verify.kernel.check``.
"""
