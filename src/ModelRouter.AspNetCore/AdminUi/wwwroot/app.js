// The admin UI shell: sign-in, navigation by URL hash, one page at a time.

import { api, ApiError, onUnauthorized, signIn, signOut, signedIn } from './api.js';
import { field, h, replace } from './dom.js';
import { routersPage, routerEditor } from './routers.js';
import { llmsPage, llmEditor } from './llms.js';
import { appsPage, appEditor } from './apps.js';
import { transferPage } from './transfer.js';
import { livePage } from './live.js';
import { tryPage } from './tryit.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('signout');
let leave = null;

const routes = [
  [/^#\/routers$/, () => routersPage()],
  [/^#\/routers\/new$/, () => routerEditor(null)],
  [/^#\/routers\/([^/]+)$/, (m) => routerEditor(decodeURIComponent(m[1]))],
  [/^#\/llms$/, () => llmsPage()],
  [/^#\/llms\/new$/, () => llmEditor(null)],
  [/^#\/llms\/([^/]+)$/, (m) => llmEditor(decodeURIComponent(m[1]))],
  [/^#\/apps$/, () => appsPage()],
  [/^#\/apps\/new$/, () => appEditor(null)],
  [/^#\/apps\/([^/]+)$/, (m) => appEditor(decodeURIComponent(m[1]))],
  [/^#\/try(?:\/([^/]+))?$/, (m) => tryPage(m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/live$/, () => livePage()],
  [/^#\/transfer$/, () => transferPage()],
];

function signInPage() {
  const key = h('input', { type: 'password', autocomplete: 'off', required: true, spellcheck: false });
  const error = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', text: 'Sign in' }),
    h('p', { text: 'Type the admin key (ModelRouter:adminApiKey). It stays in this tab only and is forgotten when the tab closes.' }),
    field('Admin key', key),
    error,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', text: 'Sign in' }),
      h('button', {
        type: 'button',
        class: 'secondary',
        text: "Use this site's sign-in",
        title: 'When the host secures the admin API itself (no admin key)',
        onclick: () => tryIn(null),
      })));
  async function tryIn(value) {
    signIn(value);
    try {
      await api('GET', '/routers?limit=1');
      location.hash = '#/routers';
      show();
    } catch (e) {
      signOut();
      error.textContent = e instanceof ApiError && e.status === 401
        ? (value === null ? 'The admin API needs a key here.' : 'That key was not accepted.')
        : `The admin API could not be reached: ${e.message}`;
      key.focus();
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    tryIn(key.value.trim());
  });
  return { title: 'Sign in', node: form, focus: key };
}

async function show() {
  if (typeof leave === 'function') leave();
  leave = null;
  const hash = location.hash;
  if (hash === '#main') return;
  nav.hidden = !signedIn();
  signOutButton.hidden = !signedIn();
  if (!signedIn()) {
    const page = signInPage();
    document.title = `${page.title} · ModelRouter`;
    replace(main, page.node);
    page.focus.focus();
    return;
  }
  const route = routes.find(([pattern]) => pattern.test(hash));
  if (!route) {
    location.replace('#/routers');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    const current = hash === a.getAttribute('href') || hash.startsWith(`${a.getAttribute('href')}/`);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  replace(main, h('p', { class: 'loading', text: 'Loading…' }));
  try {
    const page = await route[1](hash.match(route[0]));
    if (location.hash !== hash) {
      page.leave?.();
      return;
    }
    document.title = `${page.title} · ModelRouter`;
    replace(main, page.node);
    leave = page.leave;
    (page.focus ?? main.querySelector('h1'))?.focus?.();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    replace(main, h('div', { class: 'card' },
      h('h1', { text: e instanceof ApiError && e.status === 404 ? 'Not found' : 'Something went wrong', tabindex: '-1' }),
      h('p', { text: e.message })));
    main.querySelector('h1').focus();
  }
}

onUnauthorized(() => {
  signOut();
  show();
});
signOutButton.addEventListener('click', () => {
  signOut();
  location.hash = '';
  show();
});
document.getElementById('skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', show);
show();
