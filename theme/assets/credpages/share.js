// Credential page extras, the part every page runs: the share links' addresses, written here from
// what the page holds anyway (canonical URL, og:title, the embedded credential) so that the HTML
// carries none of five long encoded URLs; the status line; print.
// What a click does (copy, baked badges) is in share-actions.js, imported on the first click.
// Buttons marked data-cp and .cp-needs-js blocks stay hidden until this module has run (html.cp-js).
import { t } from './i18n.js';

const doc = document;
const url = /** @type {HTMLLinkElement | null} */ (doc.querySelector('link[rel=canonical]'))?.href;
const text = doc.querySelector('meta[property="og:title"]')?.getAttribute('content') ?? '';
/** @type {Record<string, any>} */
let cred = {};
try { cred = JSON.parse(doc.getElementById('cp-credential')?.textContent ?? '') ?? {}; } catch { /* none */ }

/** [year, month] of a timestamp as written (no time zone shift), as credpages.site.linkedin. */
const ym = (/** @type {unknown} */ iso) => (/^(\d{4,})-(\d\d)-/.exec(String(iso)) ?? []).slice(1).map((n) => String(+n));

/** Each kind's address and query; null when the page lacks what it needs. */
const links = (/** @type {HTMLElement} */ a) => {
  const [y, m] = ym(cred.validFrom);
  const [ey, em] = ym(cred.validUntil);
  const org = a.dataset.orgId ? { organizationId: a.dataset.orgId } : a.dataset.org ? { organizationName: a.dataset.org } : {};
  return {
    linkedin: url && ['https://www.linkedin.com/sharing/share-offsite/', { url }],
    x: url && ['https://twitter.com/intent/tweet', { url, text }],
    facebook: url && ['https://www.facebook.com/sharer/sharer.php', { u: url }],
    email: url && ['mailto:', { subject: text, body: url }],
    // LinkedIn's "Add to profile", as credpages.site.linkedin.add_to_profile_url makes it
    profile: cred.id && ['https://www.linkedin.com/profile/add', {
      startTask: 'CERTIFICATION_NAME', name: String(cred.name ?? ''), ...org,
      ...(y && { issueYear: y, issueMonth: m }),
      ...(typeof cred.validUntil === 'string' && ey && { expirationYear: ey, expirationMonth: em }),
      certUrl: String(cred.id), certId: String(cred.id),
    }],
  }[a.dataset.cpShare ?? ''];
};
for (const a of doc.querySelectorAll('a[data-cp-share]')) {
  const [base, query] = (a instanceof HTMLAnchorElement && links(a)) || [];
  if (!base) continue;
  const href = new URL(base);
  // every value encoded; a space as %20, which mail clients read too ("+" would stay a plus)
  href.search = new URLSearchParams(query).toString().replaceAll('+', '%20');
  a.href = href.href;
  if (base !== 'mailto:') a.target = '_blank'; // the other sites in their own tab
}

doc.documentElement.classList.add('cp-js');

const status = Object.assign(doc.createElement('p'), { className: 'cp-status' });
status.setAttribute('role', 'status');
doc.querySelector('[data-cp=print]')?.parentElement?.after(status);

// a custom template's own list of LinkedIn's values gets its copy buttons now
const list = doc.querySelector('.cp-copylist');
if (list) import('./share-actions.js').then((m) => m.copyButtons(list));

// A click on a button, or on "Add to profile" (LinkedIn opens in its own tab; the values to copy,
// should its form come up empty, are drawn under the link then: share-actions.js).
doc.addEventListener('click', async (event) => {
  const b = event.target instanceof Element && event.target.closest('button[data-cp], a[data-cp-share=profile]');
  if (!(b instanceof HTMLElement)) return;
  if (b.dataset.cp === 'print') print(); // at once, within the click
  else (await import('./share-actions.js')).act(b, status);
});
