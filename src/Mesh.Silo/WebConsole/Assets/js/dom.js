// Building the page from data. Every value from the server goes in as text (textContent or an attribute), never as
// markup, so an argument or a comment that contains HTML shows as what it is and cannot run.

/**
 * Creates an element. Props: class, dataset, on<event> handlers, booleans (true sets an empty attribute, false or
 * null leaves it out) and any other attribute. Children are nodes or text; arrays are flattened; null is skipped.
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }

    if (key === 'class') {
      element.className = value;
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }

  append(element, children);
  return element;
}

/** Appends nodes or text to an element, skipping null, undefined and false. */
export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }

    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  return element;
}

/** A description list of label/value rows; rows whose value is null, undefined or empty are left out. */
export function details(rows) {
  const list = h('dl', { class: 'facts' });
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) {
      continue;
    }

    list.append(h('dt', null, label), h('dd', null, value));
  }

  return list;
}

/** A list of short values shown as tags (labels, groups, addresses). */
export function tags(values, emptyText) {
  if (!values || values.length === 0) {
    return emptyText ? h('span', { class: 'muted' }, emptyText) : null;
  }

  return h('ul', { class: 'tags' }, values.map(v => h('li', null, v)));
}

/** A table with a caption, header cells and rows of cells (nodes or text). */
export function table(caption, headers, rows, options = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: options.class },
      h('caption', null, caption),
      h('thead', null, h('tr', null, headers.map(header => h('th', { scope: 'col' }, header)))),
      h('tbody', null, rows.length === 0
        ? h('tr', null, h('td', { colspan: headers.length, class: 'muted' }, options.empty ?? 'Nothing to show.'))
        : rows.map(row => (row instanceof Node ? row : h('tr', null, row.map(cell => h('td', null, cell))))))));
}

/** A safe id fragment for an element (ids here come from agent, tenant and approval ids). */
export function idFor(prefix, value) {
  return `${prefix}-${String(value).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Says something to screen readers without moving focus (a polite live region). */
export function announce(message) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  // A new text node after clearing makes assistive technology read the same message twice in a row, too.
  requestAnimationFrame(() => { announcer.textContent = message; });
}
