// Credential pages: verify the page's own credential (#cp-credential) and show the outcome in
// #cp-verify. Also exports render() for the /verify/ page. Credential data only ever reaches the
// DOM through textContent.
import { verifyCredential, invalidResult, RANK } from './verifier.js';
import { previewMode } from './preview.js';

const HEADLINE = {
  pending: 'Checking…',
  verified: 'Verified',
  revoked: 'Revoked',
  expired: 'Expired',
  'not-yet-valid': 'Not yet valid',
  tampered: 'Not valid: altered',
  forged: 'Not valid: not signed by the issuer',
  'cannot-verify': 'Could not be verified',
  invalid: 'Not a valid credential',
};

/**
 * Show a verifier result in a panel (the section with .cp-verdict and .cp-steps).
 * @param {HTMLElement} panel @param {import('./verifier.js').Result} result
 */
export function render(panel, result) {
  const { verdict, summary, issuerDomain } = result;
  panel.dataset.verdict = verdict;
  const text =
    verdict === 'verified'
      ? `Verified: issued by ${issuerDomain}.`
      : verdict === 'pending'
        ? HEADLINE.pending
        : `${HEADLINE[verdict] ?? verdict}. ${summary}`;
  /** @type {HTMLElement} */ (panel.querySelector('.cp-verdict')).textContent = text;
  panel.querySelector('.cp-steps')?.replaceChildren(
    ...result.steps.map((s) => {
      const li = document.createElement('li');
      Object.assign(li.dataset, { step: s.id, state: s.state });
      li.textContent = `${s.label}: ${s.detail}`;
      return li;
    }),
  );
  // The issuer's domain, prominent on the verify page. Confirmed once the signature checks out with
  // the domain's key (even if the credential was since revoked or expired); otherwise only a claim.
  const domain = panel.querySelector('.cp-issuer-domain');
  if (domain) {
    const confirmed = result.steps.some((s) => s.id === 'signature' && s.state === 'ok');
    domain.textContent = !issuerDomain ? '' : confirmed ? issuerDomain : `${issuerDomain} (not confirmed)`;
    domain.setAttribute('data-confirmed', String(confirmed));
  }
}

const norm = (/** @type {unknown} */ s) => String(s).replace(/\s+/g, ' ').trim();

/**
 * Compare every [data-field] element with the credential value at its dotted path (for <time>,
 * the datetime attribute), so an edited page cannot pass for the signed one.
 * @param {ParentNode} root @param {any} credential @returns {import('./verifier.js').Step}
 */
export function pageTextStep(root, credential) {
  const edited = [];
  for (const el of root.querySelectorAll('[data-field]')) {
    const path = /** @type {HTMLElement} */ (el).dataset.field ?? '';
    // Own properties only: a path like "__proto__" must not reach into the prototype chain.
    const value = path
      .split('.')
      .reduce((o, k) => (o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? o[k] : undefined), credential);
    const shown = el.localName === 'time' ? el.getAttribute('datetime') : el.textContent;
    if (value === undefined || typeof value === 'object' || norm(shown) !== norm(value)) edited.push(path);
  }
  const step = {
    id: 'page',
    label: 'Page text matches the signed credential',
    state: /** @type {'ok'|'fail'} */ ('ok'),
    detail: 'Every shown field matches.',
  };
  if (edited.length)
    Object.assign(step, {
      state: 'fail',
      detail: `The page's text was edited: ${edited.join(', ')} differ from the signed credential.`,
    });
  return step;
}

/**
 * Verify this page's credential. For the bench: performance marks cp-verify-start/-end, and
 * window.cpVerifyMs = when the verdict was shown, in ms since navigation start.
 */
async function main() {
  const panel = document.getElementById('cp-verify');
  const script = document.getElementById('cp-credential');
  if (!panel || !script) return;
  performance.mark('cp-verify-start');
  if (!panel.hasAttribute('aria-live')) panel.setAttribute('aria-live', 'polite');
  let credential;
  let result;
  try {
    credential = JSON.parse(script.textContent ?? '');
  } catch {
    result = invalidResult("The page's credential is not valid JSON.");
  }
  const preview = previewMode(window.fetch.bind(window));
  result ??= await verifyCredential(credential, {
    fetch: preview?.fetch ?? window.fetch.bind(window),
    now: Date.now(),
    pageOrigin: location.origin,
  });
  if (result.steps[0].state === 'ok') {
    const step = pageTextStep(document, credential);
    result.steps.push(step);
    if (step.state === 'fail' && RANK.tampered < RANK[result.verdict])
      Object.assign(result, { verdict: 'tampered', summary: step.detail });
  }
  render(panel, result);
  preview?.mark(panel);
  /** @type {any} */ (window).cpVerifyMs = performance.mark('cp-verify-end').startTime;
}

main().catch((e) => {
  // Not expected (the verifier never throws); never leave the panel claiming to be checking.
  const panel = document.getElementById('cp-verify');
  if (panel)
    render(panel, invalidResult(`The check stopped on an unexpected error: ${e?.message ?? e}`, 'cannot-verify'));
});
