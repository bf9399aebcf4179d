// credpages verifier: eddsa-jcs-2022 proofs, did:web keys, Bitstring Status List, validity.
// Pure logic, no DOM: fetch and now are options, so tests can drive it. Fails closed: any error
// ends in a non-verified verdict that says why.

import { t } from './i18n.js';

const VC2 = 'https://www.w3.org/ns/credentials/v2';
export const ED25519_BROWSERS = 'Chrome/Edge 137+, Firefox 129+ or Safari 17+';
export const STEPS = {
  wellformed: t('Well-formed credential'),
  key: t("Issuer's key (did:web)"),
  signature: t('Signature (eddsa-jcs-2022)'),
  published: t('Second proof (eddsa-rdfc-2022)'),
  status: t('Revocation status'),
  validity: t('Validity period'),
};
/** Clocks disagree: validity dates (of credentials and status lists) are allowed this much slack. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** When several checks fail, the lowest rank decides the verdict. */
export const RANK = {
  invalid: 0,
  tampered: 1,
  forged: 1,
  'cannot-verify': 2,
  revoked: 3,
  expired: 4,
  'not-yet-valid': 4,
  verified: 5,
};

/** A failed check; `verdict` is what it means for the credential. */
export class Fail extends Error {
  /** @param {string} verdict @param {string} msg */
  constructor(verdict, msg) {
    super(msg);
    this.verdict = verdict;
  }
}
/** @param {string} verdict @param {string} msg @returns {never} */
const fail = (verdict, msg) => {
  throw new Fail(verdict, msg);
};
export const isObj = (/** @type {any} */ v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** One value or an array of them, as an array. @returns {any[]} */
export const arr = (/** @type {any} */ v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const msg = (/** @type {any} */ e) => e?.message ?? String(e);

// ---- JCS (RFC 8785). JSON.stringify writes numbers in ECMAScript shortest form and escapes
// strings exactly as RFC 8785 asks; the default sort compares UTF-16 code units, as required.
/** @param {unknown} v @returns {string} */
export function jcs(v) {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('NaN/Infinity is not JSON');
  // With the `u` flag a surrogate range matches only unpaired surrogates, which RFC 8785 forbids.
  if (typeof v === 'string' && /[\uD800-\uDFFF]/u.test(v)) throw new TypeError('lone surrogate');
  if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  if (isObj(v)) {
    const o = /** @type {Record<string, unknown>} */ (v);
    const members = Object.keys(o)
      .sort()
      .map((k) => `${jcs(k)}:${jcs(o[k])}`)
      .join(',');
    return `{${members}}`;
  }
  throw new TypeError(`${typeof v} is not JSON`);
}

/** True if nested deeper than 64 levels. @param {unknown} v */
export const tooDeep = (v, d = 1) =>
  d > 64 || (typeof v === 'object' && v !== null && Object.values(v).some((x) => tooDeep(x, d + 1)));

// ---- encodings and crypto
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** base58btc to bytes. @param {string} s */
export function base58Decode(s) {
  if (s.length > 200) throw new Error('base58 value too long'); // keys and signatures are short
  const out = []; // little-endian base-256 digits
  for (const c of s) {
    let carry = B58.indexOf(c);
    if (carry < 0) throw new Error('not base58btc');
    for (let i = 0; i < out.length; i++, carry >>= 8) out[i] = (carry += out[i] * 58) & 255;
    for (; carry; carry >>= 8) out.push(carry & 255);
  }
  for (let i = 0; s[i] === '1'; i++) out.push(0); // a leading "1" is a leading zero byte
  return Uint8Array.from(out.reverse());
}

/** The 32 key bytes of a `z6Mk…` Multikey (0xed01 + key); anything else throws. @param {unknown} mb */
export function decodeMultikey(mb) {
  const b = typeof mb === 'string' && mb.startsWith('z6Mk') ? base58Decode(mb.slice(1)) : [];
  if (b.length !== 34 || b[0] !== 0xed || b[1] !== 1) throw new Error('not an Ed25519 Multikey (z6Mk…)');
  return b.slice(2);
}

/** A string's UTF-8 bytes. */
export const utf8 = (/** @type {string} */ s) => new TextEncoder().encode(s);
/** Bytes as UTF-8 text; bytes that are not UTF-8 throw. */
export const utf8Text = (/** @type {Uint8Array} */ b) => new TextDecoder('utf-8', { fatal: true }).decode(b);
export const sha256 = async (/** @type {Uint8Array} */ b) => new Uint8Array(await crypto.subtle.digest('SHA-256', b));
/** base64 to bytes (atob's rules: padding optional); anything else throws. */
export const b64 = (/** @type {string} */ s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** @type {Map<string, Promise<CryptoKey>>} imported once: a credential and its status list share a key */
const keyCache = new Map();

/** An Ed25519 public key for WebCrypto (also the issuance log's, tlog.js). @param {Uint8Array} raw @returns {Promise<CryptoKey>} */
export function ed25519Key(raw) {
  // WebCrypto exists only in secure contexts (https, or localhost).
  if (!globalThis.crypto?.subtle)
    fail('cannot-verify', t('This browser offers no WebCrypto here: the page must be served over https.'));
  const id = raw.join();
  if (!keyCache.has(id)) {
    keyCache.set(
      id,
      crypto.subtle.importKey('raw', raw, 'Ed25519', false, ['verify']).catch((e) => {
        keyCache.delete(id);
        if (e?.name !== 'NotSupportedError') throw e;
        return fail('cannot-verify', t('This browser cannot check Ed25519 signatures; use {ED25519_BROWSERS}.', { ED25519_BROWSERS }));
      }),
    );
  }
  return /** @type {Promise<CryptoKey>} */ (keyCache.get(id));
}

/**
 * Check one eddsa-jcs-2022 proof of `doc` (Data Integrity EdDSA §3.3) with a raw Ed25519 key.
 * Resolves false for a wrong or malformed signature.
 * @param {Record<string, any>} doc @param {Record<string, any>} proof @param {Uint8Array} publicKey
 */
export async function verifyJcsProof(doc, proof, publicKey) {
  const { proofValue, ...options } = proof;
  const { proof: _, ...unsecured } = doc;
  let sig;
  try {
    sig = base58Decode(proofValue.slice(proofValue[0] === 'z' ? 1 : NaN));
  } catch {
    return false;
  }
  if (sig.length !== 64) return false;
  if ('@context' in options) {
    // The proof pins the contexts: the document's must start with its list, which replaces them.
    const docCtx = arr(doc['@context']).map(jcs);
    if (arr(options['@context']).some((c, i) => jcs(c) !== docCtx[i])) return false;
    unsecured['@context'] = options['@context'];
  }
  const [key, optionsHash, docHash] = await Promise.all([
    ed25519Key(publicKey),
    sha256(utf8(jcs(options))),
    sha256(utf8(jcs(unsecured))),
  ]);
  const data = new Uint8Array(64); // hashData = SHA-256(proof options) || SHA-256(document)
  data.set(optionsHash);
  data.set(docHash, 32);
  return crypto.subtle.verify('Ed25519', key, sig, data);
}

// ---- URLs and fetching
/** IPv4 literals that are not public unicast (private, loopback, link-local, CGNAT, multicast…). */
function specialIPv4(/** @type {string} */ h) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(h);
  const [a, b, c] = m ? m.slice(1).map(Number) : [];
  return (
    !!m &&
    (a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >> 6 === 1) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >> 4 === 1) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0 && c === 0) ||
      (a === 198 && b >> 1 === 9))
  );
}

/**
 * The one host rule: true for a host that is never fetched, however it is spelled. The URL parser
 * first canonicalises it (2130706433, 0177.0.0.1, 0x7f.1 and 127.1 all become 127.0.0.1;
 * full-width and upper-case letters are folded), trailing dots are dropped, then: localhost and
 * *.localhost, private, loopback, link-local, unspecified, CGNAT and multicast IPv4, and every
 * IPv6 literal ([::1], [::ffff:127.0.0.1], …: credentials are not served from bare IPv6 hosts).
 * A public name that resolves to a private address cannot be seen from here.
 * @param {string} host a host name, with or without a port
 */
export function isPrivateHost(host) {
  let h;
  try {
    h = new URL(`https://${host}/`).hostname.replace(/\.+$/, '');
  } catch {
    return true;
  }
  return !h || h.startsWith('[') || h === 'localhost' || h.endsWith('.localhost') || specialIPv4(h);
}

/** The development exception's spelling: http, localhost or 127.0.0.1 as written, and a port. */
const DEV_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1):\d{1,5}(\/|$)/i;

/**
 * The rules for every URL fetched: https to a public host (isPrivateHost). The one exception, for
 * local testing (README, site_url): http://localhost:<port> or http://127.0.0.1:<port>, spelled
 * exactly so, when the page itself is such an origin.
 * @param {string} raw @param {string} pageOrigin @returns {URL}
 */
export function checkUrl(raw, pageOrigin) {
  let u;
  try {
    u = new URL(raw);
  } catch {
    fail('cannot-verify', t('"{raw}" is not a URL.', { raw }));
  }
  if (DEV_ORIGIN.test(raw) && DEV_ORIGIN.test(pageOrigin) && !u.username) return u;
  if (u.protocol !== 'https:') fail('cannot-verify', t('Refusing {href}: only https:// addresses are fetched.', { href: u.href }));
  if (isPrivateHost(u.host) || u.username || u.password)
    fail('cannot-verify', t('Refusing {href}: private, loopback or IP-address host.', { href: u.href }));
  return u;
}

/**
 * did:web:host[%3Aport][:path]* → https://host[:port]/path/did.json, or …/.well-known/did.json
 * without a path (http for localhost/127.0.0.1 with a port, under the checkUrl exception).
 * @param {string} did @param {string} pageOrigin @returns {string}
 */
export function didWebUrl(did, pageOrigin) {
  const m = /^did:web:([a-z0-9.-]+)(%3a\d{1,5})?((:[\w.~%!$&'()*+,;=@-]+)*)$/i.exec(did);
  const segs = m ? m[3].split(':').slice(1) : [];
  // No dot segments, plain or percent-encoded (URL parsing would resolve both): a DID names one path.
  if (!m || segs.some((s) => /^\.\.?$|%2[ef]/i.test(s)))
    fail('cannot-verify', t('"{did}" is not a did:web identifier that can be resolved.', { did }));
  const host = m[1].toLowerCase() + (m[2] ? `:${m[2].slice(3)}` : '');
  const scheme = DEV_ORIGIN.test(`http://${host}/`) && DEV_ORIGIN.test(pageOrigin) ? 'http' : 'https';
  return checkUrl(`${scheme}://${host}/${segs.length ? segs.join('/') : '.well-known'}/did.json`, pageOrigin).href;
}

/**
 * Read a stream, giving up past `max` bytes.
 * @param {ReadableStream<Uint8Array>} stream @param {number} max @param {() => Error} tooBig
 */
export async function readCapped(stream, max, tooBig) {
  const reader = stream.getReader();
  const out = new Uint8Array(max);
  let n = 0;
  for (let r; !(r = await reader.read()).done; n += r.value.length) {
    if (n + r.value.length > max) {
      reader.cancel().catch(() => {});
      throw tooBig();
    }
    out.set(r.value, n);
  }
  return out.slice(0, n);
}

/**
 * GET a URL under the URL rules, with a size cap and a timeout, without cookies: `credentials`
 * 'same-origin' (the credential page) sends its own origin the cookies its stylesheet request
 * already sent, and lets the fetch be the one the page preloaded (<link rel=preload crossorigin>).
 * `cache` is fetch's (the log's files: 'no-cache').
 * @param {string} url
 * @param {{fetch?: typeof fetch, pageOrigin?: string, timeoutMs?: number, maxBytes?: number, what?: string,
 *   credentials?: 'omit'|'same-origin', cache?: RequestCache}} o
 * @returns {Promise<Uint8Array>} the body
 */
export async function fetchLimited(
  url,
  {
    fetch: get = globalThis.fetch,
    pageOrigin = '',
    timeoutMs = 8000,
    maxBytes = 1 << 20,
    what = t('the document'),
    credentials = /** @type {'omit'|'same-origin'} */ ('omit'),
    cache,
  },
) {
  const href = checkUrl(url, pageOrigin).href;
  const cannot = (/** @type {string} */ why) =>
    new Fail('cannot-verify', t('Could not fetch {what} at {href} ({why}).', { what, href, why }));
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await get(href, { credentials, cache, redirect: 'follow', signal: ctl.signal }).catch(() => {
      throw cannot(
        ctl.signal.aborted
          ? t('no answer in {seconds} s', { seconds: timeoutMs / 1000 })
          : t('network error or cross-origin reads not allowed'),
      );
    });
    if (!res.ok) throw cannot(t('HTTP {status}', { status: res.status }));
    if (res.url && res.url !== href) checkUrl(res.url, pageOrigin); // redirects must obey the rules too
    const tooBig = () => cannot(t('larger than {value} KB', { value: maxBytes >> 10 }));
    if (!res.body || +(res.headers.get('content-length') ?? 0) > maxBytes) throw tooBig();
    return await readCapped(res.body, maxBytes, tooBig).catch((e) => {
      throw e instanceof Fail ? e : cannot(t('download failed or timed out'));
    });
  } finally {
    clearTimeout(timer);
  }
}

// ---- credential checks
const DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
export const issuerOf = (/** @type {any} */ c) => (typeof c.issuer === 'string' ? c.issuer : c.issuer?.id);
const when = (/** @type {string} */ s) => Date.parse(s);

/** Structural checks of a VC 2.0 credential; throws Fail('invalid'). @param {any} c */
function checkWellFormed(c) {
  const bad = (/** @type {string} */ m) => fail('invalid', m);
  if (tooDeep(c)) bad(t('The JSON is nested deeper than 64 levels.'));
  if (!isObj(c)) bad(t('The input is not a JSON object.'));
  try {
    jcs(c);
  } catch (e) {
    bad(t('The JSON cannot be canonicalised ({error}).', { error: msg(e) }));
  }
  if (arr(c['@context'])[0] !== VC2) bad(t('@context must start with {VC2}.', { VC2 }));
  if (!arr(c.type).includes('VerifiableCredential')) bad(t('type must include VerifiableCredential.'));
  if (typeof issuerOf(c) !== 'string') bad(t('issuer must be a URL or an object with an id.'));
  const subjects = arr(c.credentialSubject);
  if (!subjects.length || !subjects.every(isObj)) bad(t('credentialSubject must be an object.'));
  for (const k of ['validFrom', 'validUntil']) {
    if (c[k] !== undefined && !(DATE.test(c[k]) && !isNaN(when(c[k]))))
      bad(t('{k} must be a date-time with a timezone.', { k }));
  }
  if (when(c.validFrom) > when(c.validUntil)) bad(t('validFrom is after validUntil.'));
  if (!arr(c.proof).every(isObj)) bad(t('Every proof must be an object.'));
  for (const e of arr(c.credentialStatus)) {
    const entryOk =
      typeof e?.statusListCredential === 'string' &&
      typeof e.statusListIndex === 'string' &&
      /^\d{1,15}$/.test(e.statusListIndex);
    if (!isObj(e) || (e.type === 'BitstringStatusListEntry' && !entryOk)) {
      bad(t('credentialStatus needs statusListCredential and a numeric string statusListIndex.'));
    }
  }
}

/** The eddsa-jcs-2022 proofs; any unknown proof makes the document uncheckable here (fail closed). @param {any} doc */
function jcsProofs(doc) {
  const suites = arr(doc.proof).map((p) => (p.type === 'DataIntegrityProof' ? p.cryptosuite : p.type));
  const other = suites.filter((s) => s !== 'eddsa-jcs-2022' && s !== 'eddsa-rdfc-2022');
  if (other.length)
    fail(
      'cannot-verify',
      t('There is a proof of a kind this verifier does not know ({other}), so it cannot vouch for the document.', { other }),
    );
  if (!suites.includes('eddsa-jcs-2022')) {
    fail(
      'cannot-verify',
      suites.length
        ? t('There is no eddsa-jcs-2022 proof, the kind a browser can check; its eddsa-rdfc-2022 proof can be checked with standard tools.')
        : t('There is no eddsa-jcs-2022 proof, the kind a browser can check.'),
    );
  }
  return arr(doc.proof).filter((p, i) => suites[i] === 'eddsa-jcs-2022');
}

/**
 * A key per proof from the issuer's DID document: the method must be the issuer's, a Multikey
 * controlled by the DID, and listed under assertionMethod.
 * @param {any[]} proofs @param {Ctx} ctx @returns {Uint8Array[]}
 */
function keysFor(proofs, { did, didDoc, didUrl }) {
  return proofs.map(({ verificationMethod: vm, proofPurpose }) => {
    if (typeof vm !== 'string' || vm.split('#')[0] !== did)
      fail('forged', t('Signed with key {vm}, which is not the issuer\'s ({did}).', { vm, did }));
    if (proofPurpose !== 'assertionMethod')
      fail('forged', t('The proof purpose is {proofPurpose}, not assertionMethod.', { proofPurpose }));
    const m = arr(didDoc.verificationMethod).find((x) => x?.id === vm);
    if (!m) fail('forged', t('Key {vm} is not in the issuer\'s DID document {didUrl}.', { vm, didUrl }));
    if (m.controller !== did) fail('forged', t('Key {vm} is not controlled by {did}.', { vm, did }));
    if (!arr(didDoc.assertionMethod).includes(vm))
      fail('forged', t('Key {vm} is not allowed to issue (assertionMethod) in {didUrl}.', { vm, didUrl }));
    try {
      if (m.type !== 'Multikey') throw new Error(`a ${m.type}, not Multikey`);
      return decodeMultikey(m.publicKeyMultibase);
    } catch (e) {
      return fail('cannot-verify', t('Key {vm} is unusable: {error}.', { vm, error: msg(e) }));
    }
  });
}

/** All eddsa-jcs-2022 proofs must verify. @param {any} doc @param {any[]} proofs @param {Uint8Array[]} keys */
async function checkSignatures(doc, proofs, keys) {
  const ok = await Promise.all(proofs.map((p, i) => verifyJcsProof(doc, p, keys[i])));
  if (!ok.every(Boolean))
    fail(
      'tampered',
      t("The signature does not match the issuer's key: the credential was changed after signing, or not signed by the issuer."),
    );
}

/** Bytes of a `u` (base64url) multibase gzip bitstring, capped at 16 MB. @param {unknown} enc */
export async function decodeBits(enc) {
  if (typeof enc !== 'string' || !/^u[\w-]+$/.test(enc)) throw new Error('encodedList is not base64url multibase');
  const gz = b64(enc.slice(1).replace(/-/g, '+').replace(/_/g, '/'));
  // Write straight into the decompressor (a Blob stream would be read back through the browser
  // process); a corrupt list surfaces as a read error below.
  const inflate = new DecompressionStream('gzip');
  const writer = inflate.writable.getWriter();
  writer.write(gz).catch(() => {});
  writer.close().catch(() => {});
  return readCapped(inflate.readable, 16 << 20, () => new Error('list over 16 MB'));
}

/** Bit `i`, index 0 = most significant bit of byte 0. @param {Uint8Array} bits @param {number} i */
export const bitAt = (bits, i) => (bits[i >> 3] & (0x80 >> (i & 7))) !== 0;

/**
 * Fetch, verify and read one status entry's bit. Any doubt about the list means the status is
 * unknown (cannot-verify), not that the credential is bad. @param {any} entry @param {Ctx} ctx
 */
async function statusBit(entry, ctx) {
  const url = entry.statusListCredential;
  const vc = await ctx.getJson(url, t('the status list'));
  try {
    checkWellFormed(vc);
    if (!arr(vc.type).includes('BitstringStatusListCredential')) throw new Error('not a BitstringStatusListCredential');
    if (issuerOf(vc) !== ctx.did) throw new Error(`issued by ${issuerOf(vc)}, not ${ctx.did}`);
    if (vc.id !== url) throw new Error(`it names itself ${vc.id}, not ${url}`);
    const proofs = jcsProofs(vc);
    await checkSignatures(vc, proofs, keysFor(proofs, ctx));
    if (when(vc.validUntil) < ctx.now - CLOCK_SKEW_MS || when(vc.validFrom) > ctx.now + CLOCK_SKEW_MS)
      throw new Error('the list is outside its validity period');
    const subject = arr(vc.credentialSubject)[0];
    if (subject.statusPurpose !== entry.statusPurpose) throw new Error(`its purpose is ${subject.statusPurpose}`);
    const bits = await decodeBits(subject.encodedList);
    const i = Number(entry.statusListIndex);
    if (bits.length < 16384) throw new Error('the list is shorter than 131,072 bits');
    if (i >= bits.length * 8) throw new Error(`index ${i} is outside the list`);
    return bitAt(bits, i);
  } catch (e) {
    return fail('cannot-verify', t('The status list {url} cannot be trusted: {error}.', { url, error: msg(e) }));
  }
}

/** @param {any} c @param {Ctx} ctx */
async function checkStatus(c, ctx) {
  const notes = [];
  for (const e of arr(c.credentialStatus)) {
    if (e.type !== 'BitstringStatusListEntry') fail('cannot-verify', t('Unsupported status type {type}.', { type: e.type }));
    // Multi-bit entries (statusSize > 1, with statusMessage) are not read here: fail closed.
    if (e.statusSize !== undefined && e.statusSize !== 1)
      fail('cannot-verify', t('Unsupported statusSize {statusSize}.', { statusSize: e.statusSize }));
    const p = e.statusPurpose;
    if (p !== 'revocation' && p !== 'suspension') continue; // other purposes do not affect validity
    if (await statusBit(e, ctx))
      fail(
        'revoked',
        p === 'revocation' ? t('The issuer has revoked this credential.') : t('The issuer has suspended this credential.'),
      );
    const where = { list: e.statusListCredential, index: e.statusListIndex };
    notes.push(p === 'revocation' ? t('Not revoked ({list}, index {index}).', where) : t('Not suspended ({list}, index {index}).', where));
  }
  return notes.join(' ') || t('No revocation entry.');
}

/** Validity dates, with CLOCK_SKEW_MS of slack either way. @param {any} c @param {number} now */
function checkValidity(c, now) {
  if (when(c.validFrom) > now + CLOCK_SKEW_MS) fail('not-yet-valid', t('Not valid before {validFrom}.', { validFrom: c.validFrom }));
  if (when(c.validUntil) < now - CLOCK_SKEW_MS) fail('expired', t('Expired on {validUntil}.', { validUntil: c.validUntil }));
  const from = c.validFrom ?? t('issue');
  return c.validUntil ? t('Valid from {from} until {until}.', { from, until: c.validUntil }) : t('Valid from {from}, no end date.', { from });
}

/** The issuer's site: where its DID document is. */
export const issuerSite = (/** @type {string} */ u) => u.replace(/(\.well-known\/)?did\.json$/, '');

/**
 * Where the issuer publishes this credential: `<id>credential.json`, when the id is a page of the
 * issuer's own site (under the DID document's address); a learner record (CLR) is published at
 * its id, `<page>clr.json`. @param {any} c @param {Ctx} ctx
 */
export function publishedCopyUrl(c, ctx) {
  const site = issuerSite(ctx.didUrl);
  let id;
  try {
    id = new URL(c.id);
  } catch {
    id = null;
  }
  const clr = arr(c.type).includes('ClrCredential') && id?.pathname.endsWith('/clr.json');
  if (!id || !id.href.startsWith(site) || id.search || id.hash || !(clr || id.pathname.endsWith('/')))
    fail('cannot-verify', t("its id ({id}) is not a page of the issuer's site {site}", { id: c.id ?? t('none'), site }));
  return clr ? id.href : `${id.href}credential.json`;
}

/**
 * A browser cannot check an eddsa-rdfc-2022 proof (RDF canonicalisation needs a JSON-LD
 * processor). It counts as checked only when the credential is, value for value (JCS), the copy
 * the issuer publishes at `<id>credential.json`, or was read from the issuer's page at its id
 * (`ctx.own`): the issuer's build verified every proof of that copy before publishing it.
 * Otherwise the verdict is cannot-verify, saying which proof was not checked.
 * @param {any} c @param {Ctx} ctx
 */
async function checkPublished(c, ctx) {
  const rdfc = arr(c.proof).filter((p) => p.cryptosuite === 'eddsa-rdfc-2022');
  const unchecked = (/** @type {string} */ why) =>
    fail(
      'cannot-verify',
      t(
        "The eddsa-jcs-2022 proof is valid, but the eddsa-rdfc-2022 proof, which a browser cannot check, was not checked: {why}. Check the credential's JSON with a standard Verifiable Credentials tool.",
        { why },
      ),
    );
  if (rdfc.length > 1) unchecked(t('there is more than one'));
  if (!rdfc.length) unchecked(t('it is missing, though every credential of this kind has one'));
  let url = '';
  try {
    url = publishedCopyUrl(c, ctx);
    if (ctx.own && url === `${c.id}credential.json`) url = c.id; // this page: the copy at the id
    else {
      const copy = await ctx.getJson(url, t("the issuer's published copy"));
      if (tooDeep(copy) || jcs(copy) !== jcs(c))
        throw new Error(t('it differs from the copy the issuer publishes at {url}', { url }));
    }
  } catch (e) {
    unchecked(msg(e).replace(/\.$/, ''));
  }
  return t('Checked when the issuer built its site: this credential is exactly the copy it publishes at {url}.', { url });
}

// ---- orchestration
/**
 * @typedef {{id: string, state: 'ok'|'fail'|'skip', label: string, detail: string}} Step
 * @typedef {{verdict: string, summary: string, steps: Step[], issuerDomain: string|null, credential: unknown,
 *   didDocument: any}} Result
 * @typedef {{fetch?: typeof fetch, now?: Date|number, pageOrigin?: string, timeoutMs?: number,
 *   credentials?: 'omit'|'same-origin', servedAt?: string}} Options
 *   `servedAt`: only where the credential is the one embedded in the page the verifier runs in
 *   (verify-panel.js), that page's origin + path
 * @typedef {{now: number, did: string, didDoc: any, didUrl: string, own: boolean,
 *   getJson: (url: string, what: string) => Promise<any>}} Ctx
 *   `own`: the credential was read from the page at its id (`servedAt`; without an id
 *   publishedCopyUrl fails first). When publishedCopyUrl then answers `<id>credential.json`, the
 *   id is a page of the issuer's site: that site served the page, which its build wrote from the
 *   same verified document as credential.json, so the credential is a copy the issuer publishes
 *   and credential.json is not fetched.
 */

/** Step outcomes; the lowest-ranked failure decides the verdict. */
class Report {
  constructor() {
    /** @type {Step[]} */
    this.steps = Object.entries(STEPS).map(([id, label]) => ({ id, state: 'skip', label, detail: t('Not checked.') }));
    this.verdict = 'verified';
    this.summary = '';
    /** @type {string|null} */
    this.issuerDomain = null;
    /** The issuer's DID document once fetched and found to be its DID's (tlog.js reuses it). @type {any} */
    this.didDocument = null;
  }
  /** @param {string} id @param {'ok'|'fail'|'skip'} state @param {string} detail */
  set(id, state, detail) {
    Object.assign(this.steps.find((s) => s.id === id) ?? {}, { state, detail });
  }
  /** A thrown failure; an unexpected error fails closed as cannot-verify. @param {string} id @param {any} e */
  fail(id, e) {
    const verdict = e instanceof Fail ? e.verdict : 'cannot-verify';
    const detail = e instanceof Fail ? e.message : t('Stopped by an unexpected error: {error}', { error: msg(e) });
    this.set(id, 'fail', detail);
    if (RANK[verdict] < RANK[this.verdict]) Object.assign(this, { verdict, summary: detail });
  }
  /** Run a check whose return value is its ok detail. @param {string} id @param {() => any} fn */
  async run(id, fn) {
    try {
      this.set(id, 'ok', await fn());
      return true;
    } catch (e) {
      this.fail(id, e);
      return false;
    }
  }
  /** Skip the steps after `id`. @param {string} id @param {string} why */
  skipAfter(id, why) {
    for (const s of this.steps.slice(this.steps.findIndex((x) => x.id === id) + 1))
      Object.assign(s, { state: 'skip', detail: why });
  }
}

/**
 * The result for input that never became a credential (bad file, not JSON, fetch failed…).
 * @param {string} message @returns {Result}
 */
export function invalidResult(message, verdict = 'invalid') {
  const r = new Report();
  r.fail('wellformed', new Fail(verdict, message));
  r.skipAfter('wellformed', t('Not checked: no credential.'));
  return { ...r, credential: null };
}

/**
 * Verify a credential end to end. Never throws, and says "verified" only if every check passed.
 * @param {unknown} credential parsed JSON @param {Options} [opts] @returns {Promise<Result>}
 */
export async function verifyCredential(credential, opts = {}) {
  const r = new Report();
  try {
    await verifyInto(r, /** @type {any} */ (credential), opts);
  } catch (e) {
    // not expected: every check catches its own errors. Fail closed all the same.
    r.fail(r.steps.find((s) => s.state !== 'ok')?.id ?? 'validity', e);
  }
  return { ...r, credential };
}

/** @param {Report} r @param {any} c @param {Options} opts */
async function verifyInto(r, c, opts) {
  const pageOrigin = opts.pageOrigin ?? '';
  // Not awaited: the fetches below start before the page's module has finished running (the rest
  // of the bundle, share.js, runs then), not a microtask after it.
  try {
    checkWellFormed(c);
    r.set('wellformed', 'ok', `${arr(c.type).join(', ')}.`);
  } catch (e) {
    r.fail('wellformed', e);
    return r.skipAfter('wellformed', t('Not checked: not a well-formed credential.'));
  }
  const did = issuerOf(c);
  r.issuerDomain = did.startsWith('did:web:') ? did.split(':')[2].replace(/%3a/i, ':').toLowerCase() : null;
  /** @type {Map<string, Promise<any>>} */
  const cache = new Map();
  /** @type {Ctx} */
  const ctx = {
    now: +(opts.now ?? Date.now()),
    did,
    didDoc: null,
    didUrl: '',
    own: opts.servedAt === c.id,
    getJson(url, what) {
      if (!cache.has(url)) {
        const p = fetchLimited(url, { ...opts, pageOrigin, what }).then((bytes) => {
          try {
            return JSON.parse(utf8Text(bytes));
          } catch {
            return fail('cannot-verify', t('The data at {url} ({what}) is not JSON.', { url, what }));
          }
        });
        p.catch(() => {}); // may be fetched ahead of need: the failure is reported where it is awaited
        cache.set(url, p);
      }
      return /** @type {Promise<any>} */ (cache.get(url));
    },
  };

  /** @type {any[]} */
  let proofs = [];
  try {
    proofs = jcsProofs(c);
  } catch (e) {
    r.set('key', 'skip', t('Not checked: no proof that can be checked here.'));
    r.fail('signature', e);
    return r.skipAfter('signature', t('Not checked: the signature could not be checked.'));
  }
  // Download the status list and the published copy now, so they overlap the DID document
  // (getJson's promises already carry a handler: a failure is reported where it is awaited).
  for (const e of arr(c.credentialStatus))
    if (typeof e.statusListCredential === 'string') ctx.getJson(e.statusListCredential, t('the status list'));
  try {
    ctx.didUrl = didWebUrl(did, pageOrigin);
    if (!ctx.own) ctx.getJson(publishedCopyUrl(c, ctx), t("the issuer's published copy"));
  } catch {
    // reported by the steps below
  }

  /** @type {Uint8Array[]} */
  let keys = [];
  const keyOk = await r.run('key', async () => {
    const vm = proofs[0].verificationMethod;
    if (String(vm).split('#')[0] !== did)
      fail('forged', t('The credential names {did} as issuer but was signed with key {vm}.', { did, vm }));
    if (!did.startsWith('did:web:'))
      fail('cannot-verify', t('The issuer {did} is not a did:web; only did:web issuers can be checked here.', { did }));
    ctx.didUrl = didWebUrl(did, pageOrigin);
    ctx.didDoc = await ctx.getJson(ctx.didUrl, t("the issuer's DID document"));
    if (ctx.didDoc?.id !== did) fail('cannot-verify', t('The DID document at {didUrl} is not that of {did}.', { didUrl: ctx.didUrl, did }));
    r.didDocument = ctx.didDoc;
    keys = keysFor(proofs, ctx);
    const listed = proofs.map((p) => p.verificationMethod).join(', ');
    return t('{keys}, listed for issuing in {didUrl}.', { keys: listed, didUrl: ctx.didUrl });
  });
  if (!keyOk) return r.skipAfter('key', t("Not checked: the issuer's key is not available."));

  // Check the status list alongside the signature (it only counts if the signature is valid).
  const status = c.credentialStatus ? checkStatus(c, ctx) : null;
  status?.catch(() => {});
  if (!(await r.run('signature', async () => (await checkSignatures(c, proofs, keys), t('Valid.'))))) {
    return r.skipAfter('signature', t('Not checked: the signature is not valid.'));
  }
  await r.run('published', () => checkPublished(c, ctx));
  if (status) await r.run('status', () => status);
  else r.set('status', 'skip', t('No credentialStatus: this credential cannot be revoked.'));
  await r.run('validity', () => checkValidity(c, ctx.now));
}
