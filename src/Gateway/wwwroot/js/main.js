// Wires the page together: opening an image (picker or drop), the tools, the region list, the chat and
// "Describe all". Each concern lives in its own module; this one only connects them.
import { uploadImage, segmentClicks, segmentEverything } from './api.js';
import { rleToMask } from './rle.js';
import { RegionStore } from './regions.js';
import { ImageView, drawRegion } from './imageView.js';
import { RegionTools } from './tools.js';
import { renderRegionList } from './regionList.js';
import { Chat } from './chat.js';
import { describeAll } from './describe.js';
import { showProblem, clearProblem } from './problems.js';
import { startKeyField } from './keyField.js';

const $ = (id) => document.getElementById(id);

const state = { image: null };
const store = new RegionStore();
const view = new ImageView($('image-canvas'), $('stage'));

const tools = new RegionTools(view, store, () => {
  view.invalidate();
  updateDraftControls();
}, {
  segment: (points, signal) => segmentClicks(state.image.id, points, signal),
  onSegmentProblem: (failure) => (failure ? showProblem($('image-problem'), failure) : clearProblem($('image-problem'))),
});

const chat = new Chat({
  log: $('chat-log'),
  form: $('composer'),
  input: $('message-input'),
  send: $('send'),
  problem: $('chat-problem'),
  store,
  image: () => state.image,
  onConversationChange: updateRegionsNote,
});

// ---- Image -------------------------------------------------------------------------------------------

$('image-input').addEventListener('change', (event) => {
  const [file] = event.target.files;
  if (file) openImage(file);
  event.target.value = '';
});

let dragDepth = 0;
document.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  dragDepth++;
  document.body.classList.add('dropping');
});
document.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    document.body.classList.remove('dropping');
  }
});
document.addEventListener('dragover', (event) => {
  if (hasFiles(event)) event.preventDefault();
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dropping');
  const [file] = event.dataTransfer?.files ?? [];
  if (file) openImage(file);
});

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes('Files');
}

async function openImage(file) {
  const problem = $('image-problem');
  clearProblem(problem);
  const status = $('image-status');
  status.textContent = `Uploading ${file.name}…`;
  // Uploaded and decoded side by side: the API's refusal is what the person needs to read first.
  const [uploaded, decoded] = await Promise.allSettled([uploadImage(file), createImageBitmap(file)]);
  if (uploaded.status === 'rejected') {
    status.textContent = state.image ? state.image.label : '';
    showProblem(problem, uploaded.reason, () => openImage(file));
    return;
  }
  if (decoded.status === 'rejected') {
    status.textContent = state.image ? state.image.label : '';
    showProblem(problem, new Error(`The server took ${file.name}, but this browser cannot display it. Try a PNG or JPEG.`));
    return;
  }
  const info = uploaded.value;
  const bitmap = decoded.value;
  if (bitmap.width !== info.width || bitmap.height !== info.height) {
    showProblem(problem, new Error(`The browser shows this image at ${bitmap.width}×${bitmap.height} but the server reads ${info.width}×${info.height}; regions may be misplaced.`));
  }
  tools.discard();
  chat.restart('A new image was opened.');
  store.clear();
  state.image = { id: info.id, width: info.width, height: info.height, label: `${file.name} · ${info.width}×${info.height}px` };
  status.textContent = state.image.label;
  $('empty-state').hidden = true;
  view.show(bitmap, drawOverlays);
  view.canvas.setAttribute('aria-label', `${file.name}, ${info.width} by ${info.height} pixels: draw regions here`);
  updateDescribeButton();
  updateFindButton();
}

function drawOverlays(context) {
  for (const region of store.all) drawRegion(context, view, region.shape, region.colour, store.nameOf(region));
  if (tools.draft) drawRegion(context, view, tools.draft, store.nextColour(), null, { draft: true });
  if (tools.draft?.kind === 'polygon' && tools.pointer) {
    // Where the next corner would go, and how the polygon would close from there.
    const points = tools.draft.points;
    const [lastX, lastY] = points[points.length - 1];
    const [firstX, firstY] = points[0];
    context.save();
    context.strokeStyle = store.nextColour();
    context.lineWidth = view.screen(1.5);
    context.setLineDash([view.screen(4), view.screen(4)]);
    context.beginPath();
    context.moveTo(lastX, lastY);
    context.lineTo(tools.pointer.x, tools.pointer.y);
    if (points.length > 1) context.lineTo(firstX, firstY);
    context.stroke();
    context.restore();
  }
  if (tools.tool === 'brush' && tools.pointer) {
    // The brush outline, so its size is visible before painting.
    context.save();
    context.strokeStyle = tools.erase ? '#111' : store.nextColour();
    context.lineWidth = view.screen(1.5);
    context.setLineDash(tools.erase ? [view.screen(3), view.screen(3)] : []);
    context.beginPath();
    context.arc(tools.pointer.x, tools.pointer.y, tools.brushSize / view.scale / 2, 0, Math.PI * 2);
    context.stroke();
    context.restore();
  }
}

// ---- Tools -------------------------------------------------------------------------------------------

const toolButtons = document.querySelectorAll('[data-tool]');
for (const button of toolButtons) {
  button.addEventListener('click', () => selectTool(button.dataset.tool));
}

function selectTool(tool) {
  tools.select(tool);
  for (const button of toolButtons) button.setAttribute('aria-pressed', String(button.dataset.tool === tool));
  // A polygon or a brush region is finished with "Add region" (or Enter, or for a polygon a double-click).
  $('tool-options').hidden = tool === 'box';
  $('brush-options').hidden = tool !== 'brush';
  $('tool-hint').textContent = tools.hint;
  view.canvas.dataset.tool = tool;
  updateDraftControls();
}

for (const button of document.querySelectorAll('[data-brush-mode]')) {
  button.addEventListener('click', () => {
    tools.erase = button.dataset.brushMode === 'erase';
    for (const other of document.querySelectorAll('[data-brush-mode]')) {
      other.setAttribute('aria-pressed', String(other === button));
    }
  });
}

$('brush-size').addEventListener('input', (event) => {
  tools.brushSize = Number(event.target.value);
  $('brush-size-value').textContent = `${tools.brushSize} px`;
  view.invalidate();
});
$('draft-add').addEventListener('click', () => tools.finish());
$('draft-clear').addEventListener('click', () => tools.discard());

function updateDraftControls() {
  $('draft-add').disabled = !tools.canFinish;
  $('draft-clear').disabled = !tools.draft;
}

// Enter finishes a polygon or brush region, Escape drops it, unless the person is typing somewhere.
document.addEventListener('keydown', (event) => {
  const typing = event.target.closest?.('textarea, input:not([type=range]):not([type=file]), select, [contenteditable]');
  if (typing || event.target.closest?.('button')) return;
  if (event.key === 'Enter' && tools.finish()) event.preventDefault();
  else if (event.key === 'Escape') tools.discard();
});

// ---- Find all objects ------------------------------------------------------------------------------------

// Segment-everything on the server; every mask it finds becomes a region (largest first, so small
// objects stay on top of the overlays).
// A 16×16 grid of clicks rather than the generator's 32×32: each click is a pass of the mask decoder, and
// on a CPU server 1,024 of them keep a person waiting tens of seconds; 16 per side still puts several
// clicks on an object a tenth of the image wide. The quality filters are looser than the generator's
// (0.88 predicted IoU, 0.95 stability): the default SAM's IoU head rarely predicts above 0.8, and with
// the reference's thresholds it finds nothing (models/sam-default/README.md).
const FIND_SETTINGS = { pointsPerSide: 16, predIouThresh: 0.6, stabilityScoreThresh: 0.85 };
let finding = false;
$('find-objects').addEventListener('click', async () => {
  if (!state.image || finding) return;
  const image = state.image;
  finding = true;
  updateFindButton();
  clearProblem($('image-problem'));
  try {
    const masks = await segmentEverything(image.id, FIND_SETTINGS);
    if (state.image !== image) return;
    const found = masks.map((m) => ({ rle: m.rle, ...rleToMask(m.rle) })).filter((m) => m.bounds);
    found.sort((a, b) => b.area - a.area);
    for (const { rle, mask, bounds } of found) store.add({ kind: 'segment', rle, mask, bounds });
    $('image-status').textContent = `${image.label} · found ${found.length} object${found.length === 1 ? '' : 's'}`;
  } catch (failure) {
    showProblem($('image-problem'), failure, () => $('find-objects').click());
  } finally {
    finding = false;
    updateFindButton();
  }
});

function updateFindButton() {
  const button = $('find-objects');
  button.disabled = finding || !state.image;
  button.textContent = finding ? 'Finding objects…' : 'Find all objects';
}

// ---- Regions -----------------------------------------------------------------------------------------

store.onChange((change) => {
  if (change.kind === 'added' || change.kind === 'removed') {
    chat.restart('The regions changed.');
  }
  renderRegions();
  view.invalidate();
  updateDescribeButton();
});

function renderRegions() {
  renderRegionList($('region-list'), store, {
    onInsert: (name) => chat.insertRegion(name),
    onDelete: (region) => store.remove(region),
    busy: false,
  });
  $('regions-empty').hidden = store.count > 0;
}

function updateRegionsNote() {
  $('regions-note').hidden = !chat.conversation;
}

// ---- Describe all ------------------------------------------------------------------------------------

let describing = false;
$('describe-all').addEventListener('click', async () => {
  if (!state.image || describing) return;
  describing = true;
  updateDescribeButton();
  try {
    await describeAll(store, state.image.id, $('describe-problem'), () => $('describe-all').click());
  } finally {
    describing = false;
    updateDescribeButton();
  }
});

function updateDescribeButton() {
  const button = $('describe-all');
  button.disabled = describing || !state.image || store.count === 0;
  button.textContent = describing ? 'Describing…' : 'Describe all';
}

startKeyField($('api-key-form'), $('api-key-input'), $('api-key-status'));
selectTool('box');
renderRegions();
updateDescribeButton();
updateFindButton();
