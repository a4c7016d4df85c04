// Region colours: distinct hues that read on photos and on the light page, each used as overlay fill,
// list swatch and answer highlight. A new region takes the first colour no current region uses.
export const PALETTE = [
  '#2563eb', '#db2777', '#16a34a', '#ea580c', '#9333ea',
  '#0891b2', '#ca8a04', '#dc2626', '#4f46e5', '#65a30d',
];

export function firstFreeColour(used) {
  const taken = new Set(used);
  return PALETTE.find((colour) => !taken.has(colour)) ?? PALETTE[used.length % PALETTE.length];
}
