// What the credential page's buttons do (imported by share.js on the first click): copy a value or
// the page link, and baked badge downloads (bake.js, imported on such a click).
import { t } from './i18n.js';

/** Copy with the Clipboard API, else through a hidden textarea. @returns {Promise<boolean>} */
async function copyText(/** @type {string} */ text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch { /* not allowed here: fall back */ }
  const area = Object.assign(document.createElement('textarea'), { value: text, className: 'cp-offscreen' });
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

/** Do what the button `b` (marked data-cp) is for; `status` is the page's one status line. */
export async function act(/** @type {HTMLButtonElement} */ b, /** @type {HTMLElement} */ status) {
  const kind = b.dataset.cp;
  if (kind === 'copy') flash(b, status, await copyText(b.value));
  else if (kind === 'link') flash(b, status, await copyText(pageUrl()));
  else if (kind === 'png' || kind === 'svg') await bake(b, status);
}
