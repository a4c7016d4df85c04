// Writes text with its region names (`region2` or `<region2>`) as coloured marks. The colours are the
// ones the regions had when the text was written, so an old answer keeps meaning what it meant.
const REGION_NAME = /<?region(\d+)>?/g;

export function writeHighlighted(element, text, colours) {
  element.replaceChildren();
  let at = 0;
  for (const match of text.matchAll(REGION_NAME)) {
    const colour = colours[Number(match[1]) - 1];
    if (!colour) continue;
    if (match.index > at) element.append(text.slice(at, match.index));
    const mark = document.createElement('mark');
    mark.className = 'region-ref';
    mark.style.setProperty('--region-colour', colour);
    mark.textContent = match[0];
    element.append(mark);
    at = match.index + match[0].length;
  }
  if (at < text.length) element.append(text.slice(at));
}
