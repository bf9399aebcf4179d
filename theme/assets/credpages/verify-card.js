// The /verify/ page's result card: the checked credential as a person reads it (achievement,
// recipient, issuer, dates, results, evidence, the revocation reason). It is made only from a
// credential whose eddsa-jcs-2022 signature checked out with the issuer's key, and only for the
// verdicts whose sentence states the credential's facts (verified, revoked, expired, not yet
// valid): any other outcome gets no card, so unverified input is never shown as a credential.
// Credential text reaches the DOM through textContent only. Loaded by verify-page.js alone.
import { val } from './verify-panel.js';
import { humanDate, parts, t } from './i18n.js';
import {
  arr,
  didWebUrl,
  fetchLimited,
  isObj,
  isPrivateHost,
  issuerOf,
  issuerSite,
  publishedCopyUrl,
} from './verifier.js';

/** The verdicts that get a card, and the card's first line. */
const STATE = /** @type {Record<string, string>} */ ({
  verified: t('Verified credential'),
  revoked: t('Revoked: no longer valid'),
  expired: t('Expired'),
  'not-yet-valid': t('Not yet valid'),
});
/** A data: image of the credential: raster types only (no SVG), base64, at most this long. */
const RASTER = /^data:image\/(png|jpeg|gif|webp|avif);base64,[a-z0-9+/]+=*$/i;
export const MAX_DATA_IMAGE = 256 << 10;
/** Results and evidence items shown; the rest are counted. */
const LIST = 10;

/** An element with properties and children (strings become text nodes, never markup).
 * @param {string} tag @param {Record<string, any>} props @param {(string|Node)[]} kids */
function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}
/** Credential text: one line, clipped, in its own direction. */
const free = (/** @type {string} */ tag, /** @type {unknown} */ v) => el(tag, { dir: 'auto' }, val(v));

/**
 * The achievement image's address if it may be loaded, else '': https on a public host, this
 * page's origin, or a raster data: URL of at most MAX_DATA_IMAGE characters.
 * @param {unknown} image `image` (an Image object or a URL) @param {string} pageOrigin
 */
export function imageSrc(image, pageOrigin) {
  const id = isObj(image) ? /** @type {any} */ (image).id : image;
  if (typeof id !== 'string') return '';
  if (id.startsWith('data:')) return id.length <= MAX_DATA_IMAGE && RASTER.test(id) ? id : '';
  try {
    const u = new URL(id);
    const local = u.origin === pageOrigin && /^https?:$/.test(u.protocol);
    const allowed = local || (u.protocol === 'https:' && !isPrivateHost(u.host));
    return allowed && !u.username && !u.password ? u.href : '';
  } catch {
    return '';
  }
}

/** An https link's address, else '' (no javascript:, data:, http: or relative links). */
function httpsHref(/** @type {unknown} */ v) {
  try {
    const u = new URL(/** @type {string} */ (v));
    return u.protocol === 'https:' && !u.username && !u.password ? u.href : '';
  } catch {
    return '';
  }
}

/** A URL, or null. @param {string} s */
const url = (s) => {
  try {
    return new URL(s);
  } catch {
    return null;
  }
};

/**
 * The issuer's site (where its DID document lives) when it is not this site (the page's
 * cp:site-url), else null; null too when the page does not say which site it is.
 * @param {string} did @param {string} siteUrl @param {string} pageOrigin @returns {URL|null}
 */
export function foreignIssuer(did, siteUrl, pageOrigin) {
  const here = url(siteUrl);
  let there;
  try {
    there = url(issuerSite(didWebUrl(did, pageOrigin)));
  } catch {
    there = null;
  }
  return here && there && there.href !== here.href ? there : null;
}

/**
 * The revocation reason the issuer's site publishes (the hidden .cp-reason of the credential's
 * page), read from the credential's id when that is a page of the issuer's site; '' if none. Not
 * signed: the issuer's site is its source, as on the credential page.
 * @param {any} c @param {{pageOrigin: string, fetch?: typeof fetch}} o
 */
export async function publishedReason(c, { pageOrigin, fetch }) {
  try {
    const copy = publishedCopyUrl(c, { didUrl: didWebUrl(issuerOf(c), pageOrigin) });
    const page = copy.slice(0, -'credential.json'.length);
    const bytes = await fetchLimited(page, { fetch, pageOrigin, timeoutMs: 5000, what: t('the credential page') });
    const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), 'text/html');
    return doc.querySelector('.cp-reason')?.textContent?.trim() ?? '';
  } catch {
    return '';
  }
}

/** A term and its description, or nothing when there is no description. */
const fact = (/** @type {string} */ term, /** @type {Node|string|null} */ desc) =>
  desc ? [el('dt', {}, term), el('dd', {}, desc)] : [];

/** A date as written in the credential, in words, with the exact value in datetime. */
const time = (/** @type {unknown} */ iso) =>
  humanDate(iso) ? el('time', { dateTime: String(iso) }, humanDate(iso)) : null;

/** A list of at most LIST items, then "and N more". @param {Node[]} items */
function list(/** @type {string} */ title, /** @type {string} */ tag, items, total = items.length) {
  if (!items.length) return [];
  const more = total - Math.min(items.length, LIST);
  const body = el(tag, { className: 'cp-vcard-list' }, ...items.slice(0, LIST));
  return [el('h4', {}, title), body, ...(more > 0 ? [el('p', {}, t('and {num} more', { num: more }))] : [])];
}

/** Results: the result description's name, then the value, level and status. @param {any} subject */
function results(subject) {
  const descriptions = arr(subject.achievement?.resultDescription).filter(isObj);
  const all = arr(subject.result).filter(isObj);
  const items = all.slice(0, LIST).flatMap((r) => {
    const d = descriptions.find((x) => x.id === r.resultDescription) ?? {};
    const level = arr(d.rubricCriterionLevel).find((l) => isObj(l) && l.id === r.achievedLevel)?.name;
    const said = [val(r.value), val(level), val(r.status) && `(${val(r.status)})`].filter(Boolean).join(' ');
    return said ? [el('li', {}, free('span', d.name || t('Result')), ': ', free('span', said))] : [];
  });
  return list(t('Results'), 'ul', items, all.length);
}

/** Evidence: its name (or address), linked only to an https address. @param {any} c */
function evidence(c) {
  const all = arr(c.evidence).filter(isObj);
  const items = all.slice(0, LIST).flatMap((e) => {
    const href = httpsHref(e.id);
    const label = val(e.name) || val(href);
    if (!label) return [];
    const rel = 'noopener noreferrer nofollow';
    return [el('li', {}, href ? el('a', { href, rel, dir: 'auto' }, label) : el('span', { dir: 'auto' }, label))];
  });
  return list(t('Evidence'), 'ul', items, all.length);
}

/**
 * The card for a result, or null when the result gets none (see the top of this file).
 * @param {import('./verifier.js').Result & {reason?: string}} result
 * @param {{siteUrl?: string, pageOrigin?: string}} [o]
 */
export function resultCard(result, { siteUrl = '', pageOrigin = '' } = {}) {
  const c = /** @type {any} */ (result.credential);
  const signed = result.steps.some((s) => s.id === 'signature' && s.state === 'ok');
  const state = STATE[result.verdict];
  if (!signed || !state || !isObj(c)) return null;
  const subject = arr(c.credentialSubject)[0];
  const achievement = isObj(subject.achievement) ? subject.achievement : {};
  const domain = result.issuerDomain ?? '';
  const card = el('article', { className: 'cp-vcard', tabIndex: -1 });
  card.dataset.verdict = result.verdict;
  card.setAttribute('aria-labelledby', 'cp-vcard-title');

  const src = imageSrc(achievement.image, pageOrigin);
  // referrerPolicy before src: the request must not carry this page's address.
  const img =
    src &&
    el('img', {
      className: 'cp-vcard-img',
      alt: '',
      width: 96,
      height: 96,
      referrerPolicy: 'no-referrer',
      decoding: 'async',
      src,
    });
  if (img) img.addEventListener('error', () => img.setAttribute('data-failed', ''));
  const title = el('h3', { id: 'cp-vcard-title', dir: 'auto' }, val(achievement.name) || val(c.name) || t('Credential'));
  const recipient = val(subject.name)
    ? el('p', {}, ...parts('Awarded to {name}', { name: free('strong', subject.name) }))
    : el('p', {}, t('The credential does not name its recipient.'));
  card.append(
    el('p', { className: 'cp-vcard-state' }, state),
    el('div', { className: 'cp-vcard-head' }, ...(img ? [img] : []), el('div', {}, title, recipient)),
  );

  const there = foreignIssuer(issuerOf(c), siteUrl, pageOrigin);
  if (there) {
    // Host and path: two issuers may share a host (did:web:host:a and did:web:host:b).
    const where = (/** @type {URL} */ u) => u.host + u.pathname.replace(/\/$/, '');
    const note = el(
      'p',
      { className: 'cp-vcard-foreign' },
      el('strong', {}, t('Not issued by this site.')),
      ' ',
      t('This credential comes from {there}, not from {here}. The check shows that {there} signed it, not who runs it.', {
        there: where(there),
        here: where(new URL(siteUrl)),
      }),
    );
    note.setAttribute('role', 'note');
    card.append(note);
  }

  const name = val(c.issuer?.name);
  const issuer = el('span', {}, ...(name ? parts('{name} ({domain})', { name: free('span', name), domain }) : [domain]));
  const until = result.verdict === 'expired' ? t('Expired on') : t('Valid until');
  card.append(
    el(
      'dl',
      { className: 'cp-vcard-facts' },
      ...fact(t('Issued by'), issuer),
      ...fact(c.awardedDate ? t('Awarded on') : t('Issued on'), time(c.awardedDate ?? c.validFrom)),
      ...(result.verdict === 'not-yet-valid' ? fact(t('Valid from'), time(c.validFrom)) : []),
      ...fact(until, c.validUntil ? time(c.validUntil) : t('No expiry date')),
      ...(result.verdict === 'revoked' && val(result.reason)
        ? fact(t("Reason (from the issuer's site)"), free('span', result.reason))
        : []),
    ),
    ...results(subject),
    ...evidence(c),
  );
  return card;
}

/**
 * Show a result's card at the end of the panel's result area (.cp-result, else the panel),
 * replacing any earlier card; returns the card (or null: no card, any earlier one removed). From
 * the first check on, the area keeps room for a card (data-open), so one arriving moves nothing.
 * @param {HTMLElement} panel @param {Parameters<typeof resultCard>[0] | null} result
 * @param {Parameters<typeof resultCard>[1]} [o]
 */
export function showCard(panel, result, o) {
  const area = panel.querySelector('.cp-result');
  area?.setAttribute('data-open', '');
  panel.querySelector('.cp-vcard')?.remove();
  const card = result && resultCard(result, o);
  if (card) (area ?? panel).append(card);
  return card;
}

/**
 * Bring the result into view without jumping when it is already in sight, and focus it: the
 * card, else the panel's heading. The sentence itself is announced by the live region.
 * @param {HTMLElement} panel @param {HTMLElement|null} card
 */
export function reveal(panel, card) {
  const target = card ?? panel.querySelector('h2');
  if (!target) return;
  if (!card) target.tabIndex = -1;
  panel.scrollIntoView({ block: 'nearest' });
  target.focus({ preventScroll: true });
}
