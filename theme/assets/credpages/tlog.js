// credpages issuance log, checked in the browser: is this credential an entry of its issuer's
// public append-only log (C2SP tlog-tiles + a checkpoint signed as a C2SP signed note)?
// The log is found through the issuer's DID document (service type CredpagesIssuanceLog); the
// checkpoint's Ed25519 signature is checked with the DID document's keys (WebCrypto); the
// inclusion proof (RFC 9162 §2.1.3) is computed from the published tiles. The browser also
// remembers the largest checkpoint it has seen per log (localStorage) and checks that each later
// one extends it (a consistency proof, RFC 9162 §2.1.4), so a log rewritten or shrunk between two
// visits is noticed. Nothing here changes the verdict: the result is shown on its own line.
import { checkUrl, decodeMultikey, didWebUrl, jcs } from './verifier.js';
import { t } from './i18n.js';
import { shown } from './verify-panel.js';

const SERVICE = 'CredpagesIssuanceLog';
const utf8 = new TextEncoder();
/** @param {Uint8Array[]} parts */
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};
const sha256 = async (/** @type {Uint8Array} */ b) => new Uint8Array(await crypto.subtle.digest('SHA-256', b));
const hex = (/** @type {Uint8Array} */ b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (/** @type {string} */ s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const same = (/** @type {Uint8Array} */ a, /** @type {Uint8Array} */ b) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** A check of the log that failed: the text says which. */
export class LogFail extends Error {}
/** @param {string} m @returns {never} */
const fail = (m) => {
  throw new LogFail(m);
};

// ---- RFC 9162 §2.1 (sizes are below 2**53; no 32-bit bit operations on them)
export const leafHash = (/** @type {Uint8Array} */ d) => sha256(cat(Uint8Array.of(0), d));
export const nodeHash = (/** @type {Uint8Array} */ l, /** @type {Uint8Array} */ r) => sha256(cat(Uint8Array.of(1), l, r));
const isPow2 = (/** @type {number} */ n) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;
/** The largest power of two smaller than n (n > 1). @param {number} n */
const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const odd = (/** @type {number} */ n) => n % 2 === 1;
const half = (/** @type {number} */ n) => Math.floor(n / 2);

/** @typedef {(level: number, index: number) => Promise<Uint8Array>} NodeSource */

/** MTH(D[start:end]) from complete-subtree hashes. @param {number} start @param {number} end @param {NodeSource} node */
export async function rangeHash(start, end, node) {
  const n = end - start;
  if (isPow2(n)) return node(Math.round(Math.log2(n)), start / n);
  const k = split(n);
  return nodeHash(await rangeHash(start, start + k, node), await rangeHash(start + k, end, node));
}

/** PATH(index, D[size]). @param {number} index @param {number} size @param {NodeSource} node */
export async function inclusionProof(index, size, node) {
  if (!(index >= 0 && index < size)) fail(t('entry {index} is not in a log of {size} entries', { index, size }));
  const jobs = [];
  let [start, n, m] = [0, size, index];
  while (n > 1) {
    const k = split(n);
    if (m < k) {
      jobs.push(rangeHash(start + k, start + n, node));
      n = k;
    } else {
      jobs.push(rangeHash(start, start + k, node));
      [start, n, m] = [start + k, n - k, m - k];
    }
  }
  return (await Promise.all(jobs)).reverse();
}

/** PROOF(m, D[n]). @param {number} m @param {number} n @param {NodeSource} node */
export async function consistencyProof(m, n, node) {
  if (!(m > 0 && m <= n)) fail(t('no consistency proof from {m} to {n} entries', { m, n }));
  const jobs = [];
  let [start, whole] = [0, true];
  while (m !== n) {
    const k = split(n);
    if (m <= k) {
      jobs.push(rangeHash(start + k, start + n, node));
      n = k;
    } else {
      jobs.push(rangeHash(start, start + k, node));
      [start, n, m, whole] = [start + k, n - k, m - k, false];
    }
  }
  if (!whole) jobs.push(rangeHash(start, start + n, node));
  return (await Promise.all(jobs)).reverse();
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to. @param {number} index @param {number} size @param {Uint8Array} leaf @param {Uint8Array[]} proof */
export async function rootFromInclusion(index, size, leaf, proof) {
  if (!(index >= 0 && index < size)) fail(t('entry {index} is not in a log of {size} entries', { index, size }));
  let [fn, sn, r] = [index, size - 1, leaf];
  for (const p of proof) {
    if (sn === 0) fail(t('the inclusion proof is too long'));
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else r = await nodeHash(r, p);
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) fail(t('the inclusion proof is too short'));
  return r;
}

/** RFC 9162 §2.1.4.2; resolves true if the tree (n, root2) extends (m, root1). @param {number} m @param {number} n @param {Uint8Array[]} proof @param {Uint8Array} root1 @param {Uint8Array} root2 */
export async function verifyConsistency(m, n, proof, root1, root2) {
  if (m === n) return proof.length === 0 && same(root1, root2);
  if (!(m > 0 && m < n) || !proof.length) return false;
  const path = isPow2(m) ? [root1, ...proof] : [...proof];
  let [fn, sn] = [m - 1, n - 1];
  while (odd(fn)) [fn, sn] = [half(fn), half(sn)];
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      [fr, sr] = [await nodeHash(c, fr), await nodeHash(c, sr)];
      while (!odd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = await nodeHash(sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && same(fr, root1) && same(sr, root2);
}

// ---- C2SP tlog-tiles
/** 1234067 → "x001/x234/067". @param {number} n */
export function encodeIndex(n) {
  const groups = [String(n % 1000).padStart(3, '0')];
  for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) groups.unshift(`x${String(n % 1000).padStart(3, '0')}`);
  return groups.join('/');
}
/** @param {string} head @param {number} n @param {number} width */
const tilePath = (head, n, width) =>
  `tile/${head}/${encodeIndex(n)}` + (width < 256 ? `.p/${width}` : '');
/** Width of tile n at a level holding `count` hashes. @param {number} count @param {number} n */
const widthOf = (count, n) => (n < Math.floor(count / 256) ? 256 : n === Math.floor(count / 256) ? count % 256 : 0);

/**
 * Complete-subtree hashes read from the tiles of a tree of `size` entries.
 * @param {number} size @param {(path: string, max: number) => Promise<Uint8Array>} get @returns {NodeSource}
 */
export function tileNodes(size, get) {
  /** @type {Map<string, Promise<Uint8Array>>} */
  const tiles = new Map();
  return async (level, index) => {
    const L = Math.floor(level / 8);
    const span = 2 ** (level % 8);
    const first = index * span;
    const n = Math.floor(first / 256);
    const width = widthOf(Math.floor(size / 256 ** L), n);
    if (first % 256 + span > width) fail(t('no complete subtree at level {level}, index {index}', { level, index }));
    const path = tilePath(String(L), n, width);
    if (!tiles.has(path))
      tiles.set(
        path,
        get(path, width * 32).then((b) => (b.length === width * 32 ? b : fail(t('{path} has the wrong size', { path })))),
      );
    const bytes = /** @type {Uint8Array} */ (await tiles.get(path));
    let hashes = [];
    for (let i = first % 256; i < (first % 256) + span; i++) hashes.push(bytes.slice(i * 32, i * 32 + 32));
    while (hashes.length > 1) {
      const up = [];
      for (let i = 0; i < hashes.length; i += 2) up.push(nodeHash(hashes[i], hashes[i + 1]));
      hashes = await Promise.all(up);
    }
    return hashes[0];
  };
}

/** @param {Uint8Array} data @returns {Uint8Array[]} */
export function parseBundle(data) {
  const out = [];
  for (let at = 0; at < data.length; ) {
    if (at + 2 > data.length) fail(t('an entry bundle is cut short'));
    const len = (data[at] << 8) | data[at + 1];
    if (at + 2 + len > data.length) fail(t('an entry bundle is cut short'));
    out.push(data.slice(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}

// ---- C2SP signed-note and tlog-checkpoint (Ed25519, signature type 0x01)
/** The note key ID: SHA-256(name || 0x0A || 0x01 || key)[:4]. @param {string} name @param {Uint8Array} key */
export const keyId = async (name, key) => hex((await sha256(cat(utf8.encode(`${name}\n`), Uint8Array.of(1), key))).slice(0, 4));

/**
 * Verify a checkpoint note signed by one of `keys` under the name `origin`; returns its tree.
 * @param {string} note @param {string} origin @param {Uint8Array[]} keys
 */
export async function openCheckpoint(note, origin, keys) {
  if (/[\x00-\x09\x0b-\x1f]/.test(note)) fail(t('the checkpoint contains control characters'));
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) fail(t('the checkpoint is not a signed note'));
  const text = note.slice(0, cut + 1);
  const known = new Map(await Promise.all(keys.map(async (k) => /** @type {[string, Uint8Array]} */ ([await keyId(origin, k), k]))));
  let verified = false;
  for (const line of note.slice(cut + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) fail(t('the checkpoint has a malformed signature line'));
    let blob;
    try {
      blob = b64(m[2]);
    } catch {
      fail(t('the checkpoint has a signature that is not base64'));
    }
    const key = m[1] === origin && blob.length === 68 ? known.get(hex(blob.slice(0, 4))) : undefined;
    if (!key) continue; // signed-note: signatures by other keys are ignored
    const ck = await crypto.subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, ck, blob.slice(4), utf8.encode(text))))
      fail(t("bad checkpoint signature: it does not verify with the issuer's key"));
    verified = true;
  }
  if (!verified) fail(t("bad checkpoint signature: not signed by a key of the issuer's DID document"));
  const [o, size, root, ...rest] = text.slice(0, -1).split('\n');
  if (o !== origin) fail(t('the checkpoint is of the log {o}, not {origin}', { o, origin }));
  if (!/^(0|[1-9]\d{0,15})$/.test(size ?? '') || rest.some((l) => !l)) fail(t('the checkpoint is malformed'));
  const rootBytes = b64(root);
  if (rootBytes.length !== 32) fail(t('the checkpoint root is not a SHA-256 hash'));
  return { size: Number(size), root: rootBytes };
}

/** Compare with the largest checkpoint this browser saw for the log, then remember the larger. */
async function rememberConsistent(/** @type {string} */ origin, /** @type {{size: number, root: Uint8Array}} */ cp, /** @type {NodeSource} */ node) {
  const key = `cp-log:${origin}`;
  let seen = null;
  try {
    seen = JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return; // storage off or unreadable: nothing to compare with
  }
  if (seen && Number.isSafeInteger(seen.size) && typeof seen.root === 'string') {
    const root = b64(seen.root);
    if (seen.size > cp.size) fail(t('the log shrank since this browser last checked it ({size} entries, now {now}): entries were removed', { size: seen.size, now: cp.size }));
    const proof = seen.size === cp.size || seen.size === 0 ? [] : await consistencyProof(seen.size, cp.size, node);
    if (seen.size > 0 && !(await verifyConsistency(seen.size, cp.size, proof, root, cp.root)))
      fail(t('the log was rewritten since this browser last checked it (a fork: it no longer extends the {size} entries seen then)', { size: seen.size }));
    if (seen.size === cp.size) return;
  }
  try {
    localStorage.setItem(key, JSON.stringify({ size: cp.size, root: btoa(String.fromCharCode(...cp.root)) }));
  } catch {
    /* storage full or off */
  }
}

/**
 * @typedef {{state: 'none'|'ok'|'missing'|'fail', text: string, index?: number, date?: string}} LogResult
 * `opts.entry`: the hint of the credential's own page when the caller is that page (null: it has
 * none); left out, the hint is read from the page at the credential's id. Either way it only says
 * which entry to prove: the entry must hold this credential and be in the signed tree.
 * `opts.didDocument`: the issuer's DID document the verifier fetched from the same address and
 * found to be the issuer's (its id is checked again here); left out, or another's, it is fetched.
 * @param {any} credential @param {{fetch?: typeof fetch, pageOrigin?: string, entry?: number|null, didDocument?: any}} [opts]
 * @returns {Promise<LogResult>}
 */
export async function checkLog(credential, opts = {}) {
  const get = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const pageOrigin = opts.pageOrigin ?? '';
  /** @param {string} url @param {number} max @returns {Promise<Uint8Array|null>} */
  const fetchBytes = async (url, max) => {
    const href = checkUrl(url, pageOrigin).href;
    const res = await get(href, { credentials: 'omit', cache: 'no-cache' });
    if (res.status === 404) return null;
    if (!res.ok) fail(t('{href} answered HTTP {status}', { href, status: res.status }));
    const bytes = new Uint8Array(await res.arrayBuffer());
    return bytes.length > max ? fail(t('{href} is larger than expected', { href })) : bytes;
  };
  const need = async (/** @type {string} */ url, /** @type {number} */ max) => (await fetchBytes(url, max)) ?? fail(t('{url} is missing', { url }));
  const text = (/** @type {Uint8Array} */ b) => new TextDecoder('utf-8', { fatal: true }).decode(b);

  const did = typeof credential?.issuer === 'string' ? credential.issuer : credential?.issuer?.id;
  if (typeof did !== 'string' || !did.startsWith('did:web:')) return { state: 'none', text: '' };
  const didUrl = didWebUrl(did, pageOrigin);
  const site = didUrl.replace(/(\.well-known\/)?did\.json$/, '');
  const host = site.replace(/^https?:\/\//, '').replace(/\/$/, '');
  try {
    const didDoc = opts.didDocument?.id === did ? opts.didDocument : JSON.parse(text(await need(didUrl, 1 << 20)));
    const service = (Array.isArray(didDoc?.service) ? didDoc.service : []).find((/** @type {any} */ s) => s?.type === SERVICE);
    if (!service) return { state: 'none', text: '' };
    const base = `${site}log/`;
    if (service.serviceEndpoint !== base) fail(t('the DID document puts the log at {serviceEndpoint}, not {base}', { serviceEndpoint: service.serviceEndpoint, base }));
    const origin = base.replace(/^https?:\/\//, '').replace(/\/$/, '');
    const keys = [];
    for (const vm of Array.isArray(didDoc.verificationMethod) ? didDoc.verificationMethod : []) {
      try {
        keys.push(decodeMultikey(vm?.publicKeyMultibase));
      } catch {
        /* not an Ed25519 key: cannot sign the log */
      }
    }
    const cp = await openCheckpoint(text(await need(`${base}checkpoint`, 1 << 16)), origin, keys);
    const node = tileNodes(cp.size, (path, max) => need(base + path, max));
    await rememberConsistent(origin, cp, node);

    const id = String(credential.id ?? '');
    const missing = () => ({
      state: /** @type {const} */ ('missing'),
      text: t(
        'Warning: this credential is not in the public issuance log of {host}. Its signature may still be valid, but the issuer never logged it: ask the issuer before relying on it.',
        { host },
      ),
    });
    if (!id.startsWith(site)) return missing();
    /** @type {number|null|undefined} */
    let index = opts.entry;
    if (index === undefined) {
      const page = await fetchBytes(id, 1 << 24);
      index = page ? pageHint(new DOMParser().parseFromString(text(page), 'text/html')) : null;
    }
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) return missing();
    const n = Math.floor(index / 256);
    const bundle = parseBundle(await need(base + tilePath('entries', n, widthOf(cp.size, n)), 1 << 24));
    const entry = bundle[index % 256] ?? fail(t('entry {index} is not in its entry bundle', { index }));
    const m = /^(\d{4}-\d\d-\d\d) ([0-9a-f]{64}) (\S+)$/.exec(text(entry));
    if (!m || m[3] !== id) return missing();
    const root = await rootFromInclusion(index, cp.size, await leafHash(entry), await inclusionProof(index, cp.size, node));
    if (!same(root, cp.root)) fail(t('entry {index} is not in the signed tree: the published tiles or entries were altered', { index }));
    if (m[2] !== hex(await sha256(utf8.encode(jcs(credential)))))
      return {
        state: 'missing',
        text: t(
          "Warning: {host}'s public issuance log has another version of this credential (entry {index}): this one was changed or never logged.",
          { host, index },
        ),
      };
    const signed = Math.min(...[credential.proof].flat().map((p) => Date.parse(p?.created)).filter(Number.isFinite));
    if (Number.isFinite(signed) && m[1] < new Date(signed).toISOString().slice(0, 10))
      fail(t('backdated entry: entry {index} is dated {date}, before the credential was signed', { index, date: m[1] }));
    return {
      state: 'ok',
      index,
      date: m[1],
      text: t("Entry {index} in {host}'s public issuance log since {date} (inclusion proof and log signature checked).", {
        index,
        host,
        date: m[1],
      }),
    };
  } catch (e) {
    const why = e instanceof LogFail ? e.message : t('it could not be read ({error})', { error: /** @type {Error} */ (e)?.message ?? e });
    return { state: 'fail', text: t("Warning: {host}'s public issuance log failed a check: {why}.", { host, why }) };
  }
}

/**
 * A credential page's hint, `<meta name="cp:log-entry" content="N">`: which log entry holds it.
 * @param {Document} doc @returns {number|null}
 */
export function pageHint(doc) {
  const value = doc.querySelector('meta[name="cp:log-entry"]')?.getAttribute('content') ?? '';
  return /^(0|[1-9]\d{0,15})$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : null;
}

/** Show a result in the panel's [data-cp-log] line. @param {LogResult} result */
export function show(result) {
  const line = /** @type {HTMLElement|null} */ (document.querySelector('[data-cp-log]'));
  if (!line) return;
  line.dataset.state = result.state;
  line.textContent = result.text;
  line.hidden = result.state === 'none';
}

const options = () => ({ fetch: window.fetch.bind(window), pageOrigin: location.origin });
const script = document.getElementById('cp-credential');
if (script) {
  let credential = null;
  try {
    credential = JSON.parse(script.textContent ?? '');
  } catch {
    /* the verification panel reports it */
  }
  // After the verdict (the check does not compete with it), with the DID document it fetched.
  if (credential)
    shown
      .then((result) => checkLog(credential, { ...options(), entry: pageHint(document), didDocument: result?.didDocument }))
      .then(show);
}
// The /verify/ page announces each credential it checks.
let latest = 0;
document.addEventListener('cp:credential', (e) => {
  const mine = ++latest;
  show({ state: 'none', text: '' });
  const credential = /** @type {CustomEvent} */ (e).detail;
  if (credential && typeof credential === 'object')
    checkLog(credential, options()).then((r) => mine === latest && show(r));
});
