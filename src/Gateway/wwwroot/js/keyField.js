// The header's API key field. Hidden on an open gateway; shown when the API answers 401 (the page asks
// once at load, and any later call can be refused too), with what went wrong: no key, or a wrong one.
import { checkAccess } from './api.js';
import { currentKey, saveKey, onKeyRefused } from './apiKey.js';

export function startKeyField(form, input, status) {
  const say = (text, state) => {
    status.textContent = text;
    status.dataset.state = state;
  };

  onKeyRefused((detail, hadKey) => {
    form.hidden = false;
    say(hadKey ? `The API key was not accepted (${detail}). Check it and enter it again.`
      : `This gateway needs an API key (${detail}).`, 'refused');
    if (document.activeElement !== input) input.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    saveKey(input.value.trim());
    say('Checking the key…', 'checking');
    if (await checkAccess()) say('Key accepted; it is kept for this tab only.', 'accepted');
  });

  if (currentKey()) {
    form.hidden = false;
    input.value = currentKey();
    say('Using the key set for this tab.', 'accepted');
  }
  checkAccess();
}
