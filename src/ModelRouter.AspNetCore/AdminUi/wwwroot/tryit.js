// Try it: explain how a model would be routed, and send a test prompt through the router, streamed.

import { api, enc, listAll, routerPath } from './api.js';
import { field, h, heading, replace, table, time } from './dom.js';

const whoServed = ['x-model-router-vendor', 'x-model-router-attempts', 'x-model-router-trail'];

export async function tryPage(slug) {
  const routers = await listAll('routers');
  const routerSelect = h('select', null, routers.map((r) => h('option', { value: r.slug, text: r.slug })));
  if (slug) routerSelect.value = slug;
  const model = h('input', { type: 'text', value: 'gpt-4o', autocomplete: 'off', spellcheck: false });
  const explained = h('div', { class: 'result', 'aria-live': 'polite' });
  const appKey = h('input', { type: 'password', autocomplete: 'off', spellcheck: false });
  const prompt = h('textarea', { rows: 3, text: 'Say hello.' });
  const headers = h('dl', { class: 'served' });
  const answer = h('output', { class: 'answer', 'aria-live': 'polite' });
  const status = h('p', { class: 'hint', role: 'status' });
  let controller = null;

  async function explain(e) {
    e?.preventDefault();
    try {
      const { data } = await api('GET', `/routers/${enc(routerSelect.value)}/explain?model=${enc(model.value)}`);
      replace(explained, explanation(data));
    } catch (err) {
      replace(explained, h('p', { class: 'field-error', text: err.message }));
    }
  }

  async function send(e) {
    e.preventDefault();
    controller?.abort();
    controller = new AbortController();
    replace(headers);
    answer.textContent = '';
    status.textContent = 'Sending…';
    const requestHeaders = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
    if (appKey.value) requestHeaders.Authorization = `Bearer ${appKey.value}`;
    try {
      const response = await fetch(`${routerPath}/${enc(routerSelect.value)}/v1/chat/completions`, {
        method: 'POST',
        headers: requestHeaders,
        body: JSON.stringify({ model: model.value, stream: true, messages: [{ role: 'user', content: prompt.value }] }),
        signal: controller.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
      replace(headers, h('dt', { text: 'status' }), h('dd', { text: String(response.status) }),
        whoServed.filter((n) => response.headers.has(n)).map((n) => [h('dt', { text: n }), h('dd', { dataset: { header: n }, text: response.headers.get(n) })]));
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        answer.textContent = body?.error?.message ?? `The router answered ${response.status}.`;
        status.textContent = 'Failed.';
        return;
      }
      status.textContent = 'Streaming…';
      await readStream(response.body, (text) => { answer.textContent += text; });
      status.textContent = 'Done.';
    } catch (err) {
      if (err.name !== 'AbortError') status.textContent = `Failed: ${err.message}`;
    }
  }

  const explainForm = h('form', { class: 'card' },
    h('h2', { text: 'Which pool and LLM would serve it' }),
    h('div', { class: 'grid' }, field('Router', routerSelect), field('Model', model)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Explain' })),
    explained);
  explainForm.addEventListener('submit', explain);
  const sendForm = h('form', { class: 'card' },
    h('h2', { text: 'Send a test prompt' }),
    field('App key', appKey, { hint: 'Used for this request only, never stored. Leave empty when the router needs no app key.' }),
    field('Prompt', prompt),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Send' })),
    status,
    h('h3', { text: 'Who served it' }),
    headers,
    h('h3', { text: 'Answer' }),
    answer);
  sendForm.addEventListener('submit', send);
  return {
    title: 'Try it',
    node: h('section', null, heading('Try it'), routers.length ? [explainForm, sendForm] : h('p', { class: 'empty', text: 'No routers yet.' })),
    leave: () => controller?.abort(),
  };
}

/** Reads an OpenAI server-sent event stream and hands each content delta over. */
async function readStream(body, onText) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      try {
        const event = JSON.parse(data);
        if (event.error) onText(`\n[error] ${event.error.message}`);
        const delta = event.choices?.[0]?.delta?.content;
        if (delta) onText(delta);
      } catch {
        // Not JSON: not an event we show.
      }
    }
  }
}

function explanation(x) {
  const parts = [
    h('p', null, x.pool
      ? ['Pool ', h('strong', { text: x.pool }), ` (${x.algorithm}) serves ${x.model}.`]
      : `No pool matches ${x.model}: the router answers 404.`),
  ];
  if (!x.routerActive) parts.push(h('p', { class: 'field-warning', text: 'The router is inactive: it answers 404.' }));
  if (!x.servedHere) parts.push(h('p', { class: 'field-warning', text: 'This instance does not serve the router (namespaces).' }));
  if (x.passedOver?.length) {
    parts.push(table('Pools passed over', ['Pool', 'Priority', 'Pattern', 'Why'], x.passedOver.map((p) => [p.name, String(p.priority), p.modelPattern, p.reason])));
  }
  if (x.vendors?.length) {
    parts.push(table('Vendors', ['Order', 'LLM', 'Sent as', 'Weight', 'Breaker', 'Skipped'], x.vendors.map((v) => [
      v.order ?? '—',
      v.llm,
      v.mappedModel,
      String(v.weight),
      v.breaker + (v.trial ? ' (trial)' : ''),
      v.skipped ? `${v.skipped}${v.until ? ` until ${time(v.until)}` : ''}${v.detail ? `: ${v.detail}` : ''}` : '—',
    ])));
    parts.push(h('p', null, 'Next request tries: ', h('strong', { class: 'candidates', text: x.candidates.join(' → ') || 'none' }),
      x.exactOrder ? '' : ' (configuration order: the selector decides at request time)'));
  }
  return parts;
}
