// A pathway credential's page: check each part in the browser, from the learner record (CLR) the
// issuer publishes beside the page, and show each part's verdict beside its evidence link, then
// the record's own verdict. Loaded only on pathway credential pages. Text goes in by textContent.
import { previewMode } from './preview.js';
import { verifyClr, verdictWord } from './clr.js';
import { invalidResult } from './verifier.js';
import { t } from './i18n.js';

/** A verdict line: data-verdict for styling and tests, the words and the reason for people. */
function verdictLine(/** @type {string} */ verdict, /** @type {string} */ text) {
  const p = document.createElement('p');
  p.className = 'cp-part-verdict';
  p.dataset.verdict = verdict;
  p.textContent = text;
  return p;
}

/** A URL's path (a preview serves the site from another origin), '' if it is not a URL. */
function pathOf(/** @type {unknown} */ url) {
  try {
    return new URL(String(url)).pathname;
  } catch {
    return '';
  }
}

async function main() {
  const list = /** @type {HTMLElement|null} */ (document.querySelector('[data-cp-parts]'));
  if (!list) return;
  const href = new URL(list.dataset.cpParts ?? '', location.href).href;
  const preview = previewMode(window.fetch.bind(window));
  const fetch = preview?.fetch ?? window.fetch.bind(window);
  const items = [...list.querySelectorAll('li')];
  for (const li of items) li.setAttribute('aria-busy', 'true');
  let result;
  try {
    const response = await fetch(href);
    if (!response.ok) throw new Error(t('{url} answered {status}', { url: href, status: response.status }));
    result = await verifyClr(await response.json(), { fetch, now: Date.now(), pageOrigin: location.origin });
  } catch (e) {
    const why = /** @type {Error} */ (e)?.message;
    result = { ...invalidResult(t('The learner record could not be read: {why}', { why })), parts: [] };
  }
  // Each part, found by its link (the evidence links a part's page; the record holds its credential).
  for (const [i, part] of result.parts.entries()) {
    if (i === 0) continue; // the pathway credential itself: this page's own panel checks it
    const path = pathOf(/** @type {any} */ (part.credential)?.id);
    const li = items.find((x) => path && pathOf(x.querySelector('a')?.href) === path);
    if (!li) continue; // a part of a part: its own pathway page shows it
    const word = verdictWord(part.verdict);
    const text = part.verdict === 'verified' ? t('Checked: {verdict}.', { verdict: word }) : t('Checked: {verdict}. {why}', { verdict: word, why: part.summary });
    li.append(verdictLine(part.verdict, text));
  }
  for (const li of items) li.removeAttribute('aria-busy');
  const record = verdictLine(
    result.verdict,
    result.verdict === 'verified'
      ? t('Learner record checked: verified, with all {n} credentials it bundles.', { n: result.parts.length })
      : t('Learner record checked: {verdict}. {why}', { verdict: verdictWord(result.verdict), why: result.summary }),
  );
  record.classList.add('cp-clr-verdict');
  list.after(record);
}

main();
