// Interface strings in the page's language. English is the source: the messages are the English
// text. For another language the build writes strings/<lang>.js from the same catalog as the
// templates (credpages.i18n): one small file per language, shared and cached by every page.
const lang = globalThis.document?.documentElement.lang || 'en';
/** @type {Record<string, any>} strings by key, "$locale" and "$dates" (i18n.strings_module) */
let table = {};
if (!/^en(-|$)/i.test(lang)) {
  try {
    table = (await import(`./strings/${encodeURIComponent(lang)}.js`)).default;
  } catch {
    table = {}; // no strings for this language (an issuer's template): English
  }
}
/** The CLDR locale of dates; English writes day month year, as the pages do. */
export const locale = table.$locale || 'en-GB';
const EN = 'January February March April May June July August September October November December';
/**
 * Each month's long date with {d} and {y} to fill (i18n.date_templates, as the pages write it).
 * Not Intl.DateTimeFormat: its first use in a fresh browser context loads locale data, 25-60 ms.
 * @type {string[]|undefined}
 */
const dates = table.$locale ? table.$dates : EN.split(' ').map((m) => `{d} ${m} {y}`);

/** A message's key in the strings file: FNV-1a over its UTF-16 code units, base 36 (credpages.i18n). */
const key = (/** @type {string} */ s) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
};
const fill = (/** @type {string} */ message) => {
  const k = key(message);
  return (Object.hasOwn(table, k) && table[k]) || message;
};

/**
 * `message` in the page's language, its {name} placeholders filled from `params`.
 * @param {string} message @param {Record<string, unknown>} [params]
 */
export const t = (message, params = {}) =>
  fill(message).replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(params, k) ? String(params[k]) : m));

/**
 * Like t, for sentences holding elements: the parts, strings and nodes, in the translation's order.
 * @param {string} message @param {Record<string, string|Node>} params @returns {(string|Node)[]}
 */
export const parts = (message, params) =>
  fill(message)
    .split(/(\{\w+\})/)
    .filter(Boolean)
    .map((p) => {
      const k = /^\{(\w+)\}$/.exec(p)?.[1];
      return k && Object.hasOwn(params, k) ? params[k] : p;
    });

/** "2026-09-15T…" → "15 September 2026" (or the page language's long date): the date as written. */
export function humanDate(/** @type {unknown} */ iso) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T/.exec(String(iso ?? ''));
  if (!m) return '';
  const d = new Date(Date.UTC(2000, +m[2] - 1, +m[3]));
  d.setUTCFullYear(+m[1]);
  if (d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return '';
  const template = dates?.[+m[2] - 1];
  if (template) return template.replace('{d}', String(+m[3])).replace('{y}', String(+m[1]));
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}
