r"""Text, monospace and math segments, and how each is written in Markdown, LaTeX, HTML and plain text.

Untrusted presentation for ``slt-verify report`` (verify/report.py): a segment is a plain string (user or
certificate text, escaped in every format), ``Code`` (verbatim, monospace) or ``Math`` (a formula in Unicode and in
LaTeX).  LaTeX output needs no package beyond booktabs and graphicx: every string is escaped, Unicode the report uses
becomes math, accented Latin letters become accent commands, anything else [U+XXXX].

>>> print(md(["a_b ", Code("x|y"), Math("δ_L", r"\delta_L")]))
a\_b `x|y`δ\_L
>>> print(tex(["50 % of ", Math("T", "T")]))
50 \% of $T$
"""

from __future__ import annotations

import html as _html_mod
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Code", "Math", "Seg", "md", "md_text", "tex", "tex_code", "tex_escape", "html", "plain"]


# --- segments ---------------------------------------------------------------

@dataclass(frozen=True)
class Code:
    """Monospace text taken verbatim from the user or the certificate: a path, a key, a hash, a command."""

    text: str


@dataclass(frozen=True)
class Math:
    """A formula: ``plain`` (Unicode, for md, html and text) and ``tex`` (LaTeX math, without the dollars)."""

    plain: str
    tex: str


Seg = str | Code | Math


# --- writing them --------------------------------------------------------------------------------------------------

_MD_SPECIAL = set("\\`*_[]<>|~&$")


def md_text(text: str) -> str:
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def _md_code(text: str, in_table: bool) -> str:
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    body = text.replace("|", "\\|") if in_table else text
    return f"{ticks}{pad}{body}{pad}{ticks}"


def md(segs: list[Seg], in_table: bool = False) -> str:
    return "".join(_md_code(s.text, in_table) if isinstance(s, Code) else md_text(s.plain if isinstance(s, Math)
                                                                                     else s) for s in segs)


# Unicode the report uses, as LaTeX math (no package beyond the kernel's fonts).
_TEX_MATH = {"‖": r"\|", "≤": r"\le", "≥": r"\ge", "ε": r"\varepsilon", "η": r"\eta", "ρ": r"\rho", "β": r"\beta",
             "ω": r"\omega", "δ": r"\delta", "σ": r"\sigma", "ν": r"\nu", "Π": r"\Pi", "Σ": r"\Sigma", "−": "-",
             "·": r"\cdot", "×": r"\times", "→": r"\to", "∈": r"\in", "≈": r"\approx", "ℓ": r"\ell",
             "ℝ": r"\mathbf{R}", "₂": "_2", "²": "^2", "…": r"\dots", "∞": r"\infty"}
_TEX_ASCII = {"\u00a0": "~", "’": "'", "‘": "`", "“": "``", "”": "''", "–": "--", "—": "---"}
_TEX_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u",
                "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c"}
_TEX_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
             "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "<": "$<$", ">": "$>$",
             "|": "$|$", "`": "{`}", "'": "{'}"}
_TEX_TT = {**{ch: rf"\char{ord(ch)}{{}}" for ch in "\\{}$&#^_%~"}, "`": "{`}"}   # {`}: no ¡ or ¿ ligature


def tex_escape(text: str, tt: bool) -> str:
    """Every character of ``text`` safe in LaTeX text (``tt``: inside \\texttt, where cmtt has every ASCII glyph):
    the ten specials escaped, Unicode the report uses as math, accented letters as accent commands, anything else
    as [U+XXXX]."""
    text = unicodedata.normalize("NFC", text).replace("G̃", "\0")   # G with a combining tilde: math, below
    out, i = [], 0
    table = _TEX_TT if tt else _TEX_TEXT
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == "\0":
            out.append(r"$\tilde{G}$")
        elif ch in table:
            out.append(table[ch])
        elif ch == " " and tt:
            out.append("\\ ")
        elif ch == "-" and not tt and text[i:i + 1] == "-":
            out.append("-{}")                       # no en or em dash ligature from the user's "--"
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _TEX_MATH:
            out.append(f"${_TEX_MATH[ch]}$")
        elif ch in _TEX_ASCII:
            out.append(_TEX_ASCII[ch])
        else:
            out.append(_tex_letter(ch))
    return "".join(out)


def _tex_letter(ch: str) -> str:
    """An accented Latin letter as accent commands (é → \\'{e}), else [U+XXXX]."""
    base, *marks = unicodedata.normalize("NFD", ch)
    if ord(base) < 128 and base.isalpha() and marks and all(m in _TEX_ACCENTS for m in marks):
        for m in marks:
            base = f"\\{_TEX_ACCENTS[m]}{{{base}}}"
        return base
    return f"[U+{ord(ch):04X}]"


def tex_code(text: str) -> str:
    r"""\texttt{text}, with a break allowed after '/' and after every 16 characters without a space."""
    pieces, run = [], 0
    for ch in unicodedata.normalize("NFC", text):
        pieces.append(tex_escape(ch, True))
        run = 0 if ch == " " else run + 1
        if ch == "/" or run == 16:
            pieces.append(r"\allowbreak{}")
            run = 0
    return r"\texttt{" + "".join(pieces) + "}"


def tex(segs: list[Seg]) -> str:
    return "".join(tex_code(s.text) if isinstance(s, Code) else f"${s.tex}$" if isinstance(s, Math)
                   else tex_escape(s, False) for s in segs)


def html(segs: list[Seg]) -> str:
    return "".join(f"<code>{_html_mod.escape(s.text)}</code>" if isinstance(s, Code)
                   else f'<span class="math">{_html_mod.escape(s.plain)}</span>' if isinstance(s, Math)
                   else _html_mod.escape(s) for s in segs)


def plain(segs: list[Seg]) -> str:
    return "".join(s.text if isinstance(s, Code) else s.plain if isinstance(s, Math) else s for s in segs)
