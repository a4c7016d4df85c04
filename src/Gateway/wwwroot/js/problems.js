// Shows a failure where it happened: the API's own words (problem+json `detail`) for a refusal, and for a
// lost connection or a missing API key a plain sentence with a Retry button when the action can be repeated.
import { ApiError, ConnectionLostError } from './api.js';

export function showProblem(element, error, retry) {
  element.replaceChildren();
  element.hidden = false;
  const message = document.createElement('span');
  message.className = 'problem-text';
  const needsKey = error instanceof ApiError && error.status === 401;
  if (needsKey) {
    message.textContent = `${error.detail} Enter the API key above, then retry.`;
    element.dataset.status = '401';
  } else if (error instanceof ApiError) {
    message.textContent = error.detail;
    element.dataset.status = String(error.status);
  } else if (error instanceof ConnectionLostError) {
    message.textContent = 'Lost the connection to the server. Check that it is running, then retry.';
    element.dataset.status = 'offline';
  } else {
    message.textContent = error?.message ?? String(error);
    delete element.dataset.status;
  }
  element.append(message);
  if (retry && (error instanceof ConnectionLostError || needsKey)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button small';
    button.textContent = 'Retry';
    button.addEventListener('click', () => {
      clearProblem(element);
      retry();
    });
    element.append(' ', button);
  }
}

export function clearProblem(element) {
  element.hidden = true;
  element.replaceChildren();
}

/** A problem paragraph for places built on the fly (chat turns, region items). */
export function problemElement() {
  const element = document.createElement('p');
  element.className = 'problem';
  element.setAttribute('role', 'alert');
  element.hidden = true;
  return element;
}
