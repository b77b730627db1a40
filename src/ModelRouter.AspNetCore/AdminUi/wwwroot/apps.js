// Apps: the list, create (the router makes the key; it is shown once, with copy), allowed routers, rotate and revoke.

import { api, ApiError, enc, listAll } from './api.js';
import { confirmDialog, field, h, heading, replace, table, toast } from './dom.js';
import { jsonBody, showMessages, showSummary, textInput } from './forms.js';

export async function appsPage() {
  const apps = await listAll('apps');
  return {
    title: 'Apps',
    node: h('section', null,
      heading('Apps', h('a', { class: 'button', href: '#/apps/new', text: 'New app' })),
      apps.length === 0
        ? h('p', { class: 'empty', text: 'No apps yet.' })
        : table(`${apps.length} apps`, ['Name', 'Allowed routers'], apps.map((a) => [
          h('a', { href: `#/apps/${enc(a.name)}`, text: a.name }),
          (a.routers ?? []).join(', ') || 'none',
        ]))),
  };
}

/** The panel that shows a key once; "Done" removes it for good. */
function keyOnce(key, onDone) {
  const input = h('input', { type: 'text', readOnly: true, value: key, class: 'secret', spellcheck: false });
  const copied = h('span', { class: 'hint', role: 'status' });
  const panel = h('div', { class: 'key-once card', role: 'region', 'aria-labelledby': 'key-once-title' },
    h('h2', { id: 'key-once-title', text: 'The app key' }),
    h('p', { text: 'Copy it now: it is shown this once and cannot be read again.' }),
    field('App key', input),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button',
        text: 'Copy key',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(key);
            copied.textContent = 'Copied.';
          } catch {
            input.select();
            copied.textContent = 'Select the key and copy it (Ctrl+C).';
          }
        },
      }),
      h('button', { type: 'button', class: 'secondary', text: 'Done, I saved it', onclick: () => { panel.remove(); onDone(); } }),
      copied));
  return panel;
}

export async function appEditor(name) {
  const routers = await listAll('routers');
  const state = { isNew: name === null, etag: null, app: { name: '', routers: [] } };
  if (!state.isNew) {
    const { data, etag } = await api('GET', `/apps/${enc(name)}`);
    state.app = { ...data, routers: data.routers ?? [] };
    state.etag = etag;
  }
  const node = h('section', { class: 'editor' });
  const summary = h('div', { class: 'summary', role: 'alert', tabindex: '-1', hidden: true });
  const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
  const keySlot = h('div');
  let form = null;

  function render() {
    const a = state.app;
    const all = a.routers.includes('*');
    const toggle = (slug) => (e) => {
      a.routers = e.target.checked ? [...a.routers.filter((r) => r !== slug), slug] : a.routers.filter((r) => r !== slug);
      if (slug === '*') render();
    };
    form = h('form', { novalidate: true },
      h('fieldset', { class: 'card' },
        h('legend', { text: 'App' }),
        field('Name', textInput(a, 'name', () => {}, { readOnly: !state.isNew }), { path: 'name' }),
        state.isNew ? h('p', { class: 'hint', text: 'A key is made for the app when you create it, and shown once.' }) : null,
        h('p', { class: 'field-error', dataset: { errorFor: 'apiKey' } })),
      h('fieldset', { class: 'card' },
        h('legend', { text: 'Allowed routers' }),
        h('p', { class: 'field-error', dataset: { errorFor: 'routers' } }),
        field('All routers (*)', h('input', { type: 'checkbox', checked: all, onchange: toggle('*') })),
        routers.map((r) => field(r.slug, h('input', { type: 'checkbox', checked: all || a.routers.includes(r.slug), disabled: all, onchange: toggle(r.slug) })))),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', text: state.isNew ? 'Create app' : 'Save app' }),
        state.isNew ? null : h('button', { type: 'button', class: 'secondary', text: 'Rotate key', onclick: rotate }),
        state.isNew ? null : h('button', { type: 'button', class: 'danger', text: 'Revoke keys', onclick: revoke })));
    form.addEventListener('submit', (e) => { e.preventDefault(); save(); });
    replace(node, heading(state.isNew ? 'New app' : `App ${a.name}`), keySlot, conflict, summary, form);
  }

  function showKey(key, then) {
    replace(keySlot, keyOnce(key, then));
    keySlot.querySelector('button').focus();
  }

  async function save() {
    conflict.hidden = true;
    const a = state.app;
    try {
      if (state.isNew) {
        // The router generates the key and answers it this once; the store keeps only its hash.
        const { data } = await api('POST', '/apps', { body: jsonBody({ name: a.name, routers: a.routers }) });
        const key = data.apiKey;
        toast(`App ${data.name} created.`);
        // The key leaves the page with the panel: the app's page never has it again.
        showKey(key, () => { location.hash = `#/apps/${enc(data.name)}`; });
        form.hidden = true;
        return;
      }
      const { data, etag } = await api('PUT', `/apps/${enc(a.name)}`, { body: jsonBody({ name: a.name, routers: a.routers }), etag: state.etag });
      state.app = { ...data, routers: data.routers ?? [] };
      state.etag = etag;
      toast(`App ${data.name} saved.`);
      render();
    } catch (e) {
      handleError(e);
    }
  }

  async function rotate() {
    if (!await confirmDialog('Rotate key?', `App ${state.app.name} gets a new key; the old one stops working at once.`, 'Rotate key')) return;
    try {
      const { data, etag } = await api('POST', `/apps/${enc(state.app.name)}/rotate`, { etag: state.etag });
      state.etag = etag;
      showKey(data.apiKey, () => {});
    } catch (e) {
      handleError(e);
    }
  }

  async function revoke() {
    if (!await confirmDialog('Revoke keys?', `Every key of app ${state.app.name} stops working at once; the app keeps its settings, and Rotate key gives it a new one.`, 'Revoke keys')) return;
    try {
      const { etag } = await api('POST', `/apps/${enc(state.app.name)}/revoke`, { etag: state.etag });
      state.etag = etag;
      toast(`Keys of app ${state.app.name} revoked.`);
    } catch (e) {
      handleError(e);
    }
  }

  function handleError(e) {
    if (e instanceof ApiError && e.status === 412) {
      replace(conflict,
        h('p', { text: 'This app was changed by someone else since you opened it. Your changes are not saved.' }),
        h('button', { type: 'button', text: 'Reload', onclick: () => { location.reload(); } }));
      conflict.hidden = false;
      return;
    }
    if (e instanceof ApiError && e.status === 400) {
      if (showMessages(form, summary, e.errors) === 0) showSummary(summary, e.message);
    } else if (e instanceof ApiError && e.status === 409) {
      showMessages(form, summary, { name: [e.message] });
    } else {
      showSummary(summary, e.message);
    }
    (form.querySelector('[aria-invalid="true"]') ?? summary).focus();
  }

  render();
  return { title: state.isNew ? 'New app' : `App ${state.app.name}`, node, focus: state.isNew ? form.querySelector('input') : node.querySelector('h1') };
}
