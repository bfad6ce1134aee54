"""Tests that kill the mutants of verify/kernel/verdict.py (benchmarks/MUTATION.md): the checker's one line.

Each test builds the accepted result (``Checked``, ``Domain``) by hand and compares the exit code and the whole line
with text written out here, so a changed word, digit count, comparison or exit code shows.  The numbers are chosen
so that their 6-significant-digit upward roundings are known by hand (1/3 → 0.333334, 2/3 → 0.666667)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verify.kernel.verdict import Checked, Domain, domain_text, verdict_line

TAIL = "(2 target layers, 7 kept weights and biases of G)"
F32 = "run in float32 on float32 inputs (docs/float32.md)"
BALL = Domain("ball", Fraction(1), radius=Fraction(1), text=("1",))


def _ok(bound: Fraction, eps: Fraction, float32: Fraction | None = None, verdict: bool = False,
        covers: str = "pruned", domain: Domain = BALL) -> Checked:
    return Checked(bound, eps, domain, 2, 7, 0, [], [], [], float32=float32, float32_covers=covers,
                   float32_verdict=verdict)


def _box(lo: tuple[str, ...], hi: tuple[str, ...]) -> Domain:
    return Domain("box", Fraction(10), lo=tuple(map(Fraction, lo)), hi=tuple(map(Fraction, hi)), text=(lo, hi))


# --- Domain.non_negative: every x in D has x >= 0 exactly when every lower bound is >= 0 ------------------------

@pytest.mark.parametrize(("lo", "expected"), [
    (("0", "0"), True),            # 0 is non-negative (kills > 0)
    (("0.5", "2"), True),          # between 0 and 1 (kills >= 1)
    (("0", "-0.5"), False),        # one negative coordinate (kills >= -1)
])
def test_a_box_is_non_negative_exactly_when_every_lower_bound_is(lo, expected):
    assert _box(lo, ("3", "3")).non_negative is expected
    assert BALL.non_negative is False


# --- Checked.claimed: bound_float32 only when the verdict names it ----------------------------------------------

def test_the_verdict_compares_the_exact_bound_when_the_float32_bound_is_only_stated():
    ok = _ok(Fraction(1, 3), Fraction(1, 2), float32=Fraction(2, 3), verdict=False)
    assert ok.claimed == Fraction(1, 3)
    assert verdict_line(ok) == (0, "VALID: sup over the l2 ball of radius 1 of ||G~(x) - F(x)||_2 <= 0.333334 "
                                   f"<= eps 0.5, and <= 0.666667 with G~ {F32} {TAIL}")


def test_the_verdict_compares_the_float32_bound_when_it_names_it():
    ok = _ok(Fraction(1, 3), Fraction(1, 2), float32=Fraction(2, 3), verdict=True, covers="pruned-and-target")
    assert ok.claimed == Fraction(2, 3)
    assert verdict_line(ok) == (1, "INVALID: verdict not-certified: float32 bound 0.666667 > eps 0.5 (the numbers "
                                   "are correct, but nothing is certified)")


# --- verdict_line: exit codes, the comparison at equality, the digits, every branch ------------------------------

def test_the_exact_bound_alone():
    assert verdict_line(_ok(Fraction(1, 3), Fraction(2, 3))) == (
        0, f"VALID: sup over the l2 ball of radius 1 of ||G~(x) - F(x)||_2 <= 0.333334 <= eps 0.666667 {TAIL}")


def test_a_bound_equal_to_eps_is_valid():
    assert verdict_line(_ok(Fraction(1, 3), Fraction(1, 3))) == (
        0, f"VALID: sup over the l2 ball of radius 1 of ||G~(x) - F(x)||_2 <= 0.333334 <= eps 0.333334 {TAIL}")


def test_a_bound_above_eps_is_not_certified_with_exit_code_1():
    assert verdict_line(_ok(Fraction(2, 3), Fraction(1, 3))) == (
        1, "INVALID: verdict not-certified: bound 0.666667 > eps 0.333334 (the numbers are correct, but nothing is "
           "certified)")


def test_a_float32_bound_named_by_the_verdict_and_covering_f():
    ok = _ok(Fraction(1, 7), Fraction(2, 3), float32=Fraction(1, 3), verdict=True, covers="pruned-and-target")
    assert verdict_line(ok) == (0, "VALID: sup over the l2 ball of radius 1 of ||G~(x) - F(x)||_2 <= 0.142858, "
                                   f"and <= 0.333334 <= eps 0.666667 with G~ and F {F32} {TAIL}")


def test_a_float32_bound_equal_to_eps_is_valid():
    ok = _ok(Fraction(1, 7), Fraction(1, 3), float32=Fraction(1, 3), verdict=True)
    assert verdict_line(ok) == (0, "VALID: sup over the l2 ball of radius 1 of ||G~(x) - F(x)||_2 <= 0.142858, "
                                   f"and <= 0.333334 <= eps 0.333334 with G~ {F32} {TAIL}")


# --- domain_text: the certificate's own decimals up to 24 characters, else a pointer ----------------------------

R24, R25 = "0." + "1" * 22, "0." + "1" * 23   # 24 and 25 characters


def test_a_ball_radius_of_24_characters_is_written_and_of_25_is_pointed_to():
    ball = Domain("ball", Fraction(1), radius=Fraction(R24), text=(R24,))
    assert domain_text(ball) == f"the l2 ball of radius {R24}"
    ball = Domain("ball", Fraction(1), radius=Fraction(R25), text=(R25,))
    assert domain_text(ball) == "the l2 ball of claim.domain.radius"


@pytest.mark.parametrize(("lo", "hi", "expected"), [
    (("0", "0", "0"), ("1", "1", "1"), "the box [0, 1]^3"),
    (("-1",), ("2",), "the box [-1, 2]^1"),                                      # one coordinate
    ((R24, R24), ("1", "1"), f"the box [{R24}, 1]^2"),                           # lo of 24 characters
    (("0", "0"), (R24, R24), f"the box [0, {R24}]^2"),                           # hi of 24 characters
    ((R25, R25), ("1", "1"), "the box of claim.domain (2 per-coordinate bounds)"),   # lo of 25 characters
    (("0", "0"), (R25, R25), "the box of claim.domain (2 per-coordinate bounds)"),   # hi of 25 characters
    (("0", "0.5"), ("1", "1"), "the box of claim.domain (2 per-coordinate bounds)"),  # lo differs per coordinate
    (("0", "0"), ("1", "2"), "the box of claim.domain (2 per-coordinate bounds)"),    # hi differs per coordinate
    (("0", "0.5"), (R25, R25), "the box of claim.domain (2 per-coordinate bounds)"),  # both
])
def test_a_box_is_written_only_when_its_bounds_are_uniform_and_short(lo, hi, expected):
    assert domain_text(_box(lo, hi)) == expected


def test_the_box_appears_in_the_valid_line():
    ok = _ok(Fraction(1, 3), Fraction(2, 3), domain=_box(("0", "0"), ("1", "1")))
    assert verdict_line(ok) == (
        0, f"VALID: sup over the box [0, 1]^2 of ||G~(x) - F(x)||_2 <= 0.333334 <= eps 0.666667 {TAIL}")
