// Credential page extras: copy buttons (LinkedIn values, page link), "Print or save as PDF" (prints the
// certificate), baked badge downloads (bake.js, imported on first click). Buttons marked data-cp
// stay hidden until this module has run (html.cp-js).
import { t } from './i18n.js';

document.documentElement.classList.add('cp-js');

/** Copy with the Clipboard API, else through a hidden textarea. @returns {Promise<boolean>} */
export async function copyText(/** @type {string} */ text) {
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

const status = Object.assign(document.createElement('p'), { className: 'cp-status' });
status.setAttribute('role', 'status');
document.querySelector('[data-cp=print]')?.parentElement?.after(status);

for (const dd of document.querySelectorAll('.cp-copylist dd')) {
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'cp-copy', value: dd.textContent, textContent: t('Copy') });
  button.dataset.cp = 'copy';
  button.setAttribute('aria-label', t('Copy {label}', { label: dd.previousElementSibling?.textContent }));
  dd.append(' ', button);
}

/** @type {Record<string, (b: HTMLButtonElement) => unknown>} */
const actions = {
  print: () => window.print(),
  copy: async (b) => flash(b, await copyText(b.value)),
  link: async (b) => flash(b, await copyText(/** @type {HTMLLinkElement | null} */ (document.querySelector('link[rel=canonical]'))?.href || location.href.split('#')[0])),
  png: bake,
  svg: bake,
};

let statusTimer = 0;

/** "Copied" on the button for two seconds, announced by the one status line (one timer: an
 * earlier button's timer must not clear a later button's message). */
function flash(/** @type {HTMLButtonElement} */ b, /** @type {boolean} */ ok) {
  b.dataset.label ??= b.textContent ?? '';
  b.textContent = ok ? t('Copied') : t('Copy failed');
  status.textContent = ok ? t('Copied to the clipboard.') : '';
  clearTimeout(Number(b.dataset.timer));
  b.dataset.timer = String(setTimeout(() => { b.textContent = b.dataset.label ?? ''; }, 2000));
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { status.textContent = ''; }, 2000);
}

async function bake(/** @type {HTMLButtonElement} */ b) {
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

document.addEventListener('click', (event) => {
  const b = event.target instanceof Element && event.target.closest('button[data-cp]');
  if (b instanceof HTMLButtonElement) actions[b.dataset.cp ?? '']?.(b);
});
