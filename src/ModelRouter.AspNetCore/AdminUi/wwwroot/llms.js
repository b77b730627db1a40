// LLMs: the list and the editor. The key is write-only ("Replace key"); header values are shown masked.

import { api, ApiError, enc, listAll } from './api.js';
import { confirmDialog, field, h, heading, replace, table, toast } from './dom.js';
import { jsonBody, numberInput, select, showMessages, showSummary, textInput } from './forms.js';
import { validateLlm } from './validate.js';

const mask = '********';
const providers = [
  { value: 'openai', label: 'OpenAI-compatible' },
  { value: 'azure-openai', label: 'Azure OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
];

export async function llmsPage() {
  const llms = await listAll('llms');
  return {
    title: 'LLMs',
    node: h('section', null,
      heading('LLMs', h('a', { class: 'button', href: '#/llms/new', text: 'New LLM' })),
      llms.length === 0
        ? h('p', { class: 'empty', text: 'No LLMs yet.' })
        : table(`${llms.length} LLMs`, ['Id', 'Provider', 'Base URL', 'Key', 'Headers'], llms.map((l) => [
          h('a', { href: `#/llms/${enc(l.id)}`, text: l.id }),
          l.provider,
          h('code', { text: l.baseUrl }),
          l.apiKey ? 'set' : 'none',
          (l.headers ?? []).map((x) => `${x.name}: ${mask}`).join(', ') || '—',
        ]))),
  };
}

function normalize(llm) {
  return {
    ...llm,
    provider: llm.provider ?? 'openai',
    baseUrl: llm.baseUrl ?? '',
    apiVersion: llm.apiVersion ?? '',
    headers: (llm.headers ?? []).map((x) => ({ name: x.name, value: x.value, stored: x.value === mask })),
    connectTimeoutSeconds: llm.connectTimeoutSeconds ?? 10,
    timeoutSeconds: llm.timeoutSeconds ?? 100,
    streamIdleTimeoutSeconds: llm.streamIdleTimeoutSeconds ?? 60,
    defaultMaxTokens: llm.defaultMaxTokens ?? null,
  };
}

export async function llmEditor(id) {
  const state = { isNew: id === null, etag: null, llm: normalize({ id: '' }), hasKey: false, replacingKey: id === null, key: '' };
  if (!state.isNew) {
    const { data, etag } = await api('GET', `/llms/${enc(id)}`);
    state.llm = normalize(data);
    state.etag = etag;
    state.hasKey = !!data.apiKey;
  }
  const node = h('section', { class: 'editor' });
  const summary = h('div', { class: 'summary', role: 'alert', tabindex: '-1', hidden: true });
  const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
  let form = null;
  const revalidate = () => showMessages(form, null, validateLlm(state.llm, { isNew: state.isNew }));

  function keyField() {
    const input = h('input', { type: 'password', autocomplete: 'new-password', spellcheck: false, value: state.key, oninput: (e) => { state.key = e.target.value; } });
    if (state.replacingKey) {
      return field(state.isNew ? 'API key' : 'New API key', input, { path: 'apiKey', hint: 'Write-only: it is never shown again. Leave empty for none.' });
    }
    const wrap = h('div', { class: 'field' },
      h('span', { class: 'label', text: 'API key' }),
      h('p', { text: state.hasKey ? 'A key is stored (never shown).' : 'No key is stored.' }),
      h('button', {
        type: 'button', class: 'secondary', text: state.hasKey ? 'Replace key' : 'Set key',
        onclick: () => { state.replacingKey = true; render(); form.querySelector('input[type="password"]').focus(); },
      }),
      h('p', { class: 'field-error', dataset: { errorFor: 'apiKey' } }));
    return wrap;
  }

  function render() {
    const l = state.llm;
    const changed = () => revalidate();
    form = h('form', { novalidate: true },
      h('fieldset', { class: 'card' },
        h('legend', { text: 'LLM' }),
        field('Id', textInput(l, 'id', changed, { readOnly: !state.isNew }), { path: 'id' }),
        field('Provider', select(l, 'provider', providers, changed), { path: 'provider' }),
        field('Base URL', textInput(l, 'baseUrl', changed, { type: 'url', placeholder: 'https://api.openai.com/v1' }), { path: 'baseUrl' }),
        field('API version', textInput(l, 'apiVersion', changed), { path: 'apiVersion', hint: 'Azure and Anthropic only; empty for the default.' }),
        keyField()),
      h('fieldset', { class: 'card' },
        h('legend', { text: 'Limits' }),
        h('div', { class: 'grid' },
          field('Connect timeout (s)', numberInput(l, 'connectTimeoutSeconds', changed, { step: 'any' }), { path: 'connectTimeoutSeconds' }),
          field('Timeout (s)', numberInput(l, 'timeoutSeconds', changed, { step: 'any' }), { path: 'timeoutSeconds' }),
          field('Stream idle timeout (s)', numberInput(l, 'streamIdleTimeoutSeconds', changed, { step: 'any' }), { path: 'streamIdleTimeoutSeconds' }),
          field('Default max tokens', numberInput(l, 'defaultMaxTokens', changed, { nullable: true }), { path: 'defaultMaxTokens' }))),
      h('fieldset', { class: 'card' },
        h('legend', { text: 'Extra headers' }),
        h('p', { class: 'field-error', dataset: { errorFor: 'headers' } }),
        l.headers.map((header, i) => h('div', { class: 'mapping' },
          field('Name', textInput(header, 'name', changed), { path: `headers[${i}].name` }),
          field('Value', h('input', {
            type: 'password',
            autocomplete: 'off',
            placeholder: header.stored ? `${mask} (unchanged)` : '',
            value: header.stored ? '' : (header.value ?? ''),
            oninput: (e) => { header.value = e.target.value || (header.stored ? mask : ''); changed(); },
          }), { path: `headers[${i}].value`, hint: header.stored ? 'Stored values are never shown; type to replace.' : undefined }),
          h('button', { type: 'button', class: 'danger-link', text: 'Remove header', 'aria-label': `Remove header ${i + 1}`, onclick: () => { l.headers.splice(i, 1); render(); } }))),
        h('button', { type: 'button', class: 'secondary', text: 'Add header', onclick: () => { l.headers.push({ name: '', value: '', stored: false }); render(); } })),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', text: state.isNew ? 'Create LLM' : 'Save LLM' }),
        state.isNew ? null : h('button', { type: 'button', class: 'danger', text: 'Delete LLM', onclick: remove })));
    form.addEventListener('submit', (e) => { e.preventDefault(); save(); });
    replace(node, heading(state.isNew ? 'New LLM' : `LLM ${l.id}`), conflict, summary, form);
    revalidate();
  }

  function body() {
    const l = state.llm;
    const out = { ...l, headers: l.headers.map((x) => ({ name: x.name, value: x.value })) };
    if (!out.apiVersion) delete out.apiVersion;
    if (state.replacingKey) out.apiKey = state.key || null;
    else delete out.apiKey;
    return jsonBody(out);
  }

  async function save() {
    conflict.hidden = true;
    try {
      const { data, etag } = state.isNew
        ? await api('POST', '/llms', { body: body() })
        : await api('PUT', `/llms/${enc(state.llm.id)}`, { body: body(), etag: state.etag });
      toast(`LLM ${data.id} saved.`);
      if (state.isNew) {
        location.hash = `#/llms/${enc(data.id)}`;
        return;
      }
      Object.assign(state, { llm: normalize(data), etag, hasKey: !!data.apiKey, replacingKey: false, key: '' });
      summary.hidden = true;
      render();
    } catch (e) {
      handleError(e);
    }
  }

  function handleError(e) {
    if (e instanceof ApiError && e.status === 412) {
      replace(conflict,
        h('p', { text: 'This LLM was changed by someone else since you opened it. Your changes are not saved.' }),
        h('button', { type: 'button', text: 'Reload', onclick: () => { location.reload(); } }));
      conflict.hidden = false;
      conflict.querySelector('button').focus();
      return;
    }
    if (e instanceof ApiError && e.status === 400) {
      if (showMessages(form, summary, e.errors) === 0) showSummary(summary, e.message);
    } else if (e instanceof ApiError && e.status === 409 && e.problem.referencedBy) {
      showSummary(summary, e.message, h('ul', null, e.problem.referencedBy.map((r) => h('li', null, h('a', { href: `#/routers/${enc(r)}`, text: r })))));
    } else {
      showSummary(summary, e.message);
    }
    (form.querySelector('[aria-invalid="true"]') ?? summary).focus();
  }

  async function remove() {
    if (!await confirmDialog('Delete LLM?', `LLM ${state.llm.id} is deleted. An LLM still used by a router cannot be deleted.`, 'Delete LLM')) return;
    try {
      await api('DELETE', `/llms/${enc(state.llm.id)}`, { etag: state.etag });
      toast(`LLM ${state.llm.id} deleted.`);
      location.hash = '#/llms';
    } catch (e) {
      handleError(e);
    }
  }

  render();
  return { title: state.isNew ? 'New LLM' : `LLM ${state.llm.id}`, node, focus: state.isNew ? form.querySelector('input') : node.querySelector('h1') };
}
