"""Differential test: the browser's JCS must produce exactly the bytes of Python's ``rfc8785``.

Hypothesis generates batches of random JSON values; each batch is canonicalised in one
``page.evaluate`` call (a round trip per value would dominate the run time). Values travel as
JSON text and are parsed in the page, so the page sees exactly the doubles and strings Python has.
"""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import call

pytestmark = pytest.mark.browser

# Hypothesis generates lists of ~100 such values quickly, but past ~120 it overruns its per-example
# data budget and spends minutes retrying, so: 30 batches of 100 = 3,000 values per run.
BATCH = 100
BATCHES = 30

# Keys that sort differently by UTF-16 code unit than by code point (astral vs U+E000–U+FFFF),
# look numeric (JS orders integer-like keys first in Object.keys), or are special to JS.
EDGE_KEYS = [
    "",
    "a",
    "A",
    "b",
    "aa",
    "1",
    "10",
    "2",
    "-1",
    "01",
    "1.5",
    "4294967295",
    "4294967294",
    "é",
    "\u0080",
    "\u00ff",
    "\u20ac",
    "\ud7ff",
    "\ue000",
    "\uff61",
    "\uffff",
    "\ufeff",
    "\U00010000",
    "\U0001f600",
    "\U0001f601",
    "\U0010ffff",
    "a\U0001f600",
    "a\ue000",
    "__proto__",
    "constructor",
    "toString",
    "\x00",
    "\n",
    '"',
    "\\",
    "\u2028",
]
EDGE_FLOATS = [
    1e21,
    1e20,
    9.999999999999999e20,
    1e-7,
    1e-6,
    1.0000000000000001e-7,
    0.000001,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    -0.0,
    0.0,
    0.1,
    0.2 + 0.1,
    4.35,
    1e23,
    333333333.3333333,
    123456789012345680000.0,
    1.5e300,
    2.0**53,
    2.0**53 + 2,
    -(2.0**60),
    1e-100,
    9007199254740993.0,
    295147905179352830000.0,
    1e16,
    1.25e-5,
]
EDGE_CHARS = "\"\\/\b\f\n\r\t\x00\x01\x1f\x7f\x80\u2028\u2029\ufeff\uffff\U0001f600\U0010ffff<>&'"

strings = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(EDGE_CHARS)), max_size=12
)
keys = st.one_of(strings, st.sampled_from(EDGE_KEYS))
numbers = st.one_of(
    st.integers(-(2**53 - 1), 2**53 - 1),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(EDGE_FLOATS),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, strings)
json_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=12,
)


def js_jcs(page, values: list) -> list[str]:
    texts = [json.dumps(v) for v in values]
    return call(page, "return arg.map((t) => v.jcs(JSON.parse(t)));", texts)


@settings(
    max_examples=BATCHES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(batch=st.lists(json_values, min_size=BATCH, max_size=BATCH))
def test_jcs_matches_rfc8785(module_page, batch):
    got = js_jcs(module_page, batch)
    for value, text in zip(batch, got, strict=True):
        assert text.encode("utf-8") == rfc8785.dumps(value), value


def test_edge_values_all_at_once(module_page):
    values = [
        *EDGE_FLOATS,
        *[-f for f in EDGE_FLOATS],
        {k: i for i, k in enumerate(EDGE_KEYS)},
        [EDGE_CHARS, {"\U0001f600": 1, "\ue000": 2, "\uffff": 3, "z": [None, True, False]}],
        {"nested": {"deeper": [[[{"": ""}]]]}},
        2**53 - 1,
        -(2**53 - 1),
    ]
    got = js_jcs(module_page, values)
    for value, text in zip(values, got, strict=True):
        assert text.encode("utf-8") == rfc8785.dumps(value), value


def test_rfc8785_appendix_sorting_example(module_page):
    # RFC 8785 §3.2.3 sorting example: keys ordered by UTF-16 code units.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    got = js_jcs(module_page, [value])[0]
    order = [k for k in json.loads(got)]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert got.encode("utf-8") == rfc8785.dumps(value)


def test_lone_surrogates_and_non_json_are_errors(module_page):
    errors = call(
        module_page,
        """const bad = ['\\ud800', 'a\\udfff', {['\\udc00']: 1}, [1, '\\ud83d'],
                        NaN, Infinity, undefined, () => 1, 10n];
           return bad.map((x) => {
             try { v.jcs(x); return 'no error'; } catch (e) { return e.name; }
           });""",
    )
    assert errors == ["TypeError"] * 9
    # A properly paired surrogate is fine.
    assert call(module_page, "return v.jcs('\\ud83d\\ude00');") == '"\U0001f600"'
