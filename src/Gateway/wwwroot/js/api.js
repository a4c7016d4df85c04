// The gateway's HTTP API as the page uses it. Every failure is one of two errors: ApiError carries the
// problem+json `detail` the API gave; ConnectionLostError means no answer arrived (server gone, network down).
// Every call carries the tab's API key when one is set; a 401 also tells the key field (apiKey.js).
import { readServerSentEvents } from './sse.js';
import { authorization, keyRefused } from './apiKey.js';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export class ConnectionLostError extends Error {
  constructor() {
    super('Lost the connection to the server.');
  }
}

async function send(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: { ...init.headers, ...authorization() } });
  } catch (failure) {
    if (failure.name === 'AbortError') throw failure;
    throw new ConnectionLostError();
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (problem.status === 401) keyRefused(problem.detail);
    throw problem;
  }
  return response;
}

async function problemOf(response) {
  let detail = `${response.status} ${response.statusText}`.trim();
  try {
    const problem = await response.json();
    // problem+json on the native routes, OpenAI's {error: {message}} on /v1/models.
    detail = problem.detail ?? problem.reason ?? problem.error?.message ?? problem.title ?? detail;
  } catch {
    // Not problem+json (a proxy's error page, say): the status line is all there is to show.
  }
  return new ApiError(response.status, detail);
}

async function json(response) {
  try {
    return await response.json();
  } catch {
    throw new ConnectionLostError();
  }
}

function postJson(path, body, headers = {}) {
  return send(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** POST /v1/images → {id, width, height}. The file's own type is sent, so the API judges what it is. */
export async function uploadImage(file) {
  const response = await send('/v1/images', {
    method: 'POST',
    headers: { 'Content-Type': file.type || 'application/octet-stream' },
    body: file,
  });
  return json(response);
}

/** POST /v1/conversations → the new conversation's id. Regions are numbered region1..N in this order. */
export async function createConversation(imageId, regions) {
  const response = await postJson('/v1/conversations', { imageId, regions });
  return (await json(response)).id;
}

/**
 * POST /v1/conversations/{id}/messages as server-sent events: onToken(text) for every `token` event,
 * resolves with the `done` object. An in-band `error` event becomes an ApiError.
 */
export async function streamMessage(conversationId, text, onToken, signal) {
  const response = await send(`/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: 'POST',
    // problem+json named too: a refusal (say, an unknown <regionK>) then comes with its detail, not an empty 400.
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream, application/problem+json' },
    body: JSON.stringify({ text, maxNewTokens: 128, temperature: 0 }),
    signal,
  });
  try {
    for await (const { event, data } of readServerSentEvents(response.body)) {
      if (event === 'token') onToken(data.text);
      else if (event === 'done') return data;
      else if (event === 'error') throw new ApiError(data.status ?? 500, data.detail ?? data.reason ?? 'the answer failed');
    }
  } catch (failure) {
    if (failure instanceof ApiError || failure.name === 'AbortError') throw failure;
    throw new ConnectionLostError();
  }
  // The stream closed before its `done` event: the server went away mid-answer.
  throw new ConnectionLostError();
}

/** POST /v1/images/{id}/describe → one {name, text} per region, in order. */
export async function describeRegions(imageId, regions) {
  const response = await postJson(`/v1/images/${encodeURIComponent(imageId)}/describe`, { regions, style: 'short' });
  return (await json(response)).descriptions;
}

/** POST /v1/images/{id}/segment with clicks [[x, y, label], …] → the best mask {rle, score, area}, or null when there is none. */
export async function segmentClicks(imageId, points, signal) {
  const response = await send(`/v1/images/${encodeURIComponent(imageId)}/segment`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ points, multimask: false }),
    signal,
  });
  return (await json(response)).masks[0] ?? null;
}

/** POST /v1/images/{id}/segment-everything with the generator's settings (its defaults for those left out) → every object's mask {rle, score, area}, best score first. */
export async function segmentEverything(imageId, settings = {}) {
  const response = await postJson(`/v1/images/${encodeURIComponent(imageId)}/segment-everything`, settings);
  return (await json(response)).masks;
}

/** GET /v1/models: whether the API takes this tab's key (or needs none). A 401 reaches the key field. */
export async function checkAccess() {
  try {
    await send('/v1/models', { headers: { Accept: 'application/json' } });
    return true;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) return false;
    // Anything else (a server still starting, say) is for the action that needs it to report.
    return true;
  }
}
