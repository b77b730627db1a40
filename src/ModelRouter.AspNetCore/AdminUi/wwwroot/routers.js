// Routers: the list (search, active toggle) and the editor (basic information, pools, vendors, mappings).

import { api, ApiError, enc, listAll } from './api.js';
import { confirmDialog, field, h, heading, replace, table, toast } from './dom.js';
import { checkbox, jsonBody, numberInput, select, showMessages, showSummary, textInput } from './forms.js';
import { validateRouter } from './validate.js';

export async function routersPage() {
  const routers = await listAll('routers');
  const search = h('input', { type: 'search', autocomplete: 'off', placeholder: 'slug, name or namespace' });
  const body = h('div');
  function render() {
    const q = search.value.trim().toLowerCase();
    const shown = routers.filter((r) => !q || r.slug.toLowerCase().includes(q) || (r.name ?? '').toLowerCase().includes(q)
      || (r.namespaces ?? []).some((n) => n.toLowerCase().includes(q)));
    replace(body, shown.length === 0
      ? h('p', { class: 'empty', text: routers.length === 0 ? 'No routers yet.' : 'No router matches the search.' })
      : table(`${shown.length} of ${routers.length} routers`, ['Slug', 'Name', 'Namespaces', 'Pools', 'Active', ''], shown.map((r) => [
        h('a', { href: `#/routers/${enc(r.slug)}`, text: r.slug }),
        r.name ?? '',
        (r.namespaces ?? []).join(', ') || 'all',
        String(r.pools?.length ?? 0),
        activeToggle(r),
        h('a', { href: `#/try/${enc(r.slug)}`, text: 'Try it', 'aria-label': `Try router ${r.slug}` }),
      ])));
  }
  search.addEventListener('input', render);
  render();
  return {
    title: 'Routers',
    node: h('section', null,
      heading('Routers', h('a', { class: 'button', href: '#/routers/new', text: 'New router' })),
      field('Search', search),
      body),
  };
}

function activeToggle(router) {
  const box = h('input', { type: 'checkbox', checked: router.active, 'aria-label': `Router ${router.slug} active` });
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      const { data } = await api('POST', `/routers/${enc(router.slug)}/${box.checked ? 'activate' : 'deactivate'}`);
      router.active = data.active;
      toast(`Router ${router.slug} is ${data.active ? 'active' : 'inactive'}.`);
    } catch (e) {
      box.checked = router.active;
      toast(`Could not change router ${router.slug}: ${e.message}`);
    } finally {
      box.disabled = false;
    }
  });
  return box;
}

const algorithms = [{ value: 'round_robin', label: 'Round robin' }, { value: 'weighted', label: 'Weighted' }];

function normalize(router) {
  const r = structuredClone(router);
  r.name ??= '';
  r.description ??= '';
  r.active ??= true;
  r.namespaces ??= [];
  r.pools = (r.pools ?? []).map((p) => ({
    ...p,
    name: p.name ?? '',
    modelPattern: p.modelPattern ?? '*',
    algorithm: p.algorithm ?? 'round_robin',
    priority: p.priority ?? 0,
    maxAttempts: p.maxAttempts ?? null,
    vendors: (p.vendors ?? []).map((v) => ({ ...v, weight: v.weight ?? 1, active: v.active ?? true, modelMappings: v.modelMappings ?? [] })),
  }));
  return r;
}

const newPool = (n) => ({ name: `pool-${n}`, modelPattern: '*', algorithm: 'round_robin', priority: 0, maxAttempts: null, vendors: [] });

export async function routerEditor(slug) {
  const llms = await listAll('llms');
  const llmIds = llms.map((l) => l.id);
  const state = { isNew: slug === null, etag: null, router: normalize({ slug: '', pools: [] }) };
  if (!state.isNew) {
    const { data, etag } = await api('GET', `/routers/${enc(slug)}`);
    state.router = normalize(data);
    state.etag = etag;
  }
  const node = h('section', { class: 'editor' });
  const summary = h('div', { class: 'summary', role: 'alert', tabindex: '-1', hidden: true });
  const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
  let form = null;

  function revalidate() {
    const { errors, warnings } = validateRouter(state.router, llmIds, { isNew: state.isNew });
    showMessages(form, null, errors, warnings);
  }

  function rerender(focusPath) {
    render();
    if (focusPath) form.querySelector(`[data-focus="${CSS.escape(focusPath)}"]`)?.focus();
  }

  function render() {
    const r = state.router;
    const changed = () => revalidate();
    const namespaces = h('input', {
      type: 'text',
      value: r.namespaces.join(', '),
      autocomplete: 'off',
      oninput: (e) => { r.namespaces = e.target.value.split(',').map((s) => s.trim()).filter(Boolean); changed(); },
    });
    form = h('form', { novalidate: true, 'aria-labelledby': 'editor-title' },
      h('fieldset', { class: 'card' },
        h('legend', { text: 'Basic information' }),
        field('Slug', textInput(r, 'slug', changed, { readOnly: !state.isNew, required: true, pattern: '[a-z0-9-]{1,64}' }),
          { path: 'slug', hint: state.isNew ? 'a-z, 0-9 and -, up to 64: the router answers at /router/{slug}/v1.' : 'The slug names the router; it cannot change.' }),
        field('Name', textInput(r, 'name', changed), { path: 'name' }),
        field('Description', h('textarea', { rows: 2, value: r.description, oninput: (e) => { r.description = e.target.value; } }), { path: 'description' }),
        field('Active', checkbox(r, 'active', changed), { path: 'active' }),
        field('Available namespaces', namespaces, { path: 'namespaces', hint: 'Comma-separated; empty serves every namespace.' })),
      h('h2', { text: 'Pools' }),
      h('p', { class: 'hint', text: 'Higher priority is checked first; equal priorities keep this order.' }),
      h('p', { class: 'field-error', dataset: { errorFor: 'pools' } }),
      r.pools.map((pool, p) => poolEditor(pool, p)),
      h('button', {
        type: 'button',
        class: 'secondary',
        text: 'Add pool',
        dataset: { focus: 'add-pool' },
        onclick: () => { r.pools.push(newPool(r.pools.length + 1)); rerender(`pools[${r.pools.length - 1}].name`); },
      }),
      h('div', { class: 'actions sticky' },
        h('button', { type: 'submit', text: state.isNew ? 'Create router' : 'Save router' }),
        state.isNew ? null : h('button', { type: 'button', class: 'danger', text: 'Delete router', onclick: remove }),
        state.isNew ? null : h('a', { class: 'button secondary', href: `#/try/${enc(r.slug)}`, text: 'Try it' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save();
    });
    replace(node,
      heading(state.isNew ? 'New router' : `Router ${r.slug}`),
      conflict,
      summary,
      form);
    node.querySelector('h1').id = 'editor-title';
    revalidate();
  }

  function poolEditor(pool, p) {
    const r = state.router;
    const at = `pools[${p}]`;
    const label = () => pool.name || `#${p + 1}`;
    // Buttons are labelled with the pool's name, which changes as it is typed.
    const relabel = () => {
      for (const el of section.querySelectorAll('[data-label]')) el.setAttribute('aria-label', el.dataset.label.replace('{pool}', label()));
    };
    const changed = () => { relabel(); revalidate(); };
    const move = (to) => {
      const [moved] = r.pools.splice(p, 1);
      r.pools.splice(to, 0, moved);
      // Focus stays on the moved pool: on the same button while it can still move that way, else on the other one.
      const last = r.pools.length - 1;
      const way = to < p ? (to === 0 ? 'down' : 'up') : (to === last ? 'up' : 'down');
      rerender(`pools[${to}].${way}`);
    };
    const section = h('fieldset', { class: 'card pool' },
      h('legend', { text: `Pool ${p + 1}` }),
      h('p', { class: 'field-error', dataset: { errorFor: at } }),
      h('div', { class: 'grid' },
        field('Name', textInput(pool, 'name', changed, { dataset: { focus: `${at}.name` } }), { path: `${at}.name` }),
        field('Model pattern', textInput(pool, 'modelPattern', changed), { path: `${at}.modelPattern`, hint: 'Glob: * any run, ? one character, [a-z] classes.' }),
        field('Algorithm', select(pool, 'algorithm', algorithms, changed), { path: `${at}.algorithm` }),
        field('Priority', numberInput(pool, 'priority', changed), { path: `${at}.priority` }),
        field('Max attempts', numberInput(pool, 'maxAttempts', changed, { nullable: true, min: '1' }), { path: `${at}.maxAttempts`, hint: 'Empty: every active vendor once.' })),
      h('div', { class: 'row-actions' },
        h('button', { type: 'button', class: 'secondary', text: 'Move up', disabled: p === 0, dataset: { label: 'Move pool {pool} up', focus: `${at}.up` }, onclick: () => move(p - 1) }),
        h('button', { type: 'button', class: 'secondary', text: 'Move down', disabled: p === r.pools.length - 1, dataset: { label: 'Move pool {pool} down', focus: `${at}.down` }, onclick: () => move(p + 1) }),
        h('button', { type: 'button', class: 'danger-link', text: 'Remove pool', dataset: { label: 'Remove pool {pool}' }, onclick: () => { r.pools.splice(p, 1); rerender('add-pool'); } })),
      h('h3', { text: 'Vendors' }),
      h('p', { class: 'field-error', dataset: { errorFor: `${at}.vendors` } }),
      h('p', { class: 'field-warning', dataset: { warningFor: `${at}.vendors` } }),
      pool.vendors.map((vendor, v) => vendorEditor(pool, vendor, at, v)),
      h('button', {
        type: 'button',
        class: 'secondary',
        text: 'Add vendor',
        dataset: { label: 'Add vendor to pool {pool}', focus: `${at}.add-vendor` },
        onclick: () => {
          pool.vendors.push({ llm: llmIds[0] ?? '', weight: 1, active: true, modelMappings: [] });
          rerender(`${at}.vendors[${pool.vendors.length - 1}].llm`);
        },
      }));
    relabel();
    return section;
  }

  function vendorEditor(pool, vendor, poolAt, v) {
    const at = `${poolAt}.vendors[${v}]`;
    const changed = () => revalidate();
    const options = [{ value: '', label: 'Pick an LLM' }, ...llmIds.map((id) => ({ value: id, label: id }))];
    return h('fieldset', { class: 'vendor' },
      h('legend', { text: `Vendor ${v + 1}` }),
      h('p', { class: 'field-error', dataset: { errorFor: at } }),
      h('div', { class: 'grid' },
        field('LLM', select(vendor, 'llm', options, changed, { dataset: { focus: `${at}.llm` } }), { path: `${at}.llm` }),
        field('Weight', numberInput(vendor, 'weight', changed, { min: '0' }), { path: `${at}.weight` }),
        field('Active', checkbox(vendor, 'active', changed), { path: `${at}.active` })),
      h('h4', { text: 'Model mappings' }),
      vendor.modelMappings.length === 0 ? h('p', { class: 'hint', text: 'None: the requested model is sent as it is.' }) : null,
      vendor.modelMappings.map((mapping, m) => {
        const mat = `${at}.modelMappings[${m}]`;
        return h('div', { class: 'mapping' },
          h('p', { class: 'field-error', dataset: { errorFor: mat } }),
          field('Requested model', textInput(mapping, 'source', changed, { dataset: { focus: `${mat}.source` } }), { path: `${mat}.source` }),
          field('Sent as', textInput(mapping, 'target', changed), { path: `${mat}.target` }),
          h('button', {
            type: 'button', class: 'danger-link', text: 'Remove mapping', 'aria-label': `Remove mapping ${m + 1} of vendor ${v + 1}`,
            onclick: () => { vendor.modelMappings.splice(m, 1); rerender(`${at}.add-mapping`); },
          }));
      }),
      h('div', { class: 'row-actions' },
        h('button', {
          type: 'button', class: 'secondary', text: 'Add mapping', 'aria-label': `Add mapping to vendor ${v + 1}`, dataset: { focus: `${at}.add-mapping` },
          onclick: () => { vendor.modelMappings.push({ source: '', target: '' }); rerender(`${at}.modelMappings[${vendor.modelMappings.length - 1}].source`); },
        }),
        h('button', {
          type: 'button', class: 'danger-link', text: 'Remove vendor', 'aria-label': `Remove vendor ${v + 1}`,
          onclick: () => { pool.vendors.splice(v, 1); rerender(`${poolAt}.add-vendor`); },
        })));
  }

  async function save() {
    conflict.hidden = true;
    const r = state.router;
    try {
      const body = jsonBody(r);
      const { data, etag } = state.isNew
        ? await api('POST', '/routers', { body })
        : await api('PUT', `/routers/${enc(r.slug)}`, { body, etag: state.etag });
      toast(`Router ${data.slug} saved.`);
      if (state.isNew) {
        location.hash = `#/routers/${enc(data.slug)}`;
        return;
      }
      state.router = normalize(data);
      state.etag = etag;
      summary.hidden = true;
      render();
    } catch (e) {
      handleError(e);
    }
  }

  function handleError(e) {
    if (!(e instanceof ApiError)) {
      showSummary(summary, `The request failed: ${e.message}`);
    } else if (e.status === 412) {
      replace(conflict,
        h('p', { text: 'This router was changed by someone else since you opened it. Your changes are not saved: reload to see the current version, then edit again.' }),
        h('button', { type: 'button', text: 'Reload', onclick: reload }));
      conflict.hidden = false;
      conflict.querySelector('button').focus();
      return;
    } else if (e.status === 400) {
      const count = showMessages(form, summary, e.errors);
      if (count === 0) showSummary(summary, e.message);
    } else if (e.status === 409 && state.isNew) {
      showMessages(form, summary, { slug: [e.message] });
    } else {
      showSummary(summary, e.message);
    }
    summary.focus();
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  async function reload() {
    const { data, etag } = await api('GET', `/routers/${enc(state.router.slug)}`);
    state.router = normalize(data);
    state.etag = etag;
    conflict.hidden = true;
    summary.hidden = true;
    render();
    toast('Reloaded the current version.');
    node.querySelector('h1').focus();
  }

  async function remove() {
    const slugText = state.router.slug;
    if (!await confirmDialog('Delete router?', `Router ${slugText} and its pools are deleted; clients calling it get 404.`, 'Delete router')) return;
    try {
      await api('DELETE', `/routers/${enc(slugText)}`, { etag: state.etag });
      toast(`Router ${slugText} deleted.`);
      location.hash = '#/routers';
    } catch (e) {
      handleError(e);
    }
  }

  render();
  return { title: state.isNew ? 'New router' : `Router ${state.router.slug}`, node, focus: state.isNew ? form.querySelector('input') : node.querySelector('h1') };
}
