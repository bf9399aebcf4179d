"""The BASIC-layout fallback (Pillow without raqm): Arabic presentation forms and run reordering."""

from __future__ import annotations

import unicodedata
from itertools import groupby

from .fonts import coverage
from .runs import _IGNORABLE, _NUMBER_CLASSES, Run, clusters

_MIRROR = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))


# --- the BASIC-layout fallback: Arabic presentation forms and reordering ---------------------

# letter: (first presentation form, number of forms); forms run isolated, final, initial, medial.
_ARABIC_FORMS: dict[int, tuple[int, int]] = {
    0x0621: (0xFE80, 1), 0x0622: (0xFE81, 2), 0x0623: (0xFE83, 2), 0x0624: (0xFE85, 2),
    0x0625: (0xFE87, 2), 0x0626: (0xFE89, 4), 0x0627: (0xFE8D, 2), 0x0628: (0xFE8F, 4),
    0x0629: (0xFE93, 2), 0x062A: (0xFE95, 4), 0x062B: (0xFE99, 4), 0x062C: (0xFE9D, 4),
    0x062D: (0xFEA1, 4), 0x062E: (0xFEA5, 4), 0x062F: (0xFEA9, 2), 0x0630: (0xFEAB, 2),
    0x0631: (0xFEAD, 2), 0x0632: (0xFEAF, 2), 0x0633: (0xFEB1, 4), 0x0634: (0xFEB5, 4),
    0x0635: (0xFEB9, 4), 0x0636: (0xFEBD, 4), 0x0637: (0xFEC1, 4), 0x0638: (0xFEC5, 4),
    0x0639: (0xFEC9, 4), 0x063A: (0xFECD, 4), 0x0641: (0xFED1, 4), 0x0642: (0xFED5, 4),
    0x0643: (0xFED9, 4), 0x0644: (0xFEDD, 4), 0x0645: (0xFEE1, 4), 0x0646: (0xFEE5, 4),
    0x0647: (0xFEE9, 4), 0x0648: (0xFEED, 2), 0x064A: (0xFEF1, 4),
    0x0671: (0xFB50, 2), 0x0679: (0xFB66, 4), 0x067E: (0xFB56, 4), 0x0686: (0xFB7A, 4),
    0x0688: (0xFB88, 2), 0x0691: (0xFB8C, 2), 0x0698: (0xFB8A, 2), 0x06A9: (0xFB8E, 4),
    0x06AF: (0xFB92, 4), 0x06BE: (0xFBAA, 4), 0x06C1: (0xFBA6, 4), 0x06CC: (0xFBFC, 4),
    0x06D2: (0xFBAE, 2),
}  # fmt: skip
# ALEF MAKSURA joins on both sides; its initial and medial forms live in Presentation Forms-A.
_ALEF_MAKSURA = {0x0649: (0xFEEF, 0xFEF0, 0xFBE8, 0xFBE9)}
_LAM = 0x0644
_LAM_ALEF = {0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}
_TATWEEL = 0x0640
_ZWNJ, _ZWJ = "\u200c", "\u200d"


class Unshapeable(Exception):
    """Text the BASIC-layout fallback cannot draw correctly (the character is the argument)."""


def _is_arabic_letter(ch: str) -> bool:
    cp = ord(ch)
    in_block = 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
    return in_block and unicodedata.category(ch) == "Lo"


def _forms(cp: int) -> tuple[int, int | None, int | None, int | None] | None:
    if cp in _ALEF_MAKSURA:
        return _ALEF_MAKSURA[cp]
    entry = _ARABIC_FORMS.get(cp)
    if entry is None:
        return None
    first, count = entry
    return (
        first,
        first + 1 if count >= 2 else None,
        first + 2 if count == 4 else None,
        first + 3 if count == 4 else None,
    )


def _joins_forward(cluster: str) -> bool:
    """Whether this letter can connect to the following one (dual-joining or tatweel)."""
    if _ZWNJ in cluster:
        return False
    cp = ord(cluster[0])
    forms = _forms(cp)
    return cp == _TATWEEL or (forms is not None and forms[2] is not None)


def _joins_backward(cluster: str) -> bool:
    """Whether this letter can connect to the preceding one (it has a final form)."""
    cp = ord(cluster[0])
    forms = _forms(cp)
    return cp == _TATWEEL or (forms is not None and forms[1] is not None)


def shape_arabic_basic(text: str) -> str:
    """Arabic letters replaced by their contextual presentation forms (logical order kept)."""
    units = clusters(text)
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        base = ord(unit[0])
        if _is_arabic_letter(unit[0]) and _forms(base) is None and base != _TATWEEL:
            raise Unshapeable(unit[0])
        forms = _forms(base)
        if forms is None:
            out.append(unit)
            i += 1
            continue
        prev_joins = i > 0 and _joins_forward(units[i - 1]) and _joins_backward(unit)
        nxt = units[i + 1] if i + 1 < len(units) else None
        if base == _LAM and nxt is not None and ord(nxt[0]) in _LAM_ALEF and _ZWNJ not in unit:
            ligature = _LAM_ALEF[ord(nxt[0])] + (1 if prev_joins else 0)
            out.append(chr(ligature) + unit[1:] + nxt[1:])
            i += 2
            continue
        next_joins = nxt is not None and _joins_forward(unit) and _joins_backward(nxt)
        isolated, final, initial, medial = forms
        if prev_joins and next_joins and medial is not None:
            form = medial
        elif prev_joins and final is not None:
            form = final
        elif next_joins and initial is not None:
            form = initial
        else:
            form = isolated
        out.append(chr(form) + unit[1:].replace(_ZWJ, ""))
        i += 1
    return "".join(out)


def _drop_ignorables(text: str) -> str:
    """Joiners and selectors have done their work once shaped; BASIC layout would draw them."""
    return "".join(ch for ch in text if ord(ch) not in _IGNORABLE)


def basic_visual(run: Run) -> str:
    """A run's characters in left-to-right drawing order for Pillow's BASIC layout."""
    if not run.rtl:
        return _drop_ignorables(run.text)
    shaped = _drop_ignorables(shape_arabic_basic(run.text))
    missing = [ch for ch in shaped if ord(ch) not in coverage(run.font_file)]
    if missing:
        raise Unshapeable(missing[0])
    units = clusters(shaped)
    tokens = [
        (is_number, list(group))
        for is_number, group in groupby(
            units, key=lambda u: unicodedata.bidirectional(u[0]) in _NUMBER_CLASSES
        )
    ]
    parts = []
    for is_number, group in reversed(tokens):
        if is_number:
            parts.append("".join(group))
        else:
            parts.append("".join(_MIRROR.get(u[0], u[0]) + u[1:] for u in reversed(group)))
    return "".join(parts)
