// Puts errors and warnings next to the fields whose path they name (as problem+json "errors" keys them), and the rest
// in the form's summary.

import { h, replace } from './dom.js';

/** The slot of a path, or of the nearest enclosing path that has one (pools[1].vendors[0] for ...vendors[0].x). */
function slotFor(root, kind, path) {
  let p = path;
  for (;;) {
    const el = root.querySelector(`[data-${kind}-for="${CSS.escape(p)}"]`);
    if (el) return el;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return null;
    p = p.slice(0, cut);
  }
}

/** Shows errors (and warnings) keyed by field path; messages without a slot go to the summary. Returns the count. */
export function showMessages(root, summary, errors, warnings = {}) {
  for (const el of root.querySelectorAll('[data-error-for], [data-warning-for]')) el.textContent = '';
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const loose = [];
  let count = 0;
  for (const [path, messages] of Object.entries(errors ?? {})) {
    count += messages.length;
    const slot = path ? slotFor(root, 'error', path) : null;
    if (!slot) {
      loose.push(...messages.map((m) => (path ? `${path}: ${m}` : m)));
      continue;
    }
    slot.textContent = [slot.textContent, ...messages].filter(Boolean).join(' ');
    root.querySelector(`[data-path="${CSS.escape(path)}"]`)?.setAttribute('aria-invalid', 'true');
  }
  for (const [path, messages] of Object.entries(warnings ?? {})) {
    const slot = slotFor(root, 'warning', path);
    if (slot) slot.textContent = [slot.textContent, ...messages].filter(Boolean).join(' ');
  }
  if (summary) {
    if (loose.length === 0 && count === 0) {
      replace(summary);
      summary.hidden = true;
    } else {
      replace(summary,
        h('p', { text: count === 1 ? 'One problem to fix:' : `${count} problems to fix.` }),
        loose.length ? h('ul', null, loose.map((m) => h('li', { text: m }))) : null);
      summary.hidden = false;
    }
  }
  return count;
}

/** Shows one message in a form's summary. */
export function showSummary(summary, message, ...extra) {
  replace(summary, h('p', { text: message }), extra);
  summary.hidden = false;
}

/** A text input bound to obj[key]. */
export function textInput(obj, key, onChange, props = {}) {
  return h('input', {
    type: 'text',
    value: obj[key] ?? '',
    autocomplete: 'off',
    spellcheck: false,
    ...props,
    oninput: (e) => { obj[key] = e.target.value; onChange(); },
  });
}

/** A number input bound to obj[key]; empty is null when nullable, else NaN (which validation reports). */
export function numberInput(obj, key, onChange, { nullable = false, step = '1', ...props } = {}) {
  return h('input', {
    type: 'number',
    inputMode: step === '1' ? 'numeric' : 'decimal',
    step,
    value: obj[key] ?? '',
    ...props,
    oninput: (e) => {
      const text = e.target.value.trim();
      obj[key] = text === '' ? (nullable ? null : Number.NaN) : Number(text);
      onChange();
    },
  });
}

/** A checkbox bound to obj[key]. */
export function checkbox(obj, key, onChange, props = {}) {
  return h('input', { type: 'checkbox', checked: !!obj[key], ...props, onchange: (e) => { obj[key] = e.target.checked; onChange(); } });
}

/** A select bound to obj[key]; the current value stays an option even when not in the list. */
export function select(obj, key, options, onChange, props = {}) {
  const values = [...options];
  if (obj[key] && !values.some((o) => o.value === obj[key])) values.push({ value: obj[key], label: obj[key] });
  const el = h('select', { ...props, onchange: (e) => { obj[key] = e.target.value; onChange(); } },
    values.map((o) => h('option', { value: o.value, text: o.label })));
  el.value = obj[key] ?? '';
  return el;
}

/** Numbers that failed to parse travel as the text the user typed, so the server names the field too. */
export function jsonBody(value) {
  return JSON.stringify(value, (k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'not a number' : v));
}
