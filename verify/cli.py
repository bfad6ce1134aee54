"""The ``slt-verify`` command line: certify | check | report | prove | demo | width | experiment.

Exit status: 0 success (ε certified / certificate valid), 1 ε not reached / certificate invalid, 2 bad input.
Imports are lazy so that ``slt-verify check --help`` does not load torch.
"""

from __future__ import annotations

import argparse
import sys

from verify import options
from verify.errors import InputError, NotReachedError

__all__ = ["main", "build_parser"]

DEMO_EPS, DEMO_EPS_CNN = "0.1", "0.05"   # slt-verify demo's default eps: the digits MLP, the digits CNN (--cnn)

_EPILOG = """exit status: 0 = eps certified / certificate valid, 1 = eps not reached / certificate invalid,
2 = bad input (missing or malformed file, unsupported model, bad option)."""


def _eps(text: str) -> options.Eps:
    """--eps, parsed once: the text the certificate states and its exact value."""
    try:
        eps = options.Eps.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--eps must be a positive finite number, got {text!r}") from None
    if eps.value <= 0:
        raise argparse.ArgumentTypeError(f"--eps must be positive, got {text!r}")
    return eps


_DEMO_EPS = _eps(DEMO_EPS)   # the demo's default (this very object: replaced by DEMO_EPS_CNN with --cnn)


def _width(text: str) -> int | str:
    if text in options.WIDTH_POLICIES:
        return text
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--width-factor must be a positive integer, 'auto' or 'smallest', got "
                                         f"{text!r}") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"--width-factor must be at least 1, got {k}")
    return k


def _candidates(text: str) -> int:
    try:
        s = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-candidates must be an integer, got {text!r}") from None
    lo, hi = options.CANDIDATES_RANGE
    if not lo <= s <= hi:
        raise argparse.ArgumentTypeError(f"--max-candidates must lie in [{lo}, {hi}]")
    return s


def _seed(text: str) -> int:
    try:
        s = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be an integer, got {text!r}") from None
    if not 0 <= s < options.SEED_LIMIT:
        raise argparse.ArgumentTypeError("--seed must lie in [0, 2^32)")
    return s


def _bias_block(text: str) -> int | str:
    if text == options.BIAS_BLOCK_AUTO:
        return text
    try:
        c = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--bias-block must be an integer or 'auto', got {text!r}") from None
    if not 0 <= c <= options.BIAS_BLOCK_MAX:
        raise argparse.ArgumentTypeError(f"--bias-block must lie in [0, {options.BIAS_BLOCK_MAX}]")
    return c


def _add_construction_options(p: argparse.ArgumentParser, default_eps: str | None,
                              default_domain: str = options.DOMAIN_DEFAULT) -> None:
    """The options of a construction: choices and defaults from verify/options.py (``main`` gathers the parsed
    values into one ``options.Options``, ``args.options``)."""
    d = options.DEFAULTS
    lo, hi = options.CANDIDATES_RANGE
    p.add_argument("--eps", type=_eps, required=default_eps is None, default=_DEMO_EPS if default_eps == "auto" else
                   default_eps, help="target sup-norm error over the domain, in the units of F's output"
                   + (" (default 0.1; 0.05 with --cnn)" if default_eps == "auto" else
                      f" (default {default_eps})" if default_eps else ""))
    p.add_argument("--domain", default=default_domain, metavar="D",
                   help="the inputs the claim covers: 'ball' (the unit l2 ball), 'ball:R' (radius R), "
                        "'box:LO,HI' (LO <= x_j <= HI for every coordinate, e.g. box:0,1 for images scaled to "
                        "[0, 1]), or 'box:FILE.npz' (arrays lo and hi, one bound per coordinate); "
                        + ("default: box:0,1 for the digits-bias target and --cnn, ball for digits-ball"
                           if default_domain == "auto" else f"default {default_domain}")
                        + ". With biases F is not positively homogeneous, so the domain is "
                        "part of the claim and the certificate states it")
    p.add_argument("--bias-block", type=_bias_block, default=d.bias_block, metavar="C|auto",
                   help="constant neurons per layer pair of G whose positive biases approximate F's biases by "
                        "subset sums (docs/affine.md); 'auto' (default): 2 x --max-candidates when F has a non-zero "
                        "bias, else 0")
    p.add_argument("--method", choices=options.METHODS, default=d.method,
                   help="subset-sum (Pensia et al. 2020, default: width O(log 1/eps)) or pair (Malach et al. "
                        "2020: one candidate per sign and weight, width poly(1/eps))")
    p.add_argument("--width-factor", type=_width, default=d.width, metavar="K|auto|smallest",
                   help="hidden width of G per target input (k); 'auto' (default) predicts the certified bound at "
                        "each k from a sample of the gadgets, builds the smallest k predicted to reach eps and "
                        "steps up only if it misses (usually one construction); 'smallest' builds k = 1, 2, 4, ... "
                        "until the bound reaches eps, then bisects, and returns a k that reaches eps while k-1 does "
                        "not (the smallest such k among those tried: the bound is not monotone in k, so a smaller "
                        "untried k may reach eps too)")
    p.add_argument("--seed", type=_seed, default=d.seed, help=f"seed of the random network G (default {d.seed})")
    p.add_argument("--device", choices=options.DEVICES, default=d.device,
                   help="where the engine runs (default: cuda when available)")
    p.add_argument("--max-candidates", type=_candidates, default=d.max_candidates, metavar="S",
                   help=f"subset-sum: candidates per weight and sign searched exactly, {lo}..{hi} (default "
                        f"{d.max_candidates}: 2 x 2^{d.max_candidates // 2} subset sums per weight). With k <= 2*S "
                        "every candidate of the block is used, so the subset is the exact optimum over the whole "
                        "block")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="CPU threads for torch (default: 1 on machines with at most 2 cores, where many small "
                        "tensor operations run faster single-threaded; torch's default otherwise)")
    p.add_argument("--jobs", default=None, metavar="N|auto",
                   help="search the gadgets' row chunks with N workers on this machine (default "
                        f"{options.JOBS_DEFAULT}: every core, unless --cluster is given; 1: one after the other; "
                        f"'KIND:N' picks the kind, {' or '.join(options.JOB_KINDS)}, default "
                        f"{options.JOB_KINDS[0]}). The certificate is byte-identical whatever N "
                        "(docs/parallel.md)")
    p.add_argument("--cluster", default=None, metavar="ADDRESS|local:N",
                   help="run the row chunks on a Dask cluster instead (optional package: pip install "
                        "'slt-verify[cluster]'): ADDRESS of a running scheduler (e.g. tcp://10.0.0.5:8786; README, "
                        "'Parallel and distributed construction'), or local:N to start N worker processes here. "
                        "Each task rebuilds its slice of G from the seed; the certificate is byte-identical to a "
                        "local run")
    p.add_argument("--rescale", choices=options.RESCALINGS, default=d.rescale,
                   help="exact power-of-two rescaling of F's hidden neurons before pruning (the function is "
                        "unchanged): 'layer' balances whole layers, 'neuron' picks per-neuron exponents that keep "
                        "every weight within reach of G's candidates (one per channel for a convolution's "
                        "outputs), 'auto' (default) tries both and keeps the smaller certified bound (about three "
                        "times the construction time)")
    p.add_argument("--norm", choices=options.NORMS, default=d.norm,
                   help="norm of the per-layer bounds: spectral (default, tighter; the checker proves it with a "
                        "verified floating-point Cholesky test) or frobenius (checked in exact integers, faster)")
    p.add_argument("--semantics", choices=options.SEMANTICS, default=options.SEMANTICS_DEFAULT,
                   help="what the claim covers (docs/float32.md): 'exact+float32' (default) certifies the bound in "
                        "exact arithmetic and reports beside it bound_float32, which also covers G~ run in float32 "
                        "(any summation order, no TF32) on float32 inputs; 'exact' omits it; 'float32' makes the "
                        "verdict compare bound_float32 with eps; 'float32-both' also covers F run in float32")
    p.add_argument("--composition", choices=options.COMPOSITIONS, default=d.composition,
                   help="how the layers' errors are composed (docs/tighter.md): 'telescope' (default) also bounds "
                        "each layer's error over the box G~'s activations reach and sums the errors times the "
                        "norms of the layers after them (the certificate's telescope block; networks of Linear "
                        "layers; often several times tighter on a box), keeping the smaller bound; 'recurrence' "
                        "writes the layer-by-layer recursion alone (readable by slt-verify 0.3's checker)")


def _input_shape(args: argparse.Namespace) -> tuple[int, ...] | None:
    """--input-shape parsed (InputError, one line and exit 2, for a bad one); the demo's CNN has its own."""
    text = getattr(args, "input_shape", None)
    return None if text is None else options.parse_input_shape(text)


def _parallel(args: argparse.Namespace) -> dict:
    """--jobs and --cluster parsed (InputError, one line and exit 2, for a bad value or both given), as the keyword
    arguments of ``engine.parallel.engine``."""
    if args.jobs is not None and args.cluster is not None:
        raise InputError("give --jobs or --cluster, not both")
    jobs = args.jobs if args.jobs is not None or args.cluster is not None else options.JOBS_DEFAULT
    return {"jobs": None if jobs is None else options.parse_jobs(jobs),
            "cluster": None if args.cluster is None else options.parse_cluster(args.cluster)}


def _construction_options(args: argparse.Namespace) -> options.Options:
    """The parsed construction options as one frozen ``options.Options``."""
    from verify.domain import parse

    if args.domain == "auto":   # demo: the domain its target was trained on
        args.domain = "box:0,1" if args.target == "digits-bias" or args.cnn else options.DOMAIN_DEFAULT
    if args.command == "demo" and args.cnn and args.eps is _DEMO_EPS:   # --eps not given: the CNN's default
        args.eps = _eps(DEMO_EPS_CNN)
    parse(args.domain)   # InputError (one line, exit 2) for a bad domain, before any work
    return options.Options(method=args.method, seed=args.seed, device=args.device,
                           max_candidates=args.max_candidates, rescale=args.rescale, norm=args.norm,
                           width=args.width_factor, domain=args.domain, bias_block=args.bias_block,
                           input_shape=_input_shape(args), semantics=args.semantics,
                           composition=args.composition)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slt-verify",
        description="Certified strong lottery tickets: prune a random ReLU network of twice the depth into a "
                    "network whose sup-norm error to a target network F over an input domain (a ball or a box) is "
                    "certified.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("certify", help="prune a random network to approximate MODEL and write a certificate",
                       description="Build G~ by pruning a random network G (depth 2L, random weights and biases) so "
                                   "that sup over the domain of ||G~(x) - F(x)||_2 <= eps, prove it in exact "
                                   "arithmetic and write a certificate that `slt-verify check` verifies "
                                   "independently.",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("model", help="target: .pt/.pth (a state_dict, or a whole nn.Sequential of Linear layers with "
                                 "or without biases, ReLU between them, an optional leading Flatten and Dropout or "
                                 "Identity anywhere; or a CNN: Conv2d layers, then Flatten and Linear layers, ReLU "
                                 "between consecutive ones) or .safetensors")
    _add_construction_options(c, None)
    c.add_argument("--input-shape", metavar="C,H,W",
                   help="F's input shape: C,H,W for a CNN (the box domain then has C*H*W coordinates, in "
                        "Flatten's row-major order), or D for a vector; default: inferred (a CNN's from its first "
                        "Linear layer when exactly one square image size fits, else this option is required)")
    c.add_argument("-o", "--output", help="certificate path (default: <model stem>.cert.json next to the model)")
    c.add_argument("--save-pruned", metavar="FILE",
                   help="also save G~: .pt/.pth as a whole nn.Sequential of 2L Linear layers (with biases) and ReLU "
                        "(for a CNN: per Conv2d a 1x1 Conv2d, ReLU and a Conv2d with F's kernel size, stride and "
                        "padding, then Flatten and Linear pairs; load with torch.load(FILE, weights_only=True) "
                        "inside torch.serialization.safe_globals of those classes), .safetensors as its "
                        "state_dict; hidden neurons (channels) left with no kept edge or bias are dropped")
    c.add_argument("--record-timings", action="store_true",
                   help="store timings and host name under info (certificates are byte-identical otherwise)")
    c.add_argument("--no-empirical", action="store_true", help="skip the untrusted attack lower bound")

    k = sub.add_parser("check", help="independently verify a certificate against the model file",
                       description="Re-derive every number of CERT from MODEL and the random seed with exact "
                                   "arithmetic; prints one verdict line.", epilog=_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("cert", help="certificate JSON written by `slt-verify certify`")
    k.add_argument("--model", required=True, help="the model file the certificate names (SHA-256 is checked)")
    k.add_argument("--exact", action="store_true",
                   help="for tiny networks (input dim <= 4): also compute the true sup exactly with z3 and "
                        "report the certificate's tightness")
    k.add_argument("--summary", action="store_true",
                   help="after VALID, also print the summary of `slt-verify report`: the claim in one sentence, the "
                        "table (target, domain, G, k, kept weights, seed, bound, eps, attack, tightness, hashes) and "
                        "the layer the bound comes from")

    r = sub.add_parser("report", help="a certificate as a claim, a table and a per-layer figure for a paper",
                       description="Describe CERT for a paper: the claim in one sentence; a table (target, domain, "
                                   "random G, width factor, kept weights, seed, bound, eps, attack, tightness, model "
                                   "and certificate SHA-256); the command that re-checks it; and where the bound comes "
                                   "from, per target layer (gadget and bias terms of delta_L), as a figure written as "
                                   "PNG and PDF (byte-identical across runs). With --model the independent checker "
                                   "runs first and the report states its verdict; without, the report says it was "
                                   "not re-checked. Domain bounds are the certificate's own decimals, never rounded.",
                       epilog="exit status: 0 = report written (with --model: and the certificate is VALID), 1 = "
                              "with --model, the certificate is invalid (the report says so), 2 = bad input "
                              "(missing or malformed certificate, unusable model, unwritable output).",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("cert", help="certificate JSON written by `slt-verify certify`")
    r.add_argument("--model", help="the model file the certificate names: check the certificate against it first "
                                   "(default: not re-checked here; the report gives the command)")
    r.add_argument("--format", choices=("md", "tex", "html"), default="md",
                   help="md (Markdown, default), tex (a LaTeX fragment for a standard article: needs only "
                        "\\usepackage{booktabs,graphicx}; every string escaped) or html (a standalone page)")
    r.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (default: standard output)")
    r.add_argument("--out", metavar="DIR",
                   help="directory for the figure <name>-bound.png and .pdf (default: beside CERT; created if "
                        "missing)")

    p = sub.add_parser("prove", help="prove the gadget and neuron lemmas with z3 (and refute false variants)",
                       description="Prove with z3, over all reals, every lemma the checker relies on: the two-neuron "
                                   "gadget identity and error bound for both signs of u, the subset-sum gadget, "
                                   "the single-neuron lemma, the one-layer composition step, and for biases and "
                                   "domains the constant neuron, the bias gadget, the affine composition step and "
                                   "the reach of a box (docs/gadgets.md, docs/composition.md, docs/affine.md). "
                                   "Each lemma also has a deliberately false variant that z3 "
                                   "must refute with a counterexample. Exit 0 only if all true lemmas are proved and "
                                   "all false ones refuted. SMT-LIB 2 copies are in proofs/.",
                       epilog="exit status: 0 = every query as expected (or --list / --write done), 1 = some query "
                              "not as expected, 2 = bad input (unknown lemma, --cvc5 without cvc5, unwritable "
                              "directory).")
    p.add_argument("lemmas", nargs="*", metavar="LEMMA",
                   help="run only these queries, in this order (names as --list prints them, e.g. pair_gadget "
                        "pair_gadget.false); default: every lemma and every false variant")
    p.add_argument("--json", action="store_true", help="machine-readable output (also for --list)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--list", action="store_true",
                      help="list the lemmas (name, expected answer, statement) and exit without running a solver")
    only.add_argument("--write", metavar="DIR",
                      help="write every query as SMT-LIB 2 to DIR/<name>.smt2 plus the index DIR/README.md, print "
                           "the paths and exit without running a solver (`--write proofs` regenerates the "
                           "committed copies)")
    p.add_argument("--cvc5", action="store_true",
                   help="also re-check every query's SMT-LIB 2 export with cvc5 (optional package: pip install "
                        "cvc5); an answer contradicting z3 fails the run, 'unknown' or 'timeout' does not")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="z3's time limit per query (default 60)")
    p.add_argument("--cvc5-timeout", type=float, default=None, metavar="SECONDS",
                   help="cvc5's time limit per query, with --cvc5 (default 10)")

    d = sub.add_parser("demo", help="certify the embedded digits MLP (or CNN) end to end (no download)",
                       description="Certify an MLP (or, with --cnn, a CNN) trained on scikit-learn's digits (shipped "
                                   "with the package), check the certificate, and compare held-out accuracy of F and "
                                   "of the pruned random network G~ (which is never trained).")
    _add_construction_options(d, "auto", "auto")
    d.add_argument("--out", default="slt-demo", help="directory for the certificate and pruned model "
                                                     "(default ./slt-demo)")
    d.add_argument("--target", choices=("digits-bias", "digits-ball"), default="digits-bias",
                   help="digits-bias (default): a tutorial-style MLP with biases, Flatten and Dropout on pixels / 16, "
                        "certified over box:0,1; digits-ball: the bias-free MLP of slt-verify 0.1 on unit-norm "
                        "rows, certified over the unit ball")
    d.add_argument("--cnn", action="store_true",
                   help="certify the shipped digits CNN instead (Conv2d(1,4,3,padding=1), ReLU, Conv2d(4,8,3,stride=2,"
                        "padding=1), ReLU, Flatten, Linear(128,10) on 8x8 images, pixels / 16) over box:0,1, default "
                        f"eps {DEMO_EPS_CNN}")

    w = sub.add_parser("width", help="width factor required by the theorems vs. what the tool needs",
                       description="Print the width factor that the theorems of Malach et al. 2020 and Pensia et "
                                   "al. 2020 require for MODEL at EPS (with their assumptions, and whether MODEL "
                                   "meets them) next to the smallest width factor with which slt-verify actually "
                                   "certified EPS for the pair and subset-sum methods.")
    w.add_argument("--model", required=True, help="target model file")
    w.add_argument("--eps", type=_eps, required=True, help="target sup-norm error")
    w.add_argument("--delta", type=float, default=0.01, help="failure probability for the theorems (default 0.01)")
    w.add_argument("--seed", type=_seed, default=options.DEFAULTS.seed)
    w.add_argument("--device", choices=options.DEVICES, default=options.DEFAULTS.device)

    e = sub.add_parser("experiment", help="Section 3 experiments: neuron- vs weight-subnetworks",
                       description="separation: error vs parameter count of weight-pruning (certified) and of "
                                   "neuron-pruning / random features (least squares, held-out points) for a single "
                                   "ReLU neuron in several dimensions; writes separation.csv and separation.png. "
                                   "random-features: on the digits data, accuracy of neuron-pruning vs the trained "
                                   "random-features model at matched widths; writes random_features.csv.")
    e.add_argument("name", choices=["separation", "random-features"])
    e.add_argument("--out", default="slt-experiments", help="output directory (default ./slt-experiments)")
    e.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    e.add_argument("--seed", type=_seed, default=options.DEFAULTS.seed)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command in ("certify", "demo"):
            args.options = _construction_options(args)
            args.parallel = _parallel(args)
        if args.command == "certify":
            from verify.commands import run_certify
            return run_certify(args)
        if args.command == "check":
            from verify.commands import run_check
            return run_check(args)
        if args.command == "report":
            from verify.commands import run_report
            return run_report(args)
        if args.command == "prove":
            from verify.commands import run_prove
            return run_prove(args)
        if args.command == "demo":
            from verify.commands import run_demo
            return run_demo(args)
        if args.command == "width":
            from verify.commands import run_width
            return run_width(args)
        if args.command == "experiment":
            from verify.commands import run_experiment
            return run_experiment(args)
    except InputError as err:
        print(f"slt-verify: error: {err}", file=sys.stderr)
        return 2
    except NotReachedError as err:
        print(f"slt-verify: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("slt-verify: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
