// A 1EdTech CLR 2.0 ClrCredential (a learner's pathway as one record): the record's own proof and
// every credential it embeds, each checked as its own page checks it. Loaded only where a CLR can
// appear: /verify/ (imported when the input is one) and pathway credential pages (clr-parts.js).
import { verifyCredential, RANK, isObj, arr } from './verifier.js';
import { val } from './verify-panel.js';

const MAX = 64; // embedded credentials: far more than any pathway needs
const LINKS = ['isParentOf', 'isChildOf'];
export const isClr = (/** @type {unknown} */ d) => isObj(d) && arr(/** @type {any} */ (d).type).includes('ClrCredential');
const WORD = {
  verified: 'verified',
  revoked: 'revoked',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  tampered: 'altered',
  forged: 'not signed by its issuer',
  'cannot-verify': 'could not be verified',
  invalid: 'not a valid credential',
};
/** A part's verdict in a few words. @param {string} verdict */
export const verdictWord = (verdict) => WORD[/** @type {keyof WORD} */ (verdict)] ?? verdict;

/** What the embedded credentials are, and the associations between their achievements. @param {any} clr */
function bundleProblem(clr) {
  const subject = clr.credentialSubject;
  const vcs = subject?.verifiableCredential;
  if (!Array.isArray(vcs) || !vcs.length || !vcs.every(isObj))
    return 'credentialSubject.verifiableCredential must list the credentials it bundles.';
  if (vcs.length > MAX) return `It bundles more than ${MAX} credentials.`;
  const ids = new Set(vcs.map((c) => (isObj(c.credentialSubject) ? c.credentialSubject.achievement?.id : undefined)));
  for (const a of arr(subject.association)) {
    if (!isObj(a) || !LINKS.includes(a.associationType) || !ids.has(a.sourceId) || !ids.has(a.targetId))
      return 'An association names an achievement none of its credentials holds.';
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
  result.steps = own.steps.map((s) => ({ ...s, label: `Learner record: ${s.label}` }));
  if (own.steps[0].state !== 'ok') return result;
  const c = /** @type {any} */ (clr);
  const problem = bundleProblem(c);
  if (problem) {
    result.steps.push({ id: 'bundle', state: 'fail', label: 'Learner record: bundle', detail: problem });
    return { ...result, verdict: 'invalid', summary: problem };
  }
  result.parts = await Promise.all(c.credentialSubject.verifiableCredential.map((/** @type {unknown} */ vc) => verifyCredential(vc, opts)));
  result.parts.forEach((part, i) => {
    const p = /** @type {any} */ (part.credential);
    const name = val(p?.credentialSubject?.achievement?.name) || val(p?.name) || 'a credential';
    const detail =
      part.verdict === 'verified'
        ? 'Verified: signature, issuer\'s key, published copy, revocation status and validity checked.'
        : `${verdictWord(part.verdict)}: ${part.summary}`;
    result.steps.push({ id: `part-${i}`, state: part.verdict === 'verified' ? 'ok' : 'fail', label: `Credential ${i + 1} (${name})`, detail });
    if (RANK[/** @type {keyof RANK} */ (part.verdict)] < RANK[/** @type {keyof RANK} */ (result.verdict)])
      Object.assign(result, { verdict: part.verdict, summary: `Credential ${i + 1} (${name}) is ${verdictWord(part.verdict)}: ${part.summary}` });
  });
  if (result.verdict === 'verified') result.sentence = verifiedSentence(c, own.issuerDomain, result.parts.length);
  return result;
}

/** @param {any} c @param {string|null} domain @param {number} n @returns {(string|HTMLElement)[]} */
function verifiedSentence(c, domain, n) {
  const bdi = (/** @type {string} */ t) => Object.assign(document.createElement('bdi'), { textContent: t });
  const first = c.credentialSubject.verifiableCredential[0];
  const learner = val(first?.credentialSubject?.name);
  const out = ['Verified learner record: ', bdi(val(c.issuer?.name) || 'The issuer'), ` (${domain ?? ''}) bundled `];
  out.push(bdi(val(c.name) || 'a pathway'), ` and the ${n - 1} credential(s) it rests on`);
  if (learner) out.push(' for ', bdi(learner));
  out.push(
    '. Checked: the record\'s signature with the issuer\'s key and its copy on the issuer\'s site, then each of the ',
    `${n} credentials: its signature, issuer's key, published copy, revocation status and validity.`,
  );
  return out;
}
