// The list of regions beside the image: name (as the API numbers it), colour, kind, delete button, and
// the region's description once "Describe all" has run. Clicking a name puts `<regionK>` in the message.

const KIND_LABEL = { box: 'box', polygon: 'polygon', brush: 'brush', segment: 'mask' };

export function renderRegionList(list, store, { onInsert, onDelete, busy }) {
  const items = store.all.map((region) => {
    const name = store.nameOf(region);
    const item = document.createElement('li');
    item.className = 'region-item';
    item.dataset.testid = 'region-item';
    item.dataset.region = name;
    item.style.setProperty('--region-colour', region.colour);

    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.setAttribute('aria-hidden', 'true');

    const insert = document.createElement('button');
    insert.type = 'button';
    insert.className = 'region-name';
    insert.textContent = name;
    insert.title = `Insert <${name}> into the message`;
    insert.setAttribute('aria-label', `Insert ${name} into the message`);
    insert.addEventListener('click', () => onInsert(name));

    const kind = document.createElement('span');
    kind.className = 'region-kind';
    kind.textContent = KIND_LABEL[region.shape.kind];

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'icon-button delete';
    remove.setAttribute('aria-label', `Delete ${name}`);
    remove.title = `Delete ${name}`;
    remove.textContent = '×';
    remove.disabled = busy;
    remove.addEventListener('click', () => onDelete(region));

    const head = document.createElement('div');
    head.className = 'region-head';
    head.append(swatch, insert, kind, remove);
    item.append(head);

    if (region.description) {
      const description = document.createElement('p');
      description.className = `region-description ${region.description.state}`;
      description.textContent = region.description.text;
      item.append(description);
    }
    return item;
  });
  list.replaceChildren(...items);
}
