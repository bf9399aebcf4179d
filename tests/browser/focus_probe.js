// The focused element (or, given [x, y], the element there): its outline and text colours and the
// colour behind it (backgrounds composited up the ancestors), as WCAG contrast ratios.
// Used by test_accessibility.py through page.evaluate.
([hover]) => {
  const parse = s => {
    let m = s.match(/^rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)$/);
    if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    m = s.match(/^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/);
    if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
    return null;
  };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]));
  const behind = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
    }
    let colour = [255, 255, 255];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                     return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const el = hover ? document.elementFromPoint(hover[0], hover[1]) : document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const bg = behind(el);
  const text = parse(s.color);
  const hasText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const size = parseFloat(s.fontSize), bold = +s.fontWeight >= 700;
  const outer = behind(el.parentElement || el);
  const outline = parse(s.outlineColor);
  const rect = el.getBoundingClientRect();
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"',
    href: el.getAttribute('href'),
    outlined: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
    // a ring drawn off the element sits on what is around it; one on its edge touches both
    outline: !outline ? 0 : parseFloat(s.outlineOffset) > 0 ? ratio(over(outline, outer), outer)
             : Math.min(ratio(over(outline, outer), outer), ratio(over(outline, outer), bg)),
    text: hasText && text ? ratio(over(text, bg), bg) : null,
    large: size >= 24 || (bold && size >= 18.66),
    visible: rect.width > 0 && rect.height > 0,
    centre: [rect.x + rect.width / 2, rect.y + rect.height / 2],
  };
}
