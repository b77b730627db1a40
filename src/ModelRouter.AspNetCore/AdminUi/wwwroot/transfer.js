// Import and export of the whole configuration (keys and header values stay masked on export and kept on import).

import { api, ApiError } from './api.js';
import { confirmDialog, field, h, heading, replace, toast } from './dom.js';

export async function transferPage() {
  const exported = h('textarea', { rows: 12, readOnly: true, spellcheck: false, class: 'code' });
  const incoming = h('textarea', { rows: 12, spellcheck: false, class: 'code', placeholder: '{ "llms": [], "routers": [], "apps": [] }' });
  const file = h('input', { type: 'file', accept: 'application/json,.json' });
  const result = h('div', { role: 'status', class: 'result' });
  let downloadUrl = null;
  const download = h('a', { class: 'button secondary', text: 'Download JSON', download: 'modelrouter-config.json', hidden: true });

  async function doExport() {
    const { data } = await api('GET', '/export');
    exported.value = JSON.stringify(data, null, 2);
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([exported.value], { type: 'application/json' }));
    download.href = downloadUrl;
    download.hidden = false;
  }

  file.addEventListener('change', async () => {
    const chosen = file.files?.[0];
    if (chosen) incoming.value = await chosen.text();
  });

  async function doImport() {
    let parsed;
    try {
      parsed = JSON.parse(incoming.value);
    } catch (e) {
      replace(result, h('p', { class: 'field-error', text: `This is not JSON: ${e.message}` }));
      return;
    }
    if (!await confirmDialog('Import configuration?', 'The import replaces every LLM, router and app with those in the file.', 'Import')) return;
    try {
      await api('POST', '/import', { body: JSON.stringify(parsed) });
      replace(result, h('p', { text: 'Imported.' }));
      toast('Configuration imported.');
      await doExport();
    } catch (e) {
      const errors = e instanceof ApiError ? Object.entries(e.errors) : [];
      replace(result,
        h('p', { class: 'field-error', text: e.message }),
        errors.length ? h('ul', { class: 'errors' }, errors.map(([path, messages]) => h('li', null, h('code', { text: path || '(body)' }), ` ${messages.join(' ')}`))) : null);
    }
  }

  await doExport();
  return {
    title: 'Import / export',
    node: h('section', null,
      heading('Import / export'),
      h('div', { class: 'card' },
        h('h2', { text: 'Export' }),
        h('p', { class: 'hint', text: 'The whole configuration; keys and header values are masked.' }),
        field('Current configuration', exported),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', text: 'Refresh', onclick: doExport }), download)),
      h('div', { class: 'card' },
        h('h2', { text: 'Import' }),
        h('p', { class: 'hint', text: 'Replaces everything. Masked keys and header values keep the stored ones.' }),
        field('Configuration file', file),
        field('Configuration JSON', incoming),
        h('div', { class: 'actions' }, h('button', { type: 'button', text: 'Import', onclick: doImport })),
        result)),
    leave: () => { if (downloadUrl) URL.revokeObjectURL(downloadUrl); },
  };
}
