// The API key the page sends as `Authorization: Bearer`, kept for this tab only (sessionStorage: it is
// gone when the tab closes and never shared with other tabs). Listeners learn when the API asked for one.
const storageKey = 'osprey.apiKey';
const listeners = new Set();

export function currentKey() {
  return sessionStorage.getItem(storageKey) ?? '';
}

export function saveKey(key) {
  if (key) sessionStorage.setItem(storageKey, key);
  else sessionStorage.removeItem(storageKey);
}

/** The headers that carry the key, if one is set. */
export function authorization() {
  const key = currentKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** Calls listener(detail, hadKey) whenever the API refused a call with 401. */
export function onKeyRefused(listener) {
  listeners.add(listener);
}

export function keyRefused(detail) {
  const hadKey = currentKey() !== '';
  for (const listener of listeners) listener(detail, hadKey);
}
