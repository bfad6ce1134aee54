"""Tests that kill the last surviving mutants of verify/kernel/check.py (benchmarks/MUTATION.md): fact 4's
one-input-edge rule and the neuron its "no output edge" message names, fact 5's sign side for a hidden weight of
exactly +2^-24, which bound the verdict compares with eps when a float32 block names ``bound_float32`` (or not),
and run()'s exit 2 for an input that provokes an unexpected exception.

Every certificate starts from a committed example (certs/examples/tiny-bias: an engine certificate on a 2-3-2 target
with biases) and is changed by rewriting the raw mask bits (``_set_bit``: LSB first within each byte, certs/FORMAT.md)
and the ``kept`` counts; the expected neuron, fact and verdict are read from those raw bits and the certificate's own
decimals, never from the checker."""

from __future__ import annotations

import base64
import copy
import json
import re
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
from independent import mask_bits

from verify.kernel import check, conv, paths, rng

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "certs" / "examples"
MODEL = EXAMPLES / "tiny-bias.safetensors"


def _cert() -> dict:
    return json.loads((EXAMPLES / "tiny-bias.cert.json").read_text())


def _set_bit(entry: dict, row: int, col: int) -> None:
    """Keep one more weight (row, col) in a mask entry: rewrite its raw bitset and its kept count."""
    rows, cols = entry["shape"]
    raw = bytearray(zlib.decompress(base64.b64decode(entry["data"])))
    bit = row * cols + col
    assert not raw[bit >> 3] >> (bit & 7) & 1, "the bit is already set"
    raw[bit >> 3] |= 1 << (bit & 7)
    entry["data"] = base64.b64encode(zlib.compress(bytes(raw))).decode()
    entry["kept"] += 1


def _odd_layer_edges(cert: dict) -> dict[int, int]:
    """G layer 1's kept edges {hidden neuron h: input j}, from the raw bits."""
    m = cert["mask"][0]
    rows, cols = m["shape"]
    return {b // cols: b % cols for b in mask_bits(m["data"], rows, cols)}


def _invalid(cert: dict, fact: int, pattern: str) -> None:
    with pytest.raises(check.Invalid, match=pattern) as e:
        check.check_certificate(cert, MODEL.read_bytes())
    assert e.value.fact == fact


def test_the_example_is_accepted_as_it_stands() -> None:
    assert check.check_certificate(_cert(), MODEL.read_bytes()).kept == _cert()["info"]["kept_weights"]


def test_a_hidden_neuron_with_two_input_edges_is_refused_by_fact_4() -> None:
    """G layer 1, neuron h keeps input j already; keeping (h, 1 − j) as well makes it a sum of two inputs, which no
    gadget of docs/affine.md is (mutants a7cedb74, a1d813d2, a4af8c9e)."""
    cert = _cert()
    edges = _odd_layer_edges(cert)
    h = max(edges)
    _set_bit(cert["mask"][0], h, 1 - edges[h])
    _invalid(cert, 4, rf"G layer 1: hidden neuron {h} keeps more than one input edge$")


def test_the_neuron_with_an_input_edge_but_no_output_edge_is_the_one_named() -> None:
    """Keep an input edge for a neuron no kept layer-2 edge reads, one larger than the smallest used neuron: the
    message names that neuron, not the smallest one (mutant 6814e28a)."""
    cert = _cert()
    edges = _odd_layer_edges(cert)
    m2 = cert["mask"][1]
    rows2, cols2 = m2["shape"]
    fed = {b % cols2 for b in mask_bits(m2["data"], rows2, cols2)}
    bias_rows = cert["mask"][0]["shape"][0]
    free = [h for h in range(bias_rows) if h not in edges and h not in fed and h > min(edges)
            and rng.weight_int(cert["random_network"]["seed"], 1, h, 0) > 0]
    h = free[0]
    _set_bit(cert["mask"][0], h, 0)
    _invalid(cert, 4, rf"G layer 1: hidden neuron {h} keeps an input edge or bias but no output edge$")


# --- fact 5: which side a hidden weight of exactly +1 unit (2^-24) lands on ------------------------------------------

SEED, H, J = 0, 3153776, 0     # rng.weight_int(0, 1, 3153776, 0) == 1: found by scanning G layer 1 of seed 0


@pytest.mark.parametrize("path", ["numpy", "stdlib"])
def test_a_hidden_weight_of_one_unit_is_positive_in_the_error_matrix(path: str, monkeypatch) -> None:
    """_layer_matrices on one kept path x_0 → h → output 0 whose first weight u_h is +1·2^-24, on non-negative inputs
    (only E⁺ = P'·2^t − W is formed): the oracle is P' = v·u in units of 2^-48, from rng's exact rationals
    (mutant 869ae1aa, which sends u_h = 1 to the negative side and drops it), on both paths of paths.sums."""
    monkeypatch.setenv(paths.PATH_ENV, path)
    assert rng.weight_int(SEED, 1, H, J) == 1
    g = conv.Geometry(c_in=1, h=1, w=1, kh=1, kw=1, stride=(1, 1), padding=(0, 0), c_out=1, ho=1, wo=1, group=1)
    w = Fraction(3, 4)
    K = 50
    kept = paths.Kept({H: J}, frozenset(), frozenset(), [H], H + 1, 1)   # output 0 keeps column H of H + 1
    sums = paths.sums(SEED, 0, kept, 1, 1)
    assert sums.pos == [[rng.weight_int(SEED, 2, 0, H)]] and sums.neg == [[0]]
    e_rows, w_rows, _ = check._layer_matrices([[(3, 2)]], K, ([0], [0]), sums, g, False)
    path = rng.weight(SEED, 2, 0, H) * rng.weight(SEED, 1, H, J)
    assert w_rows == [[w * 2**K]]
    assert e_rows == [[(path - w) * 2**K]]
    assert path != 0


# --- fact 7 and the verdict line: the bound the verdict names --------------------------------------------------------

def _between(cert: dict) -> dict:
    """The example with eps strictly between claim.bound and claim.float32.bound_float32 (read as decimals)."""
    lo, hi = Fraction(cert["claim"]["bound"]), Fraction(cert["claim"]["float32"]["bound_float32"])
    assert lo < hi
    cert["claim"]["eps"] = f"{float((lo + hi) / 2):.15f}"
    assert lo < Fraction(cert["claim"]["eps"]) < hi
    return cert


def _run(cert: dict, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cert))
    code, line, _ = check.run(path, MODEL)
    return code, line


def test_a_verdict_naming_bound_float32_compares_it_with_eps(tmp_path: Path) -> None:
    """verdict_bound "bound_float32" with bound ≤ eps < bound_float32: the verdict must be not-certified (a
    "certified" one is refused by fact 7), and run() exits 1 naming the float32 bound (mutants 92311063, a6e1368f)."""
    cert = _between(_cert())
    assert cert["claim"]["float32"]["verdict_bound"] == "bound_float32"
    _invalid(copy.deepcopy(cert), 7, "verdict must be 'not-certified'")
    cert["verdict"] = "not-certified"
    code, line = _run(cert, tmp_path)
    assert code == 1
    assert line.startswith("INVALID: verdict not-certified: float32 bound ")


def test_a_verdict_naming_bound_compares_bound_with_eps(tmp_path: Path) -> None:
    """verdict_bound "bound" with bound ≤ eps < bound_float32: "certified" is right (a "not-certified" one is refused
    by fact 7), and run() exits 0 stating both bounds, the float32 one after "and" (mutants 92311063, a6e1368f)."""
    cert = _between(_cert())
    cert["claim"]["float32"]["verdict_bound"] = "bound"
    _invalid({**copy.deepcopy(cert), "verdict": "not-certified"}, 7, "verdict must be 'certified'")
    code, line = _run(cert, tmp_path)
    assert code == 0
    assert line.startswith("VALID: sup over the box [0, 1]^2 of ||G~(x) - F(x)||_2 <= ")
    found = re.search(r" <= eps ([0-9.]+), and <= ([0-9.]+) with G~ and F run in float32 ", line)
    assert found, line
    for shown, exact in zip(found.groups(), (cert["claim"]["eps"], cert["claim"]["float32"]["bound_float32"]),
                            strict=True):
        assert Fraction(exact) <= Fraction(shown) <= Fraction(exact) * (1 + Fraction(1, 10**5))


# --- run(): an unexpected exception is exit 2 -----------------------------------------------------------------------

@pytest.mark.parametrize("exc", [ValueError("odd"), KeyError("k"), OverflowError("big"), RecursionError("deep")])
def test_an_unexpected_exception_is_unusable_with_exit_2(monkeypatch, tmp_path: Path, exc: Exception) -> None:
    """Whatever input provokes an exception the checker does not expect is refused with exit 2 in one line
    (mutants 377d7340, c4fe2321)."""
    def boom(*_):
        raise exc
    monkeypatch.setattr(check, "check_files", boom)
    code, line, ok = check.run(tmp_path / "c.json", MODEL)
    assert (code, ok) == (2, None)
    assert line.startswith(f"UNUSABLE: the input could not be processed ({type(exc).__name__}: ")
    with open(tmp_path / "out", "w") as out:
        assert check.main(tmp_path / "c.json", MODEL, stream=out) == 2
    assert (tmp_path / "out").read_text() == line + "\n"


# --- well_formed and read_file (verify/kernel/wellformed.py mutants 840fa239, 2263a7b3) ------------------------------

def test_a_negative_padding_is_not_well_formed() -> None:
    from verify.kernel.wellformed import Unusable, well_formed

    cert = json.loads((EXAMPLES / "tiny-cnn.cert.json").read_text())
    cert["model"]["layers"][0]["padding"] = [-1, 0]
    with pytest.raises(Unusable, match=r"model\.layers\[0\]\.padding"):
        well_formed(cert)


def test_an_endless_stream_is_refused_after_limit_plus_one_bytes() -> None:
    """/dev/zero reports size 0 and never ends: read_file must stop after limit + 1 bytes and refuse it."""
    from verify.kernel.wellformed import Unusable, read_file

    with pytest.raises(Unusable, match="larger than 1000 bytes"):
        read_file(Path("/dev/zero"), 1000, "model file")


def test_a_stream_one_byte_over_a_limit_of_whole_blocks_is_refused() -> None:
    """read_file reads in blocks of 2^24 bytes; with a limit that is a whole number of blocks (MAX_CERT_BYTES is
    2^28), the loop must still read byte limit + 1 and refuse, not stop at exactly ``limit`` bytes and accept a
    truncated prefix (wellformed.py mutant 06207b10)."""
    from verify.kernel.wellformed import Unusable, read_file

    limit = 1 << 24
    with pytest.raises(Unusable, match=f"larger than {limit} bytes"):
        read_file(Path("/dev/zero"), limit, "certificate")
    assert check.MAX_CERT_BYTES % limit == 0   # the case above is the checker's own
