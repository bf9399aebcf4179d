// What the credential page's buttons do (imported by share.js on the first click): copy a value or
// the page link, baked badge downloads (bake.js, imported on such a click), and under "Add to
// profile" LinkedIn's values to copy, should its form come up empty.
import { t } from './i18n.js';

const doc = document;

/** A new element: `props` (text as textContent, never markup), then `kids`. */
const el = (/** @type {string} */ tag, /** @type {object} */ props, /** @type {Node[]} */ ...kids) => {
  const e = Object.assign(doc.createElement(tag), props);
  e.append(...kids);
  return e;
};

/** A copy button after each value of the list `dl` (its label from the `dt` before it). */
export function copyButtons(/** @type {Element} */ dl) {
  for (const dd of dl.querySelectorAll('dd')) {
    const button = el('button', { type: 'button', className: 'cp-copy', value: dd.textContent, textContent: t('Copy') });
    button.dataset.cp = 'copy';
    button.setAttribute('aria-label', t('Copy {label}', { label: dd.previousElementSibling?.textContent }));
    dd.append(' ', button);
  }
}

/**
 * LinkedIn's values, drawn under "Add to profile" when it is first followed (LinkedIn opens in its
 * own tab): what the link sends, from the embedded credential as share.js builds the link, the
 * link's months as the page writes them (data-issued, data-expires); every value as text. A page
 * that has its own list (a custom template) keeps it.
 */
function drawValues(/** @type {HTMLElement} */ profile) {
  if (doc.querySelector('.cp-copylist')) return;
  /** @type {Record<string, any>} */
  let cred = {};
  try { cred = JSON.parse(doc.getElementById('cp-credential')?.textContent ?? '') ?? {}; } catch { /* none */ }
  const { org, issued, expires } = profile.dataset;
  const dl = el('dl', { className: 'cp-copylist' });
  for (const [label, value] of [
    [t('Name'), cred.name],
    [t('Issuing organization'), org ?? cred.issuer?.name],
    [t('Issue date'), issued],
    [t('Expiration date'), expires],
    [t('Credential ID and URL'), cred.id],
  ])
    if (typeof value === 'string' && value.trim())
      dl.append(el('dt', { textContent: label }), el('dd', {}, el('bdi', { textContent: value })));
  const hint = t('If LinkedIn leaves its form empty, copy these values into it:');
  profile.parentElement?.after(el('p', { className: 'cp-hint', textContent: hint }), dl);
  copyButtons(dl);
}

/** Copy with the Clipboard API, else through a hidden textarea. @returns {Promise<boolean>} */
async function copyText(/** @type {string} */ text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch { /* not allowed here: fall back */ }
  const area = el('textarea', { value: text, className: 'cp-offscreen' });
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { /* unsupported */ }
  area.remove();
  return ok;
}

let statusTimer = 0;

/** "Copied" on the button for two seconds, announced by the one status line (one timer: an
 * earlier button's timer must not clear a later button's message). */
function flash(/** @type {HTMLButtonElement} */ b, /** @type {HTMLElement} */ status, /** @type {boolean} */ ok) {
  b.dataset.label ??= b.textContent ?? '';
  b.textContent = ok ? t('Copied') : t('Copy failed');
  status.textContent = ok ? t('Copied to the clipboard.') : '';
  clearTimeout(Number(b.dataset.timer));
  b.dataset.timer = String(setTimeout(() => { b.textContent = b.dataset.label ?? ''; }, 2000));
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { status.textContent = ''; }, 2000);
}

async function bake(/** @type {HTMLButtonElement} */ b, /** @type {HTMLElement} */ status) {
  b.disabled = true;
  status.textContent = t('Baking the badge…');
  try {
    const { downloadBadge } = await import('./bake.js');
    await downloadBadge(/** @type {'png'|'svg'} */ (b.dataset.cp), b.closest('p')?.dataset.cpImage ?? '');
    status.textContent = '';
  } catch (e) {
    status.textContent = t('The badge could not be made: {error}', { error: e instanceof Error ? e.message : e });
  } finally {
    b.disabled = false;
  }
}

/** The page's canonical URL (the credential's page), else this address without its fragment. */
const pageUrl = () =>
  /** @type {HTMLLinkElement | null} */ (document.querySelector('link[rel=canonical]'))?.href || location.href.split('#')[0];

/** Do what `b` (a button marked data-cp, or "Add to profile") is for; `status` is the page's one
 * status line. */
export async function act(/** @type {HTMLElement} */ b, /** @type {HTMLElement} */ status) {
  if (!(b instanceof HTMLButtonElement)) {
    if (b.dataset.cpShare === 'profile') drawValues(b);
    return;
  }
  const kind = b.dataset.cp;
  if (kind === 'copy') flash(b, status, await copyText(b.value));
  else if (kind === 'link') flash(b, status, await copyText(pageUrl()));
  else if (kind === 'png' || kind === 'svg') await bake(b, status);
}
