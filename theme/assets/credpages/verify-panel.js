// Credential pages: verify the page's own credential (#cp-credential) and show the outcome in
// #cp-verify. Also exports render() for the /verify/ page. Credential data only ever reaches the
// DOM through textContent.
import { verifyCredential, invalidResult, RANK } from './verifier.js';
import { humanDate, parts, t } from './i18n.js';

const HEADLINE = {
  pending: t('Checking…'),
  verified: t('Verified'),
  revoked: t('Revoked'),
  expired: t('Expired'),
  'not-yet-valid': t('Not yet valid'),
  tampered: t('Not valid: altered'),
  forged: t('Not valid: not signed by the issuer'),
  'cannot-verify': t('Could not be verified'),
  invalid: t('Not a valid credential'),
};

export { humanDate };

/** A credential string for the sentence: one line, at most 200 characters, else ''. */
export const val = (/** @type {unknown} */ v) => {
  if (typeof v !== 'string') return '';
  const chars = Array.from(v.replace(/\s+/g, ' ').trim());
  return chars.length > 200 ? `${chars.slice(0, 200).join('')}…` : chars.join('');
};

/** An isolated run of credential text: a right-to-left name cannot reorder the sentence. */
const bdi = (/** @type {string} */ text) => Object.assign(document.createElement('bdi'), { textContent: text });

/** Sentence parts as one node, to be a placeholder of an enclosing sentence. */
const group = (/** @type {(string|Node)[]} */ p) => {
  const f = document.createDocumentFragment();
  f.append(...p);
  return f;
};

/**
 * What the signed credential says, as sentence parts (strings are our words, bdi elements the
 * credential's): "Demo Academy (demo.example) awarded Python Basics to Ada Lovelace on 15 September
 * 2026." Only called once the signature has been checked, so every value is the issuer's.
 * @param {any} c @param {string|null} domain @returns {(string|Node)[]}
 */
export function facts(c, domain) {
  const subject = Array.isArray(c.credentialSubject) ? c.credentialSubject[0] : c.credentialSubject;
  const name = val(c.issuer?.name);
  const achievement = val(subject?.achievement?.name) || val(c.name);
  const recipient = val(subject?.name);
  const date = humanDate(c.awardedDate) || humanDate(c.validFrom);
  const p = {
    issuer: name
      ? group(parts('{name} ({domain})', { name: bdi(name), domain: bdi(domain ?? '') }))
      : domain
        ? bdi(domain)
        : t('The issuer'),
    achievement: achievement ? bdi(achievement) : t('a credential'),
    recipient: bdi(recipient),
    date,
  };
  if (recipient && date) return parts('{issuer} awarded {achievement} to {recipient} on {date}.', p);
  if (recipient) return parts('{issuer} awarded {achievement} to {recipient}.', p);
  if (date) return parts('{issuer} awarded {achievement} on {date}.', p);
  return parts('{issuer} awarded {achievement}.', p);
}

/**
 * The verdict as one sentence, from the verified data where there is any.
 * @param {import('./verifier.js').Result & {reason?: string}} result @returns {(string|Node)[]}
 */
function sentence(result) {
  const { verdict, summary, issuerDomain } = result;
  if (verdict === 'pending') return [HEADLINE.pending];
  const c = /** @type {any} */ (result.credential);
  const signed = result.steps.some((s) => s.id === 'signature' && s.state === 'ok');
  const headline = HEADLINE[/** @type {keyof HEADLINE} */ (verdict)] ?? verdict;
  if (!signed || verdict === 'cannot-verify') return [t('{headline}. {summary}', { headline, summary })];
  const said = group(facts(c, issuerDomain));
  const until = humanDate(c.validUntil);
  if (verdict === 'verified')
    return until
      ? parts('Verified: {facts} Valid until {until}.', { facts: said, until })
      : parts('Verified: {facts} It has no expiry date.', { facts: said });
  if (verdict === 'expired') return parts('Expired: {facts} It expired on {until}.', { facts: said, until });
  if (verdict === 'not-yet-valid')
    return parts('Not yet valid: {facts} It is valid from {from}.', { facts: said, from: humanDate(c.validFrom) });
  if (verdict === 'revoked') {
    const reason = val(result.reason).replace(/\.$/, '');
    return reason
      ? parts('Revoked: {facts} {summary} Reason given by the issuer: {reason}.', { facts: said, summary, reason: bdi(reason) })
      : parts('Revoked: {facts} {summary}', { facts: said, summary });
  }
  return parts('{headline}. {summary} The signed credential says: {facts}', { headline, summary, facts: said });
}

/**
 * Show a verifier result in a panel: the sentence in .cp-verdict (the live region; a result may
 * bring its own, as a learner record does), the steps in .cp-steps (inside a <details>). The
 * verify page adds the issuer's domain (verify-page.js).
 * @param {HTMLElement} panel
 * @param {import('./verifier.js').Result & {reason?: string, sentence?: (string|HTMLElement)[]}} result
 */
export function render(panel, result) {
  panel.dataset.verdict = result.verdict;
  /** @type {HTMLElement} */ (panel.querySelector('.cp-verdict')).replaceChildren(...(result.sentence ?? sentence(result)));
  panel.querySelector('.cp-steps')?.replaceChildren(
    ...result.steps.map((s) => {
      const li = document.createElement('li');
      Object.assign(li.dataset, { step: s.id, state: s.state });
      li.textContent = `${s.label}: ${s.detail}`;
      return li;
    }),
  );
}

const norm = (/** @type {unknown} */ s) => String(s).replace(/\s+/g, ' ').trim();

/** What HTML cannot carry (NUL, lone surrogates) becomes U+FFFD on the page, as the build writes it. */
const showable = (/** @type {string} */ s) => s.replace(/\0|[\uD800-\uDFFF]/gu, '\uFFFD');

/** The value at a dotted path; own properties only, so "__proto__" cannot reach the prototype. */
const valueAt = (/** @type {any} */ credential, /** @type {string} */ path) =>
  path
    .split('.')
    .reduce((o, k) => (o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? o[k] : undefined), credential);

const same = (/** @type {string} */ shown, /** @type {string} */ value) => shown === value;
/** The partial rule. @param {string} shown @param {string} value */
function shortened(shown, value) {
  const v = showable(value);
  const head = shown.endsWith('…') ? shown.slice(0, -1).trimEnd() : '';
  return shown === v || (head !== '' && v.startsWith(head));
}

/**
 * Compare every [data-field] and [data-field-partial] element with the credential value at its
 * dotted path (for <time>, the datetime attribute), whitespace runs collapsed. data-field: equal.
 * data-field-partial (the build shortened the value, or replaced characters HTML cannot carry):
 * equal once those characters are U+FFFD, or a non-empty start of the value followed by "…".
 * [data-field-href]: the link's target is the URL at the path.
 * @param {ParentNode} root @param {any} credential @returns {import('./verifier.js').Step}
 */
export function pageTextStep(root, credential) {
  const edited = [];
  for (const el of root.querySelectorAll('[data-field], [data-field-partial]')) {
    const partial = !el.hasAttribute('data-field');
    const path = el.getAttribute(partial ? 'data-field-partial' : 'data-field') ?? '';
    const value = valueAt(credential, path);
    const shown = el.localName === 'time' ? el.getAttribute('datetime') : el.textContent;
    const ok =
      value !== undefined && typeof value !== 'object' && (partial ? shortened : same)(norm(shown), norm(value));
    if (!ok) edited.push(path);
  }
  // Links: the target, resolved against the credential's id (the page's address; on-site links
  // are relative), must be the URL at the path.
  for (const el of root.querySelectorAll('[data-field-href]')) {
    const path = el.getAttribute('data-field-href') ?? '';
    const value = valueAt(credential, path);
    try {
      if (new URL(el.getAttribute('href') ?? '', credential.id).href !== new URL(value).href) edited.push(path);
    } catch {
      edited.push(path);
    }
  }
  const step = {
    id: 'page',
    label: t('Page text matches the signed credential'),
    state: /** @type {'ok'|'fail'} */ ('ok'),
    detail: t('Every shown field matches.'),
  };
  if (edited.length)
    Object.assign(step, {
      state: 'fail',
      detail: t("The page's text was edited: {fields} differ from the signed credential.", { fields: edited.join(', ') }),
    });
  return step;
}

/**
 * Verify this page's credential. For the bench: performance marks cp-verify-start/-end, and
 * window.cpVerifyMs = when the verdict was shown, in ms since navigation start.
 * @returns {Promise<import('./verifier.js').Result|null>} the result shown, null on a page without a credential
 */
async function main() {
  const panel = document.getElementById('cp-verify');
  const script = document.getElementById('cp-credential');
  if (!panel || !script) return null;
  performance.mark('cp-verify-start');
  const live = panel.querySelector('.cp-verdict');
  if (live && !live.hasAttribute('aria-live')) live.setAttribute('aria-live', 'polite');
  let credential;
  let result;
  try {
    credential = JSON.parse(script.textContent ?? '');
  } catch {
    result = invalidResult(t("The page's credential is not valid JSON."));
  }
  // Only `credpages serve` marks its pages (never a built file): published pages skip preview.js.
  const preview = document.querySelector('meta[name="cp:preview"]')
    ? (await import('./preview.js')).previewMode(window.fetch.bind(window))
    : null;
  // This page's address: served at the credential's id, the page is the issuer's own, and so the
  // copy it publishes there (the verifier's `servedAt`) and where its revocation reason is read.
  const here = location.origin + location.pathname;
  result ??= await verifyCredential(credential, {
    fetch: preview?.fetch, // else the page's fetch
    now: Date.now(),
    pageOrigin: location.origin,
    credentials: 'same-origin',
    servedAt: here,
  });
  if (result.steps[0].state === 'ok') {
    const step = pageTextStep(document, credential);
    result.steps.push(step);
    if (step.state === 'fail' && RANK.tampered < RANK[result.verdict])
      Object.assign(result, { verdict: 'tampered', summary: step.detail });
  }
  // The revocation reason the page shows (.cp-reason), only on the issuer's own page. The reason
  // is not signed; the issuer's site publishes it.
  const reason = credential?.id === here ? document.querySelector('.cp-reason')?.textContent : '';
  render(panel, { ...result, reason });
  preview?.mark(panel);
  /** @type {any} */ (window).cpVerifyMs = performance.mark('cp-verify-end').startTime;
  return result;
}

/** The page's verdict, once shown: what waits for it (tlog.js) starts after the check. */
export const shown = main().catch((e) => {
  // Not expected (the verifier never throws); never leave the panel claiming to be checking.
  const panel = document.getElementById('cp-verify');
  if (panel)
    render(panel, invalidResult(t('The check stopped on an unexpected error: {error}', { error: e?.message ?? e }), 'cannot-verify'));
  return null;
});
