// Live view: each router's traffic and each LLM's health from /state, refreshed every few seconds.

import { api, enc } from './api.js';
import { h, heading, replace, table, time } from './dom.js';

const refreshMs = 3000;

export async function livePage() {
  const body = h('div');
  const stamp = h('p', { class: 'hint' });
  let timer = null;
  let stopped = false;

  async function refresh() {
    try {
      const { data } = await api('GET', '/state');
      render(data);
    } catch (e) {
      stamp.textContent = `Could not refresh: ${e.message}`;
    }
    if (!stopped) timer = setTimeout(refresh, refreshMs);
  }

  function render(state) {
    stamp.textContent = `Updated ${time(state.at)}; counts over the last ${state.windowMinutes} minutes; refreshed every ${refreshMs / 1000} s.`;
    const lastMinute = (r) => r.minutes?.length ? r.minutes[r.minutes.length - 1] : { requests: 0 };
    replace(body,
      h('h2', { text: 'Routers' }),
      state.routers.length === 0 ? h('p', { class: 'empty', text: 'No routers.' }) : table('Traffic per router', ['Router', 'Active', 'Requests', 'Last minute', 'Errors', 'Failovers'], state.routers.map((r) => [
        h('a', { href: `#/routers/${enc(r.slug)}`, text: r.slug }),
        r.active ? 'yes' : 'no',
        String(r.requests),
        `${lastMinute(r).requests}/min`,
        String(r.errors),
        String(r.failovers),
      ])),
      h('h2', { text: 'LLMs' }),
      state.llms.length === 0 ? h('p', { class: 'empty', text: 'No LLMs.' }) : table('Health per LLM', ['LLM', 'State', 'Until', 'Why', 'Breaker', 'Recent failures'], state.llms.map((l) => [
        h('a', { href: `#/llms/${enc(l.id)}`, text: l.id }),
        h('span', { class: `badge ${l.status}`, text: l.status.replace(/_/g, ' ') }),
        time(l.coolingUntil ?? l.breakerOpenUntil),
        (l.reason ?? '').replace(/_/g, ' '),
        l.breaker.replace(/_/g, ' '),
        String(l.recentFailures),
      ])));
  }

  const { data } = await api('GET', '/state');
  render(data);
  timer = setTimeout(refresh, refreshMs);
  return {
    title: 'Live',
    node: h('section', null, heading('Live'), stamp, body),
    leave: () => { stopped = true; clearTimeout(timer); },
  };
}
