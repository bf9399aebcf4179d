// `credpages serve` only. Its server adds a meta element cp:preview = "<its origin>/" to the
// pages it sends (never to built files). On such a page, itself on localhost/127.0.0.1 and with
// the marker naming its own origin, what lives under the published address (cp:site-url: the
// DID document, the status list) is fetched from the preview server, and the verdict says
// "Preview". Anywhere else this returns null and changes nothing.

import { t } from './i18n.js';

/**
 * @param {typeof fetch} get @param {Document} [doc] @param {{hostname: string, origin: string}} [loc]
 * @returns {{fetch: typeof fetch, mark: (panel: HTMLElement) => void} | null}
 */
export function previewMode(get, doc = document, loc = location) {
  const meta = (/** @type {string} */ name) => doc.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
  const [local, site] = [meta('cp:preview'), meta('cp:site-url')];
  if (!local || !site || !/^(localhost|127\.0\.0\.1)$/.test(loc.hostname) || local !== `${loc.origin}/`) return null;
  return {
    fetch: (url, init) => {
      const href = String(url);
      return get(href.startsWith(site) ? local + href.slice(site.length) : href, init);
    },
    mark(panel) {
      panel.dataset.preview = 'true';
      const verdict = panel.querySelector('.cp-verdict'); // its children (e.g. <bdi>) stay as they are
      verdict?.prepend(t('Preview:'), ' ');
      verdict?.append(' ', t('(served by credpages serve at {origin})', { origin: local }));
    },
  };
}
