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

/** Appends nodes or text to an element, skipping null, undefined and false. Text goes through revealed(). */
export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }

    element.append(...(child instanceof Node ? [child] : revealed(String(child))));
  }

  return element;
}

// Characters a reader cannot see or that reorder the text around them: controls (but tab and line breaks), format
// characters (bidi overrides and isolates, zero-width spaces and joiners, the byte order mark, soft hyphens, tags),
// private-use and unassigned code points, line and paragraph separators, variation selectors and blank fillers.
// The same set approver names may not contain (ApproverIdentity on the server).
const hidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;
const hiddenAll = new RegExp(hidden.source, 'gu');

/**
 * Text as nodes in which every hidden character is shown as its escape (\u202E), marked and titled, instead of taking
 * effect: a right-to-left override in a target or an argument cannot make "moc.live" read as "evil.com" to an approver.
 */
export function revealed(text) {
  if (!hidden.test(text)) {
    return [document.createTextNode(text)];
  }

  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(hiddenAll)) {
    if (match.index > last) {
      nodes.push(document.createTextNode(text.slice(last, match.index)));
    }

    const code = match[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    const escape = code.length > 4 ? `\\u{${code}}` : `\\u${code}`;
    const mark = document.createElement('span');
    mark.className = 'hidden-char';
    mark.title = `Hidden character U+${code}, shown escaped`;
    mark.textContent = escape;
    nodes.push(mark);
    last = match.index + match[0].length;
  }

  if (last < text.length) {
    nodes.push(document.createTextNode(text.slice(last)));
  }

  return nodes;
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

/**
 * An id a person will paste elsewhere (into the CLI): shown whole in a code element that selects as one piece, with a
 * Copy button. The button copies the id itself, not the displayed text, so what lands on the clipboard is exactly
 * what the server sent; the display still goes through revealed().
 */
export function copyable(value, label) {
  const code = h('code', { class: 'copyable' }, value);
  const button = h('button', { type: 'button', class: 'quiet copy', 'aria-label': `Copy ${label}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = 'Copied';
      announce(`${label} copied.`);
    } catch {
      // No clipboard here (a plain-http origin other than localhost, or permission refused): select the id, so one
      // Ctrl+C copies it.
      const selection = window.getSelection();
      selection.removeAllRanges();
      const range = document.createRange();
      range.selectNodeContents(code);
      selection.addRange(range);
      button.textContent = 'Press Ctrl+C';
    }
  });

  return [code, ' ', button];
}

/** Says something to screen readers without moving focus (a polite live region). */
export function announce(message) {
  const announcer = document.getElementById('announcer');
  announcer.textContent = '';
  // A new text node after clearing makes assistive technology read the same message twice in a row, too.
  requestAnimationFrame(() => { announcer.textContent = message; });
}
