// The /verify/ page: check a credential given as a file (JSON, baked PNG or baked SVG), as pasted
// JSON, or by URL (a credential page or a .json; also ?url=). Input is parsed, never inserted into
// the page; every outcome, including bad input, is shown in the #cp-verify panel.
import { verifyCredential, invalidResult, fetchLimited, Fail, isObj, arr, utf8Text } from './verifier.js';
import { previewMode } from './preview.js';
import { render } from './verify-panel.js';
import { crc32, isPng, OB_NS } from './bake.js';
import { publishedReason, reveal, showCard } from './verify-card.js';
import { t } from './i18n.js';
import { checkLog, pageHint, show } from './tlog.js';

const MAX_INPUT = 2 << 20; // 2 MB: credentials are a few KB, baked images rarely more than 500 KB

/** @param {string} m */
const invalid = (m) => new Fail('invalid', m);

/** UTF-8 text, refusing invalid bytes. @param {Uint8Array} bytes @param {string} what */
function text(bytes, what) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(t('{what} is not UTF-8 text.', { what }));
  }
}

/** @param {string} s */
function parseJson(s) {
  if (new TextEncoder().encode(s).length > MAX_INPUT) throw invalid(t('The input is larger than 2 MB.'));
  try {
    return JSON.parse(s);
  } catch (e) {
    throw invalid(t('This is not JSON ({error}).', { error: /** @type {Error} */ (e).message }));
  }
}

/**
 * The credential text baked into a PNG: the one iTXt chunk with keyword "openbadgecredential"
 * (Open Badges 3.0 baking; compression is not allowed there). Every chunk's CRC is checked, and
 * an image with two credential chunks is refused: it cannot be said which one it carries.
 * @param {Uint8Array} png @returns {string}
 */
export function pngCredential(png) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  /** @type {Uint8Array[]} */
  const found = [];
  let ended = false;
  for (let at = 8; !ended && at + 12 <= png.length; ) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    if (data.length !== len || at + 12 + len > png.length) break;
    if (crc32(png.subarray(at + 4, at + 8 + len)) !== view.getUint32(at + 8 + len))
      throw invalid(t("The PNG's {type} chunk has a wrong CRC: the file is damaged.", { type: type.replace(/[^\x20-\x7e]/g, '?') }));
    const kwEnd = /^(iTXt|tEXt|zTXt)$/.test(type) ? data.subarray(0, 80).indexOf(0) : -1; // keywords are 1-79 bytes
    if (kwEnd > 0 && String.fromCharCode(...data.subarray(0, kwEnd)) === 'openbadgecredential') {
      if (type !== 'iTXt') throw invalid(t('The PNG\'s credential is in a {type} chunk; Open Badges uses iTXt.', { type }));
      found.push(data.subarray(kwEnd));
    }
    ended = type === 'IEND';
    at += 12 + len;
  }
  if (found.length > 1)
    throw invalid(t('This PNG holds {length} credentials ("openbadgecredential" chunks); a badge holds one.', { length: found.length }));
  if (!found.length) throw invalid(t('This PNG has no "openbadgecredential" iTXt chunk: it is not a baked badge.'));
  if (!ended) throw invalid(t('The PNG is cut short (it has no IEND chunk): the file is damaged.'));
  // \0, compression flag, compression method, language tag \0, translated keyword \0, text
  const data = found[0];
  if (data[1] !== 0) throw invalid(t("The PNG's credential chunk is compressed, which Open Badges forbids."));
  const langEnd = data.indexOf(0, 3);
  const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
  if (transEnd < 0) throw invalid(t("The PNG's credential chunk is malformed."));
  return text(data.subarray(transEnd + 1), t("The PNG's credential"));
}

/**
 * The credential JSON baked into an SVG: the body of <openbadges:credential>. Parsed as XML by
 * DOMParser (no scripts run, nothing is inserted into the page).
 * @param {string} svg @returns {string}
 */
export function svgCredential(svg) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  if (doc.getElementsByTagName('parsererror').length) throw invalid(t('The SVG is not well-formed XML.'));
  const all = doc.getElementsByTagNameNS(OB_NS, 'credential');
  if (all.length > 1)
    throw invalid(t('This SVG holds {length} credentials (<openbadges:credential> elements); a badge holds one.', { length: all.length }));
  const el = all[0];
  if (!el) throw invalid(t('This SVG has no <openbadges:credential> element: it is not a baked badge.'));
  if (el.getAttribute('verify')) throw invalid(t('This badge holds a VC-JWT, which this page does not check.'));
  return el.textContent ?? '';
}

/**
 * A credential from bytes: baked PNG, baked SVG, HTML credential page (its #cp-credential script)
 * or JSON, told apart by content.
 * @param {Uint8Array} bytes @param {string} what
 */
export function credentialFrom(bytes, what) {
  if (bytes.length > MAX_INPUT) throw invalid(t('{what} is larger than 2 MB.', { what }));
  if (isPng(bytes)) return parseJson(pngCredential(bytes));
  const s = text(bytes, what);
  if (/^\s*</.test(s)) {
    if (!/<html|<!doctype html/i.test(s)) return parseJson(svgCredential(s));
    const scripts = new DOMParser().parseFromString(s, 'text/html').querySelectorAll('#cp-credential');
    if (scripts.length > 1) throw invalid(t('{what} holds more than one credential (#cp-credential).', { what }));
    const script = scripts[0];
    if (!script) throw invalid(t('{what} is a web page without a credential (#cp-credential).', { what }));
    return parseJson(script.textContent ?? '');
  }
  return parseJson(s);
}

/** @param {string} raw */
async function fromUrl(raw) {
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `https://${raw}`;
  // fetchLimited's own 'what' ("the document"), translated: not an English word in its message
  const bytes = await fetchLimited(withScheme, { pageOrigin: location.origin, maxBytes: MAX_INPUT });
  return credentialFrom(bytes, t('The document at {url}', { url: withScheme }));
}

/** @param {File} file */
async function fromFile(file) {
  if (file.size > MAX_INPUT) throw invalid(t('{name} is larger than 2 MB.', { name: file.name }));
  return credentialFrom(new Uint8Array(await file.arrayBuffer()), file.name);
}

const panel = /** @type {HTMLElement} */ (document.getElementById('cp-verify'));
const preview = previewMode(window.fetch.bind(window));
let latest = 0;

/**
 * A result in the panel (verify-panel.js's render), with the issuer's domain, prominent here.
 * Confirmed once the signature checks out with the domain's key (even if the credential was
 * since revoked or expired); otherwise only a claim.
 * @param {import('./verifier.js').Result & {reason?: string}} result
 */
function showResult(result) {
  render(panel, result);
  const domain = panel.querySelector('.cp-issuer-domain');
  if (!domain) return;
  const confirmed = result.steps.some((s) => s.id === 'signature' && s.state === 'ok');
  const claimed = result.issuerDomain;
  domain.textContent = !claimed ? '' : confirmed ? claimed : t('{domain} (not confirmed)', { domain: claimed });
  domain.setAttribute('data-confirmed', String(confirmed));
}

/**
 * Verify whatever `get` produces; only the latest request may update the panel. The outcome is
 * the sentence (announced), the steps and, for a signed credential, its card, which is brought
 * into view and focused. @param {() => Promise<unknown>} get
 */
async function check(get) {
  const mine = ++latest;
  showResult({ verdict: 'pending', summary: '', steps: [], issuerDomain: null, credential: null, didDocument: null });
  showCard(panel, null);
  const fetch = preview?.fetch ?? window.fetch.bind(window);
  const pageOrigin = location.origin;
  /** @type {import('./verifier.js').Result & {reason?: string}} */
  let result;
  let clr = false;
  try {
    const input = await get();
    const options = { fetch, now: Date.now(), pageOrigin };
    clr = isObj(input) && arr(/** @type {any} */ (input).type).includes('ClrCredential');
    // A learner record (CLR 2.0): its code is loaded only when one is checked.
    result = clr ? await (await import('./clr.js')).verifyClr(input, options) : await verifyCredential(input, options);
  } catch (e) {
    result =
      e instanceof Fail
        ? invalidResult(e.message, e.verdict)
        : invalidResult(t('Could not read the input: {error}', { error: /** @type {Error} */ (e)?.message }));
  }
  if (result.verdict === 'revoked' && !clr) result.reason = await publishedReason(result.credential, { pageOrigin, fetch });
  if (mine !== latest) return;
  showResult(result);
  preview?.mark(panel);
  const siteUrl = document.querySelector('meta[name="cp:site-url"]')?.getAttribute('content') ?? '';
  reveal(panel, clr ? null : showCard(panel, result, { siteUrl, pageOrigin }));
  // The issuer's log, if it keeps one (tlog.js): its line is cleared, then shown for this credential.
  show({ state: 'none', text: '' });
  const c = result.credential;
  if (!clr && c && typeof c === 'object') checkLog(c, { pageOrigin, entry: logHint }).then((r) => mine === latest && show(r));
}

/**
 * Which log entry holds the credential with this id: the hint of the page at the id (pageHint),
 * read up to 16 MB under the URL rules; none when there is no such page (HTTP 404: read as empty).
 * @param {string} id @returns {Promise<number|null>}
 */
async function logHint(id) {
  /** @type {typeof fetch} */
  const fetch = async (url, init) => {
    const res = await window.fetch(url, init);
    return res.status === 404 ? new Response('') : res;
  };
  const bytes = await fetchLimited(id, { fetch, pageOrigin: location.origin, maxBytes: 1 << 24, cache: 'no-cache' });
  return pageHint(new DOMParser().parseFromString(utf8Text(bytes), 'text/html'));
}

function setUp() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('cp-verify-form'));
  const file = /** @type {HTMLInputElement} */ (document.getElementById('cp-file'));
  const paste = /** @type {HTMLTextAreaElement} */ (document.getElementById('cp-paste'));
  const url = /** @type {HTMLInputElement} */ (document.getElementById('cp-url'));
  const drop = document.getElementById('cp-drop');
  if (!panel || !form) return;

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Buttons may say which input they submit (value="paste" / "url"); otherwise use what is filled in.
    const source = /** @type {HTMLButtonElement|null} */ (e.submitter)?.value;
    const p = paste?.value.trim() ?? '';
    const u = url?.value.trim() ?? '';
    const f = file?.files?.[0];
    const choice = source === 'url' || source === 'paste' ? source : p ? 'paste' : u ? 'url' : 'file';
    if (choice === 'url' && u) check(() => fromUrl(u));
    else if (choice === 'paste' && p) check(async () => parseJson(p));
    else if (choice === 'file' && f) check(() => fromFile(f));
    else {
      const hint = {
        url: t('Enter the address of a credential.'),
        paste: t('Paste a credential first.'),
        file: t('Choose a file, paste a credential or give its address.'),
      };
      check(async () => {
        throw invalid(hint[choice]);
      });
    }
  });
  file?.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f) check(() => fromFile(f));
  });
  drop?.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('cp-dragover');
  });
  drop?.addEventListener('dragleave', () => drop.classList.remove('cp-dragover'));
  drop?.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('cp-dragover');
    const f = e.dataTransfer?.files[0];
    if (f) check(() => fromFile(f));
  });
  // A file dropped beside the zone must not navigate away from the page.
  for (const t of ['dragover', 'drop']) window.addEventListener(t, (e) => e.preventDefault());

  const fromQuery = new URLSearchParams(location.search).get('url');
  if (fromQuery) {
    if (url) url.value = fromQuery;
    check(() => fromUrl(fromQuery));
  }
}

setUp();
