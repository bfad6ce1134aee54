"""verify/kernel/wellformed.py at its boundaries (issue 18's mutation run): every integer range, list length and input
limit is exactly the one certs/schema.json states — the value at each end is well-formed, one step beyond is not,
and the JSON Schema (jsonschema) says the same."""

from __future__ import annotations

import copy
import json
import os
import threading
from pathlib import Path

import jsonschema
import pytest

from verify.kernel import io, wellformed
from verify.kernel.wellformed import Unusable, load_json, read_file, well_formed

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "certs" / "schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CERT = json.loads((ROOT / "certs" / "examples" / "tiny-bias.cert.json").read_text())


def _schema_range(*path: str) -> tuple[int, int]:
    """(minimum, maximum) of the integer at ``path`` in the schema (array items followed through ``items``)."""
    node = SCHEMA
    for key in path:
        node = node["items"] if key == "[]" else node["properties"][key]
    while "items" in node and "minimum" not in node:
        node = node["items"]
    if "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]["items"]
    return node["minimum"], node["maximum"]


def _ours(cert: dict) -> bool:
    try:
        well_formed(cert)
        return True
    except Unusable:
        return False


# (where in the schema, how to set the value in a certificate)
FIELDS = [
    (("random_network", "seed"), lambda c, v: c["random_network"].update(seed=v)),
    (("random_network", "width_factor"), lambda c, v: c["random_network"].update(width_factor=v)),
    (("random_network", "bias_block"), lambda c, v: c["random_network"].update(bias_block=v)),
    (("random_network", "parameters"), lambda c, v: c["random_network"].update(parameters=v)),
    (("random_network", "widths"), lambda c, v: c["random_network"]["widths"].__setitem__(1, v)),
    (("mask", "[]", "layer"), lambda c, v: c["mask"][0].update(layer=v)),
    (("mask", "[]", "kept"), lambda c, v: c["mask"][0].update(kept=v)),
    (("mask", "[]", "bias_kept"), lambda c, v: c["mask"][1].update(bias_kept=v)),
    (("mask", "[]", "shape"), lambda c, v: c["mask"][0]["shape"].__setitem__(1, v)),
    (("model", "layers", "[]", "shape"), lambda c, v: c["model"]["layers"][0]["shape"].__setitem__(0, v)),
    (("rescaling", "neuron_exponents"), lambda c, v: c["rescaling"]["neuron_exponents"][0].__setitem__(0, v)),
]


@pytest.mark.parametrize("path,set_value", FIELDS, ids=lambda f: ".".join(f) if isinstance(f, tuple) else "")
def test_integer_ranges_are_the_schemas_at_both_ends(path, set_value):
    lo, hi = _schema_range(*path)
    for value, inside in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
        c = copy.deepcopy(CERT)
        set_value(c, value)
        assert _ours(c) == inside == VALIDATOR.is_valid(c), (path, value)


@pytest.mark.parametrize("edit,why", [
    (lambda c: c["mask"][0]["shape"].append(1), "a shape of three sizes"),
    (lambda c: c["mask"][0]["shape"].pop(), "a shape of one size"),
    (lambda c: c["model"]["layers"][0]["shape"].append(1), "a layer shape of three sizes"),
    (lambda c: c["model"].update(layers=[]), "no layers"),
    (lambda c: c["random_network"].update(widths=c["random_network"]["widths"][:2]), "two widths"),
    (lambda c: c["claim"]["domain"].update(lo=[], hi=[]), "an empty box"),
])
def test_list_lengths_are_the_schemas(edit, why):
    c = copy.deepcopy(CERT)
    edit(c)
    assert not _ours(c) and not VALIDATOR.is_valid(c), why


def test_three_widths_and_one_layer_are_enough():
    c = copy.deepcopy(CERT)
    c["random_network"]["widths"] = c["random_network"]["widths"][:3]
    c["model"]["layers"] = c["model"]["layers"][:1]
    assert _ours(c) and VALIDATOR.is_valid(c)


def _padded(body: str, total: int) -> bytes:
    """``body`` (a JSON array's opening) closed so that its '{', '[' and ',' bytes number exactly ``total``."""
    have = body.count("{") + body.count("[") + body.count(",")
    assert have <= total
    return (body + ",0" * (total - have) + "]").encode()


@pytest.mark.parametrize("kind", ["commas", "braces", "brackets"])
def test_json_value_limit_is_exact_for_each_counted_byte(kind):
    """At most MAX_JSON_VALUES of '{', '[' and ',' together: exactly the limit parses, one more is refused — for a
    document made mostly of each of the three bytes (so that every term of the count matters)."""
    limit = wellformed.MAX_JSON_VALUES
    n = limit // 2 - 10
    body = {"commas": "[0", "braces": "[" + "{}," * n + "{}", "brackets": "[" + "[]," * n + "[]"}[kind]
    assert isinstance(load_json(_padded(body, limit), "doc"), list)
    with pytest.raises(Unusable, match=f"more than {limit} JSON values"):
        load_json(_padded(body, limit + 1), "doc")


def test_integer_digit_limit_is_exact():
    digits = "9" * 20
    assert load_json(f"[{digits}, -{digits}]".encode(), "doc") == [int(digits), -int(digits)]
    for text in (digits + "9", "-" + digits + "9"):
        with pytest.raises(Unusable, match="more than 20 digits"):
            load_json(f"[{text}]".encode(), "doc")


def test_read_file_limit_is_exact_for_files(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_file(path, 100, "file") == b"x" * 100
    path.write_bytes(b"x" * 101)
    with pytest.raises(Unusable, match="larger than 100 bytes"):
        read_file(path, 100, "file")


@pytest.mark.parametrize("size,refused", [(100, False), (101, True), (5000, True)])
def test_read_file_limit_is_exact_for_pipes(tmp_path, size, refused):
    """A pipe reports size 0, so only the bounded read can refuse it: exactly the limit passes, one byte more not."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as f:
            try:
                f.write(b"y" * size)
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=write)
    writer.start()
    try:
        if refused:
            with pytest.raises(Unusable, match="larger than 100 bytes"):
                read_file(fifo, 100, "pipe")
        else:
            assert read_file(fifo, 100, "pipe") == b"y" * size
    finally:
        writer.join(timeout=10)


def test_io_decimal_limits_match_the_schema():
    dec = SCHEMA["$defs"]["decimal"]
    assert dec["maxLength"] == io.DECIMAL_MAX_CHARS == SCHEMA["$defs"]["signed_decimal"]["maxLength"]
    for text, ok in (("1" * 400, True), ("1" * 401, False), ("-" + "1" * 399, True), ("-" + "1" * 400, False)):
        c = copy.deepcopy(CERT)
        c["claim"]["domain"]["lo"][0] = text
        assert _ours(c) == ok == VALIDATOR.is_valid(c), text


@pytest.mark.parametrize("sha", ["A" * 64, "a" * 63, "a" * 65, "g" * 64, 7])
def test_model_hash_must_be_64_lowercase_hex_digits(sha):
    c = copy.deepcopy(CERT)
    c["model"]["sha256"] = sha
    assert not _ours(c) and not VALIDATOR.is_valid(c), sha


def test_the_json_value_limit_is_the_documented_one():
    """certs/FORMAT.md's limits table states the JSON value limit; the constant is that number."""
    text = (ROOT / "certs" / "FORMAT.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| JSON containers and separators"))
    assert row.split("|")[2].strip() == "10^6 (`{`, `[` and `,` bytes of the raw text, counted before parsing)"
    assert wellformed.MAX_JSON_VALUES == 10**6
