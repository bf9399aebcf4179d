// credpages issuance log, checked in the browser: is this credential an entry of its issuer's
// public append-only log (C2SP tlog-tiles + a checkpoint signed as a C2SP signed note)?
// The log is found through the issuer's DID document (service type CredpagesIssuanceLog); the
// checkpoint's Ed25519 signature is checked with the DID document's keys (WebCrypto); the
// inclusion proof (RFC 9162 §2.1.3) is read from the published tiles: the signed root must be
// what the entry's leaf hash and the proof's subtree hashes make. The browser also remembers the
// largest checkpoint it has seen per log (localStorage) and checks that each later one extends it
// (a consistency proof, RFC 9162 §2.1.4: the old root and the new one both made from the same
// subtree hashes), so a log rewritten or shrunk between two visits is noticed. Nothing here
// changes the verdict: the result is shown on its own line. On a site with a log the build
// publishes this module inside verify-panel.js (site/bundle.py): fetching, hashing, base64 and
// key import are the verifier's own. The /verify/ page calls checkLog itself (verify-page.js).
import { arr, b64, decodeMultikey, didWebUrl, ed25519Key, Fail, fetchLimited, issuerOf, issuerSite, jcs, sha256, utf8, utf8Text } from './verifier.js';
import { t } from './i18n.js';
import { shown } from './verify-panel.js';

/** SHA-256 of the parts, joined. @param {ArrayLike<number>[]} parts */
const hash = (...parts) => sha256(new Uint8Array(parts.flatMap((p) => Array.from(p))));
const hex = (/** @type {Uint8Array} */ b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
/** A decimal size or index as the log writes it (no sign, no leading zero, below 2**53). */
const DECIMAL = /^(0|[1-9]\d{0,15})$/;

/** A check of the log that failed (the verifier's Fail: its fetches fail the same way). @param {string} m @returns {never} */
const logFail = (m) => {
  throw new Fail('cannot-verify', m);
};

// ---- RFC 9162 §2.1 (sizes are below 2**53; no 32-bit bit operations on them)
/** @typedef {(level: number, index: number) => Uint8Array|Promise<Uint8Array>} NodeSource */

/**
 * MTH(D[s:e]) (RFC 9162 §2.1.1): each complete subtree read from `node`, unless `open` asks for
 * it to be made from its two halves (the path down to a leaf, or to an older tree's edge).
 * @param {number} s @param {number} e @param {NodeSource} node @param {(s: number, e: number) => boolean} [open]
 * @returns {Promise<Uint8Array>}
 */
async function mth(s, e, node, open = () => false) {
  let k = 1; // the largest power of two smaller than e - s
  while (k * 2 < e - s) k *= 2;
  if (e - s === 1 || (k * 2 === e - s && !open(s, e))) return node(Math.round(Math.log2(e - s)), s / (e - s));
  const [l, r] = await Promise.all([mth(s, s + k, node, open), mth(s + k, e, node, open)]);
  return hash([1], l, r);
}

// ---- C2SP tlog-tiles
/** 1234067 → "x001/x234/067". @param {number} n */
const encodeIndex = (n) => {
  let path = String(n % 1000).padStart(3, '0');
  while ((n = Math.floor(n / 1000)) > 0) path = `x${String(n % 1000).padStart(3, '0')}/${path}`;
  return path;
};
/** @param {string|number} head @param {number} n @param {number} width */
const tilePath = (head, n, width) => `tile/${head}/${encodeIndex(n)}` + (width < 256 ? `.p/${width}` : '');
/** Width of tile n at a level holding `count` hashes. @param {number} count @param {number} n */
const widthOf = (count, n) => (n < Math.floor(count / 256) ? 256 : n === Math.floor(count / 256) ? count % 256 : 0);

/**
 * Complete-subtree hashes read from the tiles of a tree of `size` entries (each tile fetched once).
 * @param {number} size @param {(path: string, max: number) => Promise<Uint8Array>} get @returns {NodeSource}
 */
function tileNodes(size, get) {
  /** @type {Map<string, Promise<Uint8Array>>} */
  const tiles = new Map();
  return async (level, index) => {
    const span = 2 ** (level % 8);
    const first = index * span;
    const [n, at] = [Math.floor(first / 256), first % 256];
    const width = widthOf(Math.floor(size / 256 ** Math.floor(level / 8)), n);
    const path = tilePath(Math.floor(level / 8), n, width);
    if (!tiles.has(path))
      tiles.set(path, get(path, width * 32).then((b) => (b.length === width * 32 ? b : logFail(t('{path} has the wrong size', { path })))));
    const bytes = /** @type {Uint8Array} */ (await tiles.get(path));
    // The node is the Merkle tree hash of `span` of the tile's hashes (all inside the tile: mth
    // asks only for subtrees of the tree, and a tile is as wide as the tree is at its level).
    return mth(at, at + span, (_, i) => bytes.slice(i * 32, i * 32 + 32), () => true);
  };
}

/** The entries of an entry bundle (each a 2-byte big-endian length, then the bytes). @param {Uint8Array} data */
function parseBundle(data) {
  const out = [];
  for (let at = 0, end = 0; at < data.length; at = end) {
    end = at + 2 + ((data[at] << 8) | data[at + 1]); // past the end if the length is cut short
    if (end > data.length) logFail(t('an entry bundle is cut short'));
    out.push(data.slice(at + 2, end));
  }
  return out;
}

// ---- C2SP signed-note and tlog-checkpoint (Ed25519, signature type 0x01)
/**
 * Verify a checkpoint note signed by one of `keys` under the name `origin`; returns its tree (the
 * root as hex, and as the note writes it).
 * @param {string} note @param {string} origin @param {Uint8Array[]} keys
 */
async function openCheckpoint(note, origin, keys) {
  if (/[\x00-\x09\x0b-\x1f]/.test(note)) logFail(t('the checkpoint contains control characters'));
  const cut = note.lastIndexOf('\n\n');
  if (cut < 0 || !note.endsWith('\n')) logFail(t('the checkpoint is not a signed note'));
  const text = note.slice(0, cut + 1);
  // A key's ID: SHA-256(name || 0x0A || 0x01 || key)[:4].
  const ids = await Promise.all(keys.map(async (k) => hex((await hash(utf8(`${origin}\n\x01`), k)).slice(0, 4))));
  let verified = false;
  for (const line of note.slice(cut + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line) ?? logFail(t('the checkpoint has a malformed signature line'));
    let blob;
    try {
      blob = b64(m[2]);
    } catch {
      logFail(t('the checkpoint has a signature that is not base64'));
    }
    const key = m[1] === origin && blob.length === 68 ? keys[ids.indexOf(hex(blob.slice(0, 4)))] : undefined;
    if (!key) continue; // signed-note: signatures by other keys are ignored
    if (!(await crypto.subtle.verify('Ed25519', await ed25519Key(key), blob.slice(4), utf8(text))))
      logFail(t("bad checkpoint signature: it does not verify with the issuer's key"));
    verified = true;
  }
  if (!verified) logFail(t("bad checkpoint signature: not signed by a key of the issuer's DID document"));
  const [o, size, root, ...rest] = text.slice(0, -1).split('\n');
  if (o !== origin) logFail(t('the checkpoint is of the log {o}, not {origin}', { o, origin }));
  if (!DECIMAL.test(size ?? '') || rest.some((l) => !l)) logFail(t('the checkpoint is malformed'));
  const rootBytes = b64(root);
  if (rootBytes.length !== 32) logFail(t('the checkpoint root is not a SHA-256 hash'));
  return { size: Number(size), root: hex(rootBytes), written: root };
}

/**
 * Compare with the largest checkpoint this browser saw for the log, then remember the larger.
 * @param {string} origin @param {{size: number, root: string, written: string}} cp @param {NodeSource} node
 */
async function rememberConsistent(origin, cp, node) {
  const key = `cp-log:${origin}`;
  let seen = null;
  try {
    seen = JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return; // storage off or unreadable: nothing to compare with
  }
  if (seen && Number.isSafeInteger(seen.size) && typeof seen.root === 'string') {
    const [m, root] = [seen.size, hex(b64(seen.root))];
    if (m > cp.size) logFail(t('the log shrank since this browser last checked it ({size} entries, now {now}): entries were removed', { size: m, now: cp.size }));
    // The old tree's complete subtrees make its root, and, with the rest of the new tree, the new root.
    const consistent =
      m === 0 ||
      (m === cp.size
        ? root === cp.root
        : hex(await mth(0, m, node)) === root && hex(await mth(0, cp.size, node, (s, e) => s < m && m < e)) === cp.root);
    if (!consistent) logFail(t('the log was rewritten since this browser last checked it (a fork: it no longer extends the {size} entries seen then)', { size: m }));
    if (m === cp.size) return;
  }
  try {
    localStorage.setItem(key, JSON.stringify({ size: cp.size, root: cp.written }));
  } catch {
    /* storage full or off */
  }
}

/**
 * @typedef {{state: 'none'|'ok'|'missing'|'fail', text: string, index?: number, date?: string}} LogResult
 * `opts.entry`: which entry holds the credential: the hint of the credential's own page (null: it
 * has none), or a function of the credential's id that reads it (the /verify/ page: from the page
 * at that id). Either way it only says which entry to prove: the entry must hold this credential
 * and be in the signed tree. `opts.didDocument`: the issuer's DID document the verifier fetched
 * from the same address and found to be the issuer's (its id is checked again here); left out,
 * or another's, it is fetched. Each file is fetched under the verifier's URL rules (redirects
 * included), with a timeout, read no further than its cap: a dropped credential may name any
 * issuer's log.
 * @param {any} credential
 * @param {{fetch?: typeof fetch, pageOrigin?: string, entry?: number|null|((id: string) => Promise<number|null>), didDocument?: any}} [opts]
 * @returns {Promise<LogResult>}
 */
export async function checkLog(credential, opts = {}) {
  const { pageOrigin = '' } = opts;
  /** @param {string} url @param {number} maxBytes */
  const need = (url, maxBytes) => fetchLimited(url, { fetch: opts.fetch, pageOrigin, maxBytes, cache: 'no-cache' });

  const did = issuerOf(credential);
  /** @type {LogResult} */
  const none = { state: 'none', text: '' };
  if (typeof did !== 'string' || !did.startsWith('did:web:')) return none;
  const didUrl = didWebUrl(did, pageOrigin);
  const site = issuerSite(didUrl);
  const host = site.replace(/^https?:\/\//, '').replace(/\/$/, '');
  try {
    const didDoc = opts.didDocument?.id === did ? opts.didDocument : JSON.parse(utf8Text(await need(didUrl, 1 << 20)));
    const service = arr(didDoc?.service).find((/** @type {any} */ s) => s?.type === 'CredpagesIssuanceLog');
    if (!service) return none;
    const base = `${site}log/`;
    if (service.serviceEndpoint !== base) logFail(t('the DID document puts the log at {serviceEndpoint}, not {base}', { serviceEndpoint: service.serviceEndpoint, base }));
    const origin = base.replace(/^https?:\/\//, '').replace(/\/$/, '');
    const keys = [];
    for (const vm of arr(didDoc.verificationMethod)) {
      try {
        keys.push(decodeMultikey(vm?.publicKeyMultibase));
      } catch {
        /* not an Ed25519 key: cannot sign the log */
      }
    }
    const cp = await openCheckpoint(utf8Text(await need(`${base}checkpoint`, 1 << 16)), origin, keys);
    const node = tileNodes(cp.size, (path, max) => need(base + path, max));
    await rememberConsistent(origin, cp, node);

    const id = String(credential.id ?? '');
    /** @type {LogResult} */
    const missing = {
      state: 'missing',
      text: t(
        'Warning: this credential is not in the public issuance log of {host}. Its signature may still be valid, but the issuer never logged it: ask the issuer before relying on it.',
        { host },
      ),
    };
    if (!id.startsWith(site)) return missing;
    const index = typeof opts.entry === 'function' ? await opts.entry(id) : opts.entry;
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) return missing;
    const n = Math.floor(index / 256);
    const bundle = parseBundle(await need(base + tilePath('entries', n, widthOf(cp.size, n)), 1 << 24));
    const entry = bundle[index % 256] ?? logFail(t('entry {index} is not in its entry bundle', { index }));
    const m = /^(\d{4}-\d\d-\d\d) ([0-9a-f]{64}) (\S+)$/.exec(utf8Text(entry));
    if (!m || m[3] !== id) return missing;
    // The inclusion proof: the subtrees beside the path from the entry's leaf to the root.
    const leaf = hash([0], entry);
    const root = await mth(0, cp.size, (l, i) => (l || i !== index ? node(l, i) : leaf), (s, e) => s <= index && index < e);
    if (hex(root) !== cp.root) logFail(t('entry {index} is not in the signed tree: the published tiles or entries were altered', { index }));
    if (m[2] !== hex(await sha256(utf8(jcs(credential)))))
      return {
        state: 'missing',
        text: t(
          "Warning: {host}'s public issuance log has another version of this credential (entry {index}): this one was changed or never logged.",
          { host, index },
        ),
      };
    const signed = Math.min(...[credential.proof].flat().map((p) => Date.parse(p?.created)).filter(Number.isFinite));
    if (Number.isFinite(signed) && m[1] < new Date(signed).toISOString().slice(0, 10))
      logFail(t('backdated entry: entry {index} is dated {date}, before the credential was signed', { index, date: m[1] }));
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
    // A Fail's message is a sentence (the verifier's end in a full stop): here it is a clause.
    const why = e instanceof Fail ? e.message.replace(/\.$/, '') : t('it could not be read ({error})', { error: /** @type {Error} */ (e)?.message ?? e });
    return { state: 'fail', text: t("Warning: {host}'s public issuance log failed a check: {why}.", { host, why }) };
  }
}

/**
 * A credential page's hint, `<meta name="cp:log-entry" content="N">`: which log entry holds it.
 * @param {Document} doc @returns {number|null}
 */
export function pageHint(doc) {
  const value = doc.querySelector('meta[name="cp:log-entry"]')?.getAttribute('content') ?? '';
  return DECIMAL.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : null;
}

/** Show a result in the panel's [data-cp-log] line. @param {LogResult} result */
export function show(result) {
  const line = /** @type {HTMLElement|null} */ (document.querySelector('[data-cp-log]'));
  if (!line) return;
  line.dataset.state = result.state;
  line.textContent = result.text;
  line.hidden = result.state === 'none';
}

// A credential page: after the verdict (the check does not compete with it), with the credential
// and the DID document the verifier read (none on a page without a credential, e.g. /verify/).
shown.then(
  (r) => r?.credential && checkLog(r.credential, { pageOrigin: location.origin, entry: pageHint(document), didDocument: r.didDocument }).then(show),
);
