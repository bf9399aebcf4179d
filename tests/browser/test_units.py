"""verifier.js building blocks, called in the browser: did:web, URL rules, encodings, status."""

from __future__ import annotations

import base64
import gzip
import os

import pytest

from credpages import i18n
from credpages.credential.multikey import b58encode

from .fixtures import encode_bits, multikey
from .helpers import call

pytestmark = pytest.mark.browser

LOCAL_PAGE = "http://127.0.0.1:8000"
PUBLIC_PAGE = "https://example.org"


def did_url(page, did: str, origin: str = PUBLIC_PAGE) -> dict:
    return call(
        page,
        "try { return {url: v.didWebUrl(arg[0], arg[1])}; }"
        " catch (e) { return {verdict: e.verdict, error: e.message}; }",
        [did, origin],
    )


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.github.io", "https://example.github.io/.well-known/did.json"),
        ("did:web:example.github.io:awards", "https://example.github.io/awards/did.json"),
        ("did:web:Example.ORG:a:b", "https://example.org/a/b/did.json"),
        ("did:web:example.org%3A8443", "https://example.org:8443/.well-known/did.json"),
        ("did:web:example.org%3A8443:x", "https://example.org:8443/x/did.json"),
        ("did:web:example.org:user%20name", "https://example.org/user%20name/did.json"),
        # A public IPv4 literal is not refused by the URL rules (did:web discourages it).
        ("did:web:8.8.8.8", "https://8.8.8.8/.well-known/did.json"),
    ],
)
def test_did_web_resolution(module_page, did, url):
    assert did_url(module_page, did) == {"url": url}


@pytest.mark.parametrize(
    "did",
    [
        "did:web:localhost%3A8000",  # loopback from a public page
        "did:web:127.0.0.1%3A8000",
        "did:web:localhost",
        "did:web:10.1.2.3",
        "did:web:192.168.0.1",
        "did:web:172.16.5.4",
        "did:web:169.254.169.254",  # cloud metadata
        "did:web:100.64.0.1",
        "did:web:0.0.0.0",
        "did:web:224.0.0.1",
        "did:web:127.1",  # URL parsing normalises it to 127.0.0.1
        "did:web:0x7f000001",
        "did:web:[::1]",
        "did:web:%5B%3A%3A1%5D",
        "did:web:foo.localhost",
        "did:web:a:..:b",
        "did:web:example.org:%2e%2e:victim",  # percent-encoded dot segment
        "did:web:example.org:a%2Fb",
        "did:web:",
        "did:web:exa_mple.org",
        "did:web:example.org%2Fpath",
        "did:web:user@example.org",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    ],
)
def test_did_web_refusals(module_page, did):
    got = did_url(module_page, did)
    assert got.get("verdict") == "cannot-verify", got
    assert "url" not in got


def test_localhost_exception_only_for_local_pages(module_page):
    did = "did:web:127.0.0.1%3A8000:site"
    assert did_url(module_page, did, LOCAL_PAGE) == {"url": "http://127.0.0.1:8000/site/did.json"}
    assert did_url(module_page, "did:web:localhost%3A9", "http://localhost:1") == {
        "url": "http://localhost:9/.well-known/did.json"
    }
    refused = did_url(module_page, did, PUBLIC_PAGE)
    assert refused["verdict"] == "cannot-verify"
    assert "private, loopback" in refused["error"]
    # Without a port there is no exception, even on a local page.
    assert did_url(module_page, "did:web:localhost", LOCAL_PAGE)["verdict"] == "cannot-verify"


@pytest.mark.parametrize(
    ("url", "origin", "ok"),
    [
        ("https://example.org/status/revocation.json", PUBLIC_PAGE, True),
        ("http://example.org/status/revocation.json", PUBLIC_PAGE, False),
        ("http://example.org/status/revocation.json", LOCAL_PAGE, False),
        ("ftp://example.org/x", PUBLIC_PAGE, False),
        ("data:application/json,{}", PUBLIC_PAGE, False),
        ("https://user:pw@example.org/x", PUBLIC_PAGE, False),
        ("https://[::1]:8443/x", PUBLIC_PAGE, False),
        ("https://10.0.0.8/x", PUBLIC_PAGE, False),
        ("http://127.0.0.1:8000/x", LOCAL_PAGE, True),
        ("http://127.0.0.1/x", LOCAL_PAGE, False),
        ("http://127.0.0.1:8000/x", PUBLIC_PAGE, False),
        ("not a url", PUBLIC_PAGE, False),
    ],
)
def test_url_rules(module_page, url, origin, ok):
    got = call(
        module_page,
        "try { return v.checkUrl(arg[0], arg[1]).href; } catch (e) { return e.verdict; }",
        [url, origin],
    )
    assert (got != "cannot-verify") == ok, got


def test_base58_and_multikey(module_page):
    for data in [b"", b"\0", b"\0\0\1", os.urandom(32), b"\xff" * 64, b"\0" + os.urandom(63)]:
        got = call(module_page, "return Array.from(v.base58Decode(arg));", b58encode(data))
        assert bytes(got) == data
    key = os.urandom(32)
    assert (
        bytes(call(module_page, "return Array.from(v.decodeMultikey(arg));", multikey(key))) == key
    )
    for bad in [
        "z" + b58encode(b"\xec\x01" + key),  # another multicodec
        "z" + b58encode(b"\xed\x01" + key[:31]),
        "u7QEBAQ",
        "z6Mk",
        multikey(key)[:-1] + "0",  # 0 is not in the alphabet
        None,
    ]:
        assert (
            call(
                module_page,
                "try { v.decodeMultikey(arg); return 'accepted'; } catch { return 'refused'; }",
                bad,
            )
            == "refused"
        ), bad


def test_status_bits_are_msb_first(module_page):
    bits = bytearray(16)
    bits[0] = 0b1000_0001
    bits[2] = 0b0010_0000
    got = call(
        module_page,
        "const b = new Uint8Array(arg); return [0,1,7,8,18,127].map((i) => v.bitAt(b, i));",
        list(bits),
    )
    assert got == [True, False, True, False, True, False]


def test_encoded_list_from_python_decodes_in_the_browser(module_page):
    # The Python encoder (the project's status_list when present) and the browser decoder agree.
    bits = bytearray(131_072 // 8)
    set_ = (0, 7, 4242, 131_071)
    for i in set_:
        bits[i >> 3] |= 0x80 >> (i & 7)
    got = call(
        module_page,
        """const b = await v.decodeBits(arg[0]);
           return [b.length, arg[1].map((i) => v.bitAt(b, i))];""",
        [encode_bits(bytes(bits)), [*set_, 1, 4241, 131_070]],
    )
    assert got == [16_384, [True] * 4 + [False] * 3]


def test_gzip_bomb_is_capped(module_page):
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(17 << 20), mtime=0)).decode().rstrip(
        "="
    )
    assert len(bomb) < 40_000
    got = call(
        module_page, "return v.decodeBits(arg).then(() => 'decoded', (e) => e.message);", bomb
    )
    assert "16 MB" in got


def test_depth_limit(module_page):
    got = call(
        module_page,
        """const nest = (n) => n ? [nest(n - 1)] : 0;
           return [v.tooDeep(nest(63)), v.tooDeep(nest(64)), v.tooDeep({a: nest(63)})];""",
    )
    assert got == [False, True, True]


def test_missing_ed25519_is_explained(module_page):
    got = call(
        module_page,
        """const orig = crypto.subtle.importKey;
           crypto.subtle.importKey = async () => {
             throw new DOMException('no', 'NotSupportedError');
           };
           try {
             await v.verifyJcsProof({}, {proofValue: 'z' + '2'.repeat(88)}, new Uint8Array(32));
             return 'no error';
           }
           catch (e) { return [e.verdict, e.message]; }
           finally { crypto.subtle.importKey = orig; }""",
    )
    assert got[0] == "cannot-verify"
    assert "Chrome/Edge 137+" in got[1] and "Firefox 129+" in got[1] and "Safari 17+" in got[1]


def test_fetch_limits(module_page, server):
    (server.root / "big.json").write_bytes(b"[" + b"0," * 600_000 + b"0]")
    out = call(
        module_page,
        """const o = {pageOrigin: location.origin};
           const run = (u, extra) => v.fetchLimited(u, {...o, ...extra})
             .then((r) => 'ok ' + r.length, (e) => e.verdict + ': ' + e.message);
           return Promise.all([
             run(arg + 'blank.html', {}),
             run(arg + 'big.json', {what: 'the DID document'}),
             run(arg + 'missing.json', {what: 'the DID document'}),
             run(arg + '__slow/2/x.json', {timeoutMs: 300}),
           ]);""",
        server.url,
    )
    assert out[0].startswith("ok ")
    assert (
        out[1].startswith("cannot-verify")
        and "larger than 1024 KB" in out[1]
        and "big.json" in out[1]
    )
    missing = f"{server.url}missing.json"
    assert out[2] == f"cannot-verify: Could not fetch the DID document at {missing} (HTTP 404)."
    assert out[3].startswith("cannot-verify") and "no answer in 0.3 s" in out[3]


def test_fetch_sends_no_credentials(module_page, server):
    seen = call(
        module_page,
        """let init; await v.fetchLimited(arg + 'blank.html', {pageOrigin: location.origin,
             fetch: (u, i) => { init = i; return fetch(u, i); }});
           const {credentials, redirect, signal} = init;
           return {credentials, redirect, signal: !!signal};""",
        server.url,
    )
    assert seen == {"credentials": "omit", "redirect": "follow", "signal": True}


BASE = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:example.org",
    "credentialSubject": {"id": "did:example:1"},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "@context must start with"),
        ({"@context": None}, "@context must start with"),
        ({"type": ["OpenBadgeCredential"]}, "VerifiableCredential"),
        ({"issuer": {"name": "no id"}}, "issuer"),
        ({"issuer": 42}, "issuer"),
        ({"credentialSubject": []}, "credentialSubject"),
        ({"credentialSubject": "Ada"}, "credentialSubject"),
        ({"validFrom": "2024-01-01T00:00:00"}, "timezone"),
        ({"validFrom": "2024-01-01"}, "timezone"),
        ({"validUntil": "yesterday"}, "timezone"),
        (
            {"validFrom": "2025-01-01T00:00:00Z", "validUntil": "2024-01-01T00:00:00Z"},
            "after validUntil",
        ),
        ({"proof": ["z123"]}, "proof"),
        (
            {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusListIndex": 7,
                    "statusListCredential": "https://x/",
                }
            },
            "statusListIndex",
        ),
        (
            {
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusListIndex": "-1",
                    "statusListCredential": "https://x/",
                }
            },
            "statusListIndex",
        ),
        ({"credentialStatus": "revoked"}, "credentialStatus"),
    ],
)
def test_not_well_formed(module_page, change, message):
    doc = {**BASE, **change}
    got = call(
        module_page,
        """const r = await v.verifyCredential(arg);
           return [r.verdict, r.summary, r.steps.map((s) => s.state)];""",
        doc,
    )
    assert got[0] == "invalid"
    assert message in got[1], got[1]
    assert got[2] == ["fail", "skip", "skip", "skip", "skip", "skip"]


@pytest.mark.parametrize("value", [None, [], "text", 42, [BASE]])
def test_non_objects_are_invalid(module_page, value):
    assert call(module_page, "return (await v.verifyCredential(arg)).verdict;", value) == "invalid"


def test_epoch_date_is_a_date(module_page):
    doc = {**BASE, "validFrom": "1970-01-01T00:00:00Z"}
    got = call(module_page, "return (await v.verifyCredential(arg)).steps[0].state;", doc)
    assert got == "ok"


def test_verify_never_throws_on_hostile_input(module_page):
    got = call(
        module_page,
        """const di = {type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022'};
           const hostile = [
             {...arg, proof: [{...di, verificationMethod: {toString: 1}}]},
             {...arg, proof: {...di, verificationMethod: 'did:web:example.org#k', proofValue: 0}},
             {...arg, issuer: 'did:web:%E0%A4%A:x',
              proof: {...di, verificationMethod: 'did:web:%E0%A4%A:x#k'}},
             JSON.parse(`{"__proto__": {"polluted": 1}, "type": "VerifiableCredential",
               "@context": ["https://www.w3.org/ns/credentials/v2"], "issuer": "x",
               "credentialSubject": {}}`),
           ];
           const fetch = async () => { throw new Error('offline'); };
           const opts = {fetch, pageOrigin: 'https://example.org'};
           const out = [];
           for (const h of hostile) out.push((await v.verifyCredential(h, opts)).verdict);
           return [out, ({}).polluted === undefined];""",
        BASE,
    )
    verdicts, clean = got
    assert "verified" not in verdicts
    assert clean


def test_corrupt_encoded_list_rejects_cleanly(module_page):
    got = call(
        module_page,
        """let unhandled = 0;
           const count = () => { unhandled++; };
           addEventListener('unhandledrejection', count);
           const out = [];
           const notGzip = 'u' + btoa('not gzip at all').replace(/=/g, '');
           for (const bad of ['uAAAAAAAA', notGzip, 'zABC', 'u', 42]) {
             out.push(await v.decodeBits(bad).then(() => 'decoded', () => 'rejected'));
           }
           await new Promise((r) => setTimeout(r, 50));
           removeEventListener('unhandledrejection', count);
           return [out, unhandled];""",
    )
    assert got == [["rejected"] * 5, 0]


# The host rule, in one table: every spelling of a host that is never fetched, and public ones.
PRIVATE_HOSTS = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "localhost..",
    "foo.localhost",
    "foo.localhost.",
    "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54",  # full-width "localhost"
    "127.0.0.1",
    "127.0.0.1.",
    "127.1",
    "127.0.1",
    "2130706433",  # integer
    "017700000001",  # octal integer
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "0x7f.1",
    "%31%32%37.0.0.1",  # percent-encoded
    "0",  # unspecified
    "0.0.0.0",
    "10.0.0.1",
    "012.1",  # 10.0.0.1 in octal
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "3232235777",  # 192.168.1.1
    "169.254.169.254",  # link-local (cloud metadata)
    "0xa9fea9fe",
    "100.64.0.1",  # CGNAT
    "224.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:a00:1]",
    "[::127.0.0.1]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[2001:db8::1]",  # every IPv6 literal is refused
    "localhost:8000",
    "127.0.0.1:8000",
    "",
    "[::1",  # not a host at all
]
PUBLIC_HOSTS = [
    "example.org",
    "example.org.",
    "example.github.io",
    "localhost.example.org",
    "8.8.8.8",
    "172.32.0.1",
    "192.169.0.1",
    "100.128.0.1",
    "example.org:8443",
]


@pytest.mark.parametrize(
    ("host", "private"),
    [(h, True) for h in PRIVATE_HOSTS] + [(h, False) for h in PUBLIC_HOSTS],
)
def test_host_rule(module_page, host, private):
    assert call(module_page, "return v.isPrivateHost(arg);", host) is private


@pytest.mark.parametrize(
    "did",
    [
        "did:web:2130706433%3A8000",
        "did:web:0x7f000001%3A8000",
        "did:web:0177.0.0.1%3A8000",
        "did:web:127.1%3A8000",
        "did:web:127.0.0.1.%3A8000",
        "did:web:localhost.%3A8000",
        "did:web:0%3A8000",
        "did:web:10.0.0.1%3A8000",
    ],
)
def test_did_web_private_spellings_refused_from_local_pages_too(module_page, did):
    """The development exception covers localhost and 127.0.0.1 as spelled, nothing else."""
    for origin in (LOCAL_PAGE, PUBLIC_PAGE):
        got = did_url(module_page, did, origin)
        assert got.get("verdict") == "cannot-verify", (origin, got)
        assert "private, loopback" in got["error"]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:8000/x",
        "https://localhost:8000/x",
        "http://2130706433:8000/x",
        "http://127.1:8000/x",
        "http://0x7f.0.0.1:8000/x",
        "http://127.0.0.1.:8000/x",
        "http://localhost.:8000/x",
        "http://[::1]:8000/x",
        "http://[::ffff:127.0.0.1]:8000/x",
        "http://127.0.0.1:8000@example.org/x",
    ],
)
def test_url_rule_exception_is_only_the_documented_spelling(module_page, url):
    got = call(
        module_page,
        "try { return v.checkUrl(arg[0], arg[1]).href; } catch (e) { return e.verdict; }",
        [url, LOCAL_PAGE],
    )
    assert got == "cannot-verify", got


PANEL = "/assets/credpages/verify-panel.js"


@pytest.mark.parametrize(
    ("attr", "shown", "value", "ok"),
    [
        ("data-field", "Ada  Lovelace ", "Ada Lovelace", True),  # whitespace runs collapse
        ("data-field", "Ada", "Ada Lovelace", False),
        ("data-field", "Ada…", "Ada Lovelace", False),  # shortening needs the partial mark
        ("data-field-partial", "Ada Lovelace", "Ada Lovelace", True),
        ("data-field-partial", "Ada Love…", "Ada Lovelace", True),
        ("data-field-partial", "Ada Love …", "Ada Love lace", True),
        ("data-field-partial", "Ada Lovf…", "Ada Lovelace", False),
        ("data-field-partial", "Ada", "Ada Lovelace", False),  # shorter without "…"
        ("data-field-partial", "…", "Ada Lovelace", False),  # nothing kept
        ("data-field-partial", "Grace Hopper", "Ada Lovelace", False),
        ("data-field-partial", "A\ufffdB", "A\0B", True),  # what HTML cannot carry
        ("data-field-partial", "A\ufffdB", "A\ud800B", True),
        ("data-field-partial", "A\ufffdB", "AxB", False),
    ],
)
def test_page_field_rules(module_page, attr, shown, value, ok):
    got = module_page.evaluate(
        f"""async ([attr, shown, value]) => {{
          const {{ pageTextStep }} = await import({PANEL!r});
          const root = document.createElement('div');
          const el = root.appendChild(document.createElement('span'));
          el.setAttribute(attr, 'credentialSubject.name');
          el.textContent = shown;
          return pageTextStep(root, {{credentialSubject: {{name: value}}}}).state;
        }}""",
        [attr, shown, value],
    )
    assert got == ("ok" if ok else "fail")


@pytest.mark.parametrize("tag", sorted(i18n.shipped()))
def test_verdict_dates_are_the_pages_dates_without_intl(page, server, tag):
    """The verdict writes a date as the page does (Babel's CLDR long date, from the strings file's
    templates) and never asks Intl, whose first use in a fresh context costs 25-60 ms."""
    folder = server.root / f"dates-{tag}"
    server.install_assets(folder)
    if tag != "en":
        strings = folder / "assets" / "credpages" / "strings" / f"{tag}.js"
        strings.parent.mkdir()
        strings.write_text(i18n.strings_module(tag), encoding="utf-8")
    (folder / "index.html").write_text(f'<!doctype html><html lang="{tag}"><title>d</title>\n')
    page.add_init_script("Intl.DateTimeFormat = function () { throw new Error('Intl used'); };")
    page.goto(f"{server.url}dates-{tag}/")
    dates = ["2026-09-15T00:00:00Z", "0987-01-01T00:00:00Z", "2024-02-29T12:00:00+02:00"]
    dates += [f"2031-{m:02d}-{m + 9}T00:00:00Z" for m in range(1, 13)]
    got = page.evaluate(
        """async (dates) => {
             const m = await import('./assets/credpages/i18n.js');
             return dates.map((d) => m.humanDate(d));
           }""",
        dates,
    )
    assert got == [i18n.format_date(d, tag) for d in dates]
