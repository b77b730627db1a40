// Validation as you type, with the server's rules (the server checks again on save and has the last word), and the
// warning for a pool that a pool tried before it shadows.

export const slugPattern = /^[a-z0-9-]{1,64}$/;

/** Parses a glob as the router does: '*' any run, '?' one character, [a-z] / [!a-z] classes, '\' escapes. */
export function parseGlob(pattern) {
  if (!pattern) return { error: 'The pattern is empty; use * to match every model.' };
  let source = '^';
  let literal = '';
  let isLiteral = true;
  let leading = '';
  let inLeading = true;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') {
      if (i + 1 >= pattern.length) return { error: 'The pattern ends with an unfinished escape \\.' };
      i += 1;
      source += escapeRegex(pattern[i]);
      literal += pattern[i];
      if (inLeading) leading += pattern[i];
    } else if (c === '*' || c === '?') {
      source += c === '*' ? '[\\s\\S]*' : '[\\s\\S]';
      isLiteral = false;
      inLeading = false;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return { error: `The class at position ${i} is not closed; escape a plain [ as \\[.` };
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!');
      if (negated) body = body.slice(1);
      for (let j = 0; j + 2 < body.length; j += 1) {
        if (body[j + 1] === '-' && body[j] > body[j + 2]) return { error: `The class at position ${i} has the reversed range ${body[j]}-${body[j + 2]}.` };
      }
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      isLiteral = false;
      inLeading = false;
      i = end;
    } else if (c === ']') {
      return { error: `Unexpected ] at position ${i}; escape it as \\].` };
    } else {
      source += escapeRegex(c);
      literal += c;
      if (inLeading) leading += c;
    }
  }
  const regex = new RegExp(`${source}$`);
  const prefix = /^[^*?[\\\]]*\*$/.test(pattern) ? pattern.slice(0, -1) : null;
  return { regex, literal: isLiteral ? literal : null, leading, prefix, matchesAll: pattern === '*' };
}

function escapeRegex(c) {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Whether every name the second glob matches is matched by the first, decided from their shapes as the server does. */
function covers(a, aText, b, bText) {
  if (a.matchesAll || aText === bText) return true;
  if (b.literal !== null) return a.regex.test(b.literal);
  return a.prefix !== null && b.leading.startsWith(a.prefix);
}

const isInt = (v) => typeof v === 'number' && Number.isInteger(v);

/** Validates a router against the LLM ids and known algorithms; returns { errors, warnings } keyed by field path. */
export function validateRouter(router, llmIds, { isNew } = {}) {
  const errors = {};
  const warnings = {};
  const add = (set, path, message) => { (set[path] ??= []).push(message); };
  if (isNew && !slugPattern.test(router.slug ?? '')) add(errors, 'slug', 'Use 1 to 64 characters: a-z, 0-9 and -.');
  const names = new Set();
  router.pools.forEach((pool, p) => {
    const at = `pools[${p}]`;
    if (!pool.name) add(errors, `${at}.name`, 'A pool needs a name.');
    else if (names.has(pool.name.toLowerCase())) add(errors, `${at}.name`, 'Another pool of this router has this name.');
    names.add((pool.name ?? '').toLowerCase());
    const glob = parseGlob(pool.modelPattern);
    if (glob.error) add(errors, `${at}.modelPattern`, glob.error);
    if (!isInt(pool.priority)) add(errors, `${at}.priority`, 'Priority is a whole number.');
    if (pool.maxAttempts !== null && pool.maxAttempts !== undefined && !(isInt(pool.maxAttempts) && pool.maxAttempts >= 1)) {
      add(errors, `${at}.maxAttempts`, 'Leave empty to try every vendor once, or give 1 or more.');
    }
    const sourcesSeen = new Set();
    pool.vendors.forEach((vendor, v) => {
      const vat = `${at}.vendors[${v}]`;
      if (!vendor.llm) add(errors, `${vat}.llm`, 'Pick an LLM.');
      else if (llmIds && !llmIds.includes(vendor.llm)) add(errors, `${vat}.llm`, `No LLM has the id ${vendor.llm}.`);
      if (!isInt(vendor.weight) || vendor.weight < 0) add(errors, `${vat}.weight`, 'Weight is a whole number, 0 or more (0 takes no traffic).');
      sourcesSeen.clear();
      vendor.modelMappings.forEach((mapping, m) => {
        const mat = `${vat}.modelMappings[${m}]`;
        if (!mapping.source) add(errors, `${mat}.source`, 'Give the requested model name.');
        else if (sourcesSeen.has(mapping.source)) add(errors, `${mat}.source`, 'This model is already mapped by this vendor.');
        sourcesSeen.add(mapping.source);
        if (!mapping.target) add(errors, `${mat}.target`, 'Give the model name sent to this vendor.');
      });
    });
    if (!pool.vendors.some((v) => v.active && v.weight > 0)) {
      add(warnings, `${at}.vendors`, pool.vendors.length === 0
        ? 'No vendors yet: requests this pool matches get 503.'
        : 'No vendor takes traffic (each is inactive or has weight 0): requests this pool matches get 503.');
    }
  });
  // Shadowed pools: tried in priority order (higher first, then list order).
  const order = router.pools.map((pool, index) => ({ pool, index })).sort((a, b) => (b.pool.priority - a.pool.priority) || (a.index - b.index));
  const tried = [];
  for (const { pool, index } of order) {
    const glob = parseGlob(pool.modelPattern);
    if (glob.error) continue;
    const cover = tried.find((t) => covers(t.glob, t.pool.modelPattern, glob, pool.modelPattern));
    if (cover) {
      add(warnings, `pools[${index}].modelPattern`,
        `This pool never matches: pool ${cover.pool.name || '(unnamed)'} (priority ${cover.pool.priority}) is tried first and its pattern ${cover.pool.modelPattern} covers ${pool.modelPattern}. Give this pool a higher priority or narrow the other pattern.`);
    }
    tried.push({ pool, glob });
  }
  return { errors, warnings };
}

const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const reservedHeaders = new Set(['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'proxy-authorization', 'anthropic-version', 'accept',
  'accept-encoding', 'host', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect']);

/** Validates an LLM; returns errors keyed by field path. */
export function validateLlm(llm, { isNew } = {}) {
  const errors = {};
  const add = (path, message) => { (errors[path] ??= []).push(message); };
  if (isNew && !llm.id) add('id', 'An LLM needs an id.');
  let url = null;
  try {
    url = new URL(llm.baseUrl);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) add('baseUrl', 'Give an absolute http or https URL.');
  else if (url.search || url.hash || url.username || url.password) add('baseUrl', 'No query, fragment or credentials here: keys go in the key or headers.');
  for (const name of ['connectTimeoutSeconds', 'timeoutSeconds', 'streamIdleTimeoutSeconds']) {
    if (!(typeof llm[name] === 'number' && llm[name] > 0)) add(name, 'Give a number of seconds above 0.');
  }
  if (llm.defaultMaxTokens !== null && llm.defaultMaxTokens !== undefined && !(isInt(llm.defaultMaxTokens) && llm.defaultMaxTokens >= 1)) {
    add('defaultMaxTokens', 'Leave empty or give 1 or more.');
  }
  llm.headers.forEach((header, i) => {
    const name = header.name ?? '';
    if (!tokenPattern.test(name)) add(`headers[${i}].name`, 'Header names are letters, digits and !#$%&\'*+-.^_`|~.');
    else if (reservedHeaders.has(name.toLowerCase()) || name.toLowerCase().startsWith('content-')) add(`headers[${i}].name`, 'The router sets this header itself.');
    if (header.value !== undefined && /[^\t\x20-\x7e]/.test(header.value)) add(`headers[${i}].value`, 'Printable ASCII only, no line breaks.');
  });
  return errors;
}
