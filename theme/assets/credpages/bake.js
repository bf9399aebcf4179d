// Baked badges (Open Badges 3.0), made in the browser so the site stores no image per credential:
// the achievement image (fetched same-origin) with the page's credential (#cp-credential, exactly
// as in the page) inside. PNG: one uncompressed iTXt chunk "openbadgecredential" right after IHDR
// (an earlier one is replaced). SVG: xmlns:openbadges on <svg> and <openbadges:credential> with
// the JSON as CDATA right after its start tag. A PNG of an SVG image is rasterised first.
// Loaded by share-actions.js on the first click of a badge download button.

import { t } from './i18n.js';

export const OB_NS = 'https://purl.imsglobal.org/ob/v3p0';
const KEYWORD = 'openbadgecredential';
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const encoder = new TextEncoder();

/** @type {Uint32Array | undefined} */
let crcTable;

/** CRC-32 (ISO-HDLC, as PNG uses) of `bytes`. */
export function crc32(/** @type {Uint8Array} */ bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PNG chunk: length, type, data, CRC over type and data. */
function chunk(/** @type {string} */ type, /** @type {Uint8Array} */ data) {
  const out = new Uint8Array(data.length + 12);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(encoder.encode(type), 4);
  out.set(data, 8);
  view.setUint32(data.length + 8, crc32(out.subarray(4, data.length + 8)));
  return out;
}

export const isPng = (/** @type {Uint8Array} */ bytes) => SIGNATURE.every((b, i) => bytes[i] === b);

/** `png` with `json` in one iTXt chunk right after IHDR (keyword, NUL, flag 0, method 0, empty
 * language tag and translated keyword, the UTF-8 text); other chunks are kept byte for byte. */
export function bakePng(/** @type {Uint8Array} */ png, /** @type {string} */ json) {
  if (!isPng(png)) throw new Error(t('the image is not a PNG'));
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const text = encoder.encode(json);
  const data = new Uint8Array(KEYWORD.length + 5 + text.length);
  data.set(encoder.encode(KEYWORD));
  data.set(text, KEYWORD.length + 5);
  /** @type {Uint8Array[]} */
  const parts = [png.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > png.length) break;
    const keyword = type === 'iTXt' ? String.fromCharCode(...png.subarray(at + 8, at + 8 + Math.min(length, KEYWORD.length + 1))) : '';
    if (at === 8 && type !== 'IHDR') throw new Error(t('the PNG does not start with IHDR'));
    if (keyword !== `${KEYWORD}\0`) parts.push(png.subarray(at, end));
    if (at === 8) parts.push(chunk('iTXt', data));
    at = end;
    if (type === 'IEND') return concat(parts);
  }
  throw new Error(t('the PNG is truncated'));
}

function concat(/** @type {Uint8Array[]} */ parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const PROLOG = /^(?:\s+|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*/;
const START_TAG = /^<svg(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/;
const EXISTING = /<openbadges:credential\b(?:[^>"']|"[^"]*"|'[^']*')*?(?:\/>|>(?:<!\[CDATA\[[\s\S]*?\]\]>|[^<]|<(?!\/openbadges:credential|!\[CDATA\[))*<\/openbadges:credential\s*>)/g;

/** `svg` with `json` in one <openbadges:credential> (CDATA; "]]>" split across two sections)
 * right after the <svg> start tag, which gets xmlns:openbadges; an earlier one is removed. */
export function bakeSvg(/** @type {string} */ svg, /** @type {string} */ json) {
  let at = PROLOG.exec(svg)?.[0].length ?? 0;
  const doctype = /^<!DOCTYPE\s[^[>]*>\s*/i.exec(svg.slice(at)); // external DOCTYPEs carry nothing
  if (doctype) svg = svg.slice(0, at) + svg.slice(at + doctype[0].length);
  at += PROLOG.exec(svg.slice(at))?.[0].length ?? 0;
  const tag = START_TAG.exec(svg.slice(at));
  if (!tag) throw new Error(t('the image does not start with an <svg> element'));
  const bound = /\sxmlns:openbadges\s*=\s*(["'])(.*?)\1/.exec(tag[0]);
  if (bound && bound[2] !== OB_NS) throw new Error(t('the SVG binds the prefix openbadges to another namespace'));
  let head = tag[0].slice(0, tag[1] ? -2 : -1).trimEnd();
  if (!bound) head += ` xmlns:openbadges="${OB_NS}"`;
  let body = svg.slice(at + tag[0].length);
  body = tag[1] ? `</svg>${body}` : body.replace(EXISTING, '');
  const cdata = `<![CDATA[${json.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
  const baked = `${svg.slice(0, at)}${head}><openbadges:credential>${cdata}</openbadges:credential>${body}`;
  const doc = new DOMParser().parseFromString(baked, 'image/svg+xml');
  const found = doc.getElementsByTagNameNS(OB_NS, 'credential');
  if (doc.getElementsByTagName('parsererror').length || found.length !== 1 || found[0].textContent !== json) {
    throw new Error(t('the SVG could not be baked (is it well-formed, without a DOCTYPE?)'));
  }
  return baked;
}

/** Draw an SVG image to a PNG, `size` pixels on its longer side. */
export async function rasterise(/** @type {string} */ svg, size = 512) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) throw new Error(t('the image is not a well-formed SVG'));
  const box = (root.getAttribute('viewBox') ?? '').split(/[\s,]+/).map(Number);
  let ratio = box.length === 4 && box[2] > 0 && box[3] > 0 ? box[2] / box[3] : parseFloat(root.getAttribute('width') ?? '') / parseFloat(root.getAttribute('height') ?? '');
  if (!(ratio > 0 && Number.isFinite(ratio))) ratio = 1;
  const width = Math.round(ratio >= 1 ? size : size * ratio);
  const height = Math.round(ratio >= 1 ? size / ratio : size);
  root.setAttribute('width', String(width)); // an intrinsic size, so the drawing is not 300×150
  root.setAttribute('height', String(height));
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(doc)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).drawImage(image, 0, 0, width, height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error(t('the browser could not draw the image'));
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Bake the page's credential into the image at `src` and save it as <slug>.png / .svg. */
export async function downloadBadge(/** @type {'png'|'svg'} */ kind, /** @type {string} */ src) {
  const json = document.getElementById('cp-credential')?.textContent ?? '';
  if (!json) throw new Error(t('the page holds no credential'));
  const url = new URL(src, location.href);
  if (url.origin !== location.origin) throw new Error(t('the badge image is on another site'));
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(t('the badge image could not be loaded (HTTP {status})', { status: response.status }));
  const bytes = new Uint8Array(await response.arrayBuffer());
  let baked;
  if (kind === 'svg') {
    if (isPng(bytes)) throw new Error(t('the badge image is a PNG, not an SVG'));
    baked = new Blob([bakeSvg(new TextDecoder().decode(bytes), json)], { type: 'image/svg+xml' });
  } else {
    const png = isPng(bytes) ? bytes : await rasterise(new TextDecoder().decode(bytes));
    baked = new Blob([bakePng(png, json)], { type: 'image/png' });
  }
  let name = 'badge';
  try { name = new URL(JSON.parse(json).id).pathname.split('/').filter(Boolean).pop() || name; } catch { /* keep "badge" */ }
  const link = document.createElement('a');
  link.href = URL.createObjectURL(baked);
  link.download = `${name.replace(/[^\w.-]/g, '_')}.${kind}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
