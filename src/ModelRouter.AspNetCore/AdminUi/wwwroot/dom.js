// Builds DOM nodes. Text always goes in as text nodes or textContent: nothing from the server is ever parsed as HTML.

/** Creates an element: props set attributes, properties (non-string values), listeners (onX) and text; children append. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    // A textarea's or input's value is a property (the attribute is only the initial value, and a textarea has none).
    else if (name === 'value' && tag !== 'select') el.value = String(value);
    else if (typeof value !== 'string' && name in el) el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, anything else as text. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the children of an element. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let counter = 0;

/** A unique element id. */
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled form field: label, control, hint and an error slot for the server's field path, wired with
 * aria-describedby so screen readers read the error with the field.
 */
export function field(label, control, { path, hint } = {}) {
  const id = control.id || uid('field');
  control.id = id;
  const described = [];
  const wrap = h('div', { class: 'field' });
  if (control.type === 'checkbox') {
    wrap.classList.add('check');
    wrap.append(control, h('label', { for: id, text: label }));
  } else {
    wrap.append(h('label', { for: id, text: label }), control);
  }
  if (hint) {
    const hintEl = h('p', { class: 'hint', id: `${id}-hint`, text: hint });
    described.push(hintEl.id);
    wrap.append(hintEl);
  }
  if (path !== undefined) {
    control.dataset.path = path;
    const err = h('p', { class: 'field-error', id: `${id}-error`, dataset: { errorFor: path } });
    const warn = h('p', { class: 'field-warning', id: `${id}-warning`, dataset: { warningFor: path } });
    described.push(err.id, warn.id);
    wrap.append(err, warn);
  }
  if (described.length) control.setAttribute('aria-describedby', described.join(' '));
  return wrap;
}

/** Shows a short message in the status region. */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('shown'), 4000);
}

/** Asks for confirmation in a modal dialog; resolves true when confirmed. */
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title', text: title }),
      h('p', { text: message }));
    const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => dialog.close('cancel') });
    const ok = h('button', { type: 'button', class: 'danger', text: confirmLabel, onclick: () => dialog.close('ok') });
    dialog.append(h('div', { class: 'actions' }, cancel, ok));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A table with a caption, header cells and rows of cells (nodes or text). */
export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', null,
      h('caption', { text: caption }),
      h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c) => h('td', null, c)))))));
}

/** Formats an ISO time as local time of day. */
export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString();
}

/** A page heading that takes focus when the page opens. */
export function heading(text, ...extra) {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', text }), extra);
}
