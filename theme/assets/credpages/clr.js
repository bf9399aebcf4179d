// A 1EdTech CLR 2.0 ClrCredential (a learner's pathway as one record): the record's own proof and
// every credential it embeds, each checked as its own page checks it. Loaded only where a CLR can
// appear: /verify/ (imported when the input is one) and pathway credential pages (clr-parts.js).
import { verifyCredential, RANK, isObj, arr } from './verifier.js';
import { val } from './verify-panel.js';
import { parts, t } from './i18n.js';

const MAX = 64; // embedded credentials: far more than any pathway needs
const LINKS = ['isParentOf', 'isChildOf'];
export const isClr = (/** @type {unknown} */ d) => isObj(d) && arr(/** @type {any} */ (d).type).includes('ClrCredential');
/** A part's verdict in a few words. @param {string} verdict */
export function verdictWord(verdict) {
  const word = {
    verified: t('verified'),
    revoked: t('revoked'),
    expired: t('expired'),
    'not-yet-valid': t('not yet valid'),
    tampered: t('altered'),
    forged: t('not signed by its issuer'),
    'cannot-verify': t('could not be verified'),
    invalid: t('not a valid credential'),
  };
  return word[/** @type {keyof word} */ (verdict)] ?? verdict;
}

/** What the embedded credentials are, and the associations between their achievements. @param {any} clr */
function bundleProblem(clr) {
  const subject = clr.credentialSubject;
  const vcs = subject?.verifiableCredential;
  if (!Array.isArray(vcs) || !vcs.length || !vcs.every(isObj))
    return t('credentialSubject.verifiableCredential must list the credentials it bundles.');
  if (vcs.length > MAX) return t('It bundles more than {max} credentials.', { max: MAX });
  const ids = new Set(vcs.map((c) => (isObj(c.credentialSubject) ? c.credentialSubject.achievement?.id : undefined)));
  for (const a of arr(subject.association)) {
    if (!isObj(a) || !LINKS.includes(a.associationType) || !ids.has(a.sourceId) || !ids.has(a.targetId))
      return t('An association names an achievement none of its credentials holds.');
  }
  return '';
}

/**
 * @typedef {import('./verifier.js').Result & {parts: import('./verifier.js').Result[],
 *   sentence?: (string|HTMLElement)[]}} ClrResult
 * Verify a CLR: its own proof (as any credential: key, eddsa-jcs-2022 signature, the issuer's
 * published copy for eddsa-rdfc-2022, validity), then each embedded credential in full. The
 * verdict is the lowest of them all. Never throws.
 * @param {unknown} clr @param {import('./verifier.js').Options} [opts] @returns {Promise<ClrResult>}
 */
export async function verifyClr(clr, opts = {}) {
  const own = await verifyCredential(clr, opts);
  const result = /** @type {ClrResult} */ ({ ...own, parts: [] });
  result.steps = own.steps.map((s) => ({ ...s, label: t('Learner record: {step}', { step: s.label }) }));
  if (own.steps[0].state !== 'ok') return result;
  const c = /** @type {any} */ (clr);
  const problem = bundleProblem(c);
  if (problem) {
    result.steps.push({ id: 'bundle', state: 'fail', label: t('Learner record: the credentials it bundles'), detail: problem });
    return { ...result, verdict: 'invalid', summary: problem };
  }
  result.parts = await Promise.all(c.credentialSubject.verifiableCredential.map((/** @type {unknown} */ vc) => verifyCredential(vc, opts)));
  result.parts.forEach((part, i) => {
    const p = /** @type {any} */ (part.credential);
    const name = val(p?.credentialSubject?.achievement?.name) || val(p?.name) || t('a credential');
    const detail =
      part.verdict === 'verified'
        ? t("Verified: signature, issuer's key, published copy, revocation status and validity checked.")
        : t('{verdict}: {why}', { verdict: verdictWord(part.verdict), why: part.summary });
    const label = t('Credential {n} ({name})', { n: i + 1, name });
    result.steps.push({ id: `part-${i}`, state: part.verdict === 'verified' ? 'ok' : 'fail', label, detail });
    if (RANK[/** @type {keyof RANK} */ (part.verdict)] < RANK[/** @type {keyof RANK} */ (result.verdict)])
      Object.assign(result, {
        verdict: part.verdict,
        summary: t('{credential}: {verdict}. {why}', { credential: label, verdict: verdictWord(part.verdict), why: part.summary }),
      });
  });
  if (result.verdict === 'verified') result.sentence = verifiedSentence(c, own.issuerDomain, result.parts.length);
  return result;
}

/** @param {any} c @param {string|null} domain @param {number} n @returns {(string|Node)[]} */
function verifiedSentence(c, domain, n) {
  const bdi = (/** @type {string} */ text) => Object.assign(document.createElement('bdi'), { textContent: text });
  const learner = val(c.credentialSubject.verifiableCredential[0]?.credentialSubject?.name);
  const params = {
    issuer: bdi(val(c.issuer?.name) || domain || ''),
    domain: domain ?? '',
    pathway: bdi(val(c.name) || t('a pathway')),
    parts: String(n - 1),
    all: String(n),
    learner: bdi(learner),
  };
  const said = learner
    ? parts('Verified learner record: {issuer} ({domain}) bundled {pathway} and the {parts} credential(s) it rests on for {learner}.', params)
    : parts('Verified learner record: {issuer} ({domain}) bundled {pathway} and the {parts} credential(s) it rests on.', params);
  return [
    ...said,
    ' ',
    t("Checked: the record's signature with the issuer's key and its copy on the issuer's site, then each of the {all} credentials: its signature, issuer's key, published copy, revocation status and validity.", params),
  ];
}
