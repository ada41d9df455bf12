// The dashboard's browser code: loads tasks over the HTTP API, follows GET /events (SSE) and renders with DOM APIs only.

/**
 * Plain browser JavaScript, inlined into the page by `dashboardHtml()` (its hash goes into the CSP).
 * Invariants: every server value reaches the DOM through `textContent`, attributes set one by one or
 * CSSOM (never `innerHTML`); statuses become attributes only after matching the known list; the page
 * never polls — after the first list it learns everything from the event stream, fetching one task
 * when an event says it changed. Written without backticks or dollar-brace so it can sit in a template
 * literal untouched.
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(() => {
  const STATUSES = ['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];
  const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
  const EVENT_KINDS = ['created', 'started', 'progress', 'checkpoint', 'requested', 'status', 'message'];
  const PAGE = 200;

  // --- token: ?token= is kept in sessionStorage (this tab only) and sent on every call. It stays in
  // the address bar: the server asks for it on the page itself too, so a reload must still carry it.
  let token = new URLSearchParams(location.search).get('token');
  try {
    if (token) sessionStorage.setItem('braid.token', token);
    else token = sessionStorage.getItem('braid.token');
  } catch (_) { /* storage disabled: use the URL's token only */ }

  // --- DOM helpers: text only, never markup ---
  const $ = (id) => document.getElementById(id);
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  const knownStatus = (s) => (STATUSES.includes(s) ? s : 'unknown');
  const clampPct = (p) => { const n = Number(p); return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : 0; };
  const fmtPct = (p) => { const n = clampPct(p); return (n >= 10 || n === 0 ? Math.round(n) : Math.round(n * 10) / 10) + '%'; };
  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '—';
    const sameDay = d.toDateString() === new Date().toDateString();
    return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
  }
  function fmtDuration(ms) {
    if (!(ms >= 0)) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }
  function duration(t) {
    if (!t.startedAt) return null;
    const end = t.finishedAt ? Date.parse(t.finishedAt) : (t.status === 'running' ? Date.now() : null);
    return end === null ? null : end - Date.parse(t.startedAt);
  }
  function errorText(e) {
    const head = String(e.name) + ': ' + String(e.message);
    // A stack already starts with "name: message"; show it once.
    const text = typeof e.stack === 'string' && e.stack.startsWith(head) ? e.stack : head + (e.stack ? '\n' + e.stack : '');
    return (e.code ? '[' + e.code + '] ' : '') + text;
  }
  function json(v) {
    if (v === undefined) return 'undefined';
    try { return JSON.stringify(v, null, 2); } catch (_) { return String(v); }
  }

  // --- HTTP ---
  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    const init = { method, headers };
    if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
    const res = await fetch(new URL(path, document.baseURI), init);
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!res.ok) {
      const e = (data && data.error) || {};
      const err = new Error(e.message || res.statusText || 'Request failed');
      err.code = e.code || 'HTTP_' + res.status;
      err.status = res.status;
      if (res.status === 401) showBanner('Unauthorized: open this page with ?token=<your token> (it is then kept for this tab only).');
      throw err;
    }
    return data;
  }

  // --- state ---
  const tasks = new Map();   // id -> TaskView
  const rows = new Map();    // id -> row parts
  let filter = 'all';
  let selected = null;
  let lastSeq = 0;
  let listed = false;        // the first list has arrived; events before it are replayed as refetches
  const early = new Set();
  let nextCursor = null;

  const body = $('task-rows');
  const tabs = $('tabs');
  const conn = $('conn');
  const toastEl = $('toast');

  function showBanner(text) { const b = $('banner'); b.textContent = text; b.hidden = false; }
  let toastTimer = 0;
  function toast(text) {
    toastEl.textContent = text;
    toastEl.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => toastEl.classList.remove('show'), 2600);
  }

  // --- status tabs ---
  const tabButtons = new Map();
  for (const s of ['all'].concat(STATUSES)) {
    const count = el('span', { class: 'n', text: '0' });
    const b = el('button', { class: 'tab', type: 'button', role: 'tab', 'data-filter': s, 'data-status': s === 'all' ? null : s, 'aria-selected': s === filter ? 'true' : 'false' },
      s === 'all' ? null : el('span', { class: 'dot' }), s === 'all' ? 'All' : s, count);
    b.addEventListener('click', () => setFilter(s));
    tabButtons.set(s, { b, count });
    tabs.append(b);
  }
  function setFilter(s) {
    filter = s;
    for (const [k, t] of tabButtons) t.b.setAttribute('aria-selected', k === s ? 'true' : 'false');
    for (const [id, r] of rows) r.tr.hidden = !visible(tasks.get(id));
    updateEmpty();
    // Older tasks of this status may lie beyond the first page: fetch them (merged, not replaced).
    if (s !== 'all') loadPage('tasks?limit=' + PAGE + '&status=' + encodeURIComponent(s), false).catch(reportError);
  }
  const visible = (t) => filter === 'all' || knownStatus(t.status) === filter;
  function updateCounts() {
    const counts = { all: tasks.size };
    for (const s of STATUSES) counts[s] = 0;
    for (const t of tasks.values()) { const s = knownStatus(t.status); if (s in counts) counts[s]++; }
    for (const [k, t] of tabButtons) t.count.textContent = String(counts[k] || 0);
    const parts = [];
    if (counts.running) parts.push(counts.running + ' running');
    if (counts.queued) parts.push(counts.queued + ' queued');
    $('summary').textContent = parts.join(' · ');
  }
  function updateEmpty() {
    let any = false;
    for (const r of rows.values()) if (!r.tr.hidden) { any = true; break; }
    $('empty').hidden = any;
    $('empty-text').textContent = !listed ? 'Loading…' : tasks.size === 0 ? 'No tasks yet. Create one with the form.' : 'No ' + filter + ' tasks.';
  }

  // --- rows: created once per task, then updated in place ---
  function actionsFor(status) {
    if (status === 'running' || status === 'queued' || status === 'delayed') return [['pause', 'Pause'], ['cancel', 'Cancel']];
    if (status === 'paused') return [['resume', 'Resume'], ['cancel', 'Cancel']];
    return [];
  }
  function actionButtons(t) {
    return actionsFor(knownStatus(t.status)).map(([a, label]) =>
      el('button', { class: 'btn' + (a === 'cancel' ? ' danger' : ''), type: 'button', 'data-action': a, 'data-id': t.id, text: label }));
  }
  function makeRow(t) {
    const r = {
      tr: el('tr', { 'data-id': t.id, tabindex: '0' }),
      type: el('div', { class: 'type' }), id: el('div', { class: 'id' }),
      pill: el('span', { class: 'pill' }),
      fill: el('div', { class: 'fill' }), pct: el('span', { class: 'pct' }), msg: el('div', { class: 'msg' }),
      created: el('td', { class: 'num created' }), dur: el('td', { class: 'num' }), actions: el('td', { class: 'actions' }),
      actionKey: null,
    };
    r.progress = el('div', { class: 'progress' }, el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, r.fill), r.pct, r.msg);
    r.tr.append(el('td', null, r.type, r.id), el('td', null, r.pill), el('td', null, r.progress), r.created, r.dur, r.actions);
    return r;
  }
  function insertRow(t, r) {
    // Ids are time-ordered (ULID): newest first by plain string comparison.
    let before = null;
    for (const other of body.children) {
      const id = other.getAttribute('data-id');
      if (id && id < t.id) { before = other; break; }
    }
    body.insertBefore(r.tr, before || $('empty'));
  }
  function renderRow(t) {
    let r = rows.get(t.id);
    if (!r) { r = makeRow(t); rows.set(t.id, r); insertRow(t, r); }
    const s = knownStatus(t.status);
    r.tr.setAttribute('data-status', s);
    r.tr.setAttribute('aria-selected', t.id === selected ? 'true' : 'false');
    r.type.textContent = t.type;
    r.id.textContent = t.id;
    r.pill.textContent = s;
    const pct = clampPct(t.progress);
    r.fill.style.width = pct + '%';
    r.fill.parentNode.setAttribute('aria-valuenow', String(pct));
    r.pct.textContent = fmtPct(pct);
    // A failed run's error says more than its last progress message.
    const note = s === 'failed' && t.error ? t.error.name + ': ' + t.error.message : t.message || '';
    r.msg.textContent = note;
    r.msg.title = note;
    r.created.textContent = fmtTime(t.createdAt);
    r.dur.textContent = fmtDuration(duration(t));
    const key = s;
    if (r.actionKey !== key) { r.actionKey = key; r.actions.replaceChildren(...actionButtons(t)); }
    r.tr.hidden = !visible(t);
  }
  function upsert(t) {
    if (!t || typeof t.id !== 'string') return;
    // Answers and events race (a PUT's answer can land after the event of the change it asked for):
    // a finished task never runs again, and within one attempt progress only grows.
    const known = tasks.get(t.id);
    if (known && known !== t) {
      if (FINISHED.has(known.status) && !FINISHED.has(t.status)) return;
      if (known.status === 'running' && t.status === 'running' && known.attempts === t.attempts && clampPct(t.progress) < clampPct(known.progress)) {
        t.progress = known.progress;
        t.message = known.message;
      }
    }
    tasks.set(t.id, t);
    renderRow(t);
    if (t.id === selected) scheduleDetail();
    updateCounts();
    updateEmpty();
  }
  function remove(id) {
    tasks.delete(id);
    const r = rows.get(id);
    if (r) { r.tr.remove(); rows.delete(id); }
    if (selected === id) { selected = null; scheduleDetail(); }
    updateCounts();
    updateEmpty();
  }

  // --- detail panel ---
  let detailQueued = false;
  function scheduleDetail() {
    if (detailQueued) return;
    detailQueued = true;
    requestAnimationFrame(() => { detailQueued = false; renderDetail(); });
  }
  function renderDetail() {
    const box = $('detail');
    const t = selected ? tasks.get(selected) : null;
    if (!t) { box.replaceChildren(el('p', { class: 'placeholder', text: 'Select a task to see its input, result and timings.' })); return; }
    const s = knownStatus(t.status);
    const d = duration(t);
    const parts = [
      el('h3', null, el('span', { class: 'type', text: t.type }), el('span', { class: 'pill', 'data-status': s, text: s })),
      el('div', { class: 'id', text: t.id }),
      el('div', { class: 'progress', 'data-status': s },
        el('div', { class: 'bar' }, (() => { const f = el('div', { class: 'fill' }); f.style.width = clampPct(t.progress) + '%'; return f; })()),
        el('span', { class: 'pct', text: fmtPct(t.progress) }),
        el('div', { class: 'msg', text: t.message || '' })),
      el('dl', null,
        el('dt', { text: 'Created' }), el('dd', { text: fmtTime(t.createdAt) }),
        t.runAt ? el('dt', { text: 'Run at' }) : null, t.runAt ? el('dd', { text: fmtTime(t.runAt) }) : null,
        el('dt', { text: 'Started' }), el('dd', { text: fmtTime(t.startedAt) }),
        el('dt', { text: 'Finished' }), el('dd', { text: fmtTime(t.finishedAt) }),
        el('dt', { text: 'Duration' }), el('dd', { text: fmtDuration(d) }),
        el('dt', { text: 'Attempts' }), el('dd', { text: String(t.attempts) }),
        el('dt', { text: 'Priority' }), el('dd', { text: String(t.priority) })),
      el('div', { class: 'section', text: 'Input' }), el('pre', { class: 'input', text: json(t.input) }),
    ];
    if (t.error) {
      parts.push(el('div', { class: 'section', text: 'Error' }),
        el('pre', { class: 'error', text: errorText(t.error) }));
    }
    if (s === 'succeeded' || (t.result !== null && t.result !== undefined)) {
      parts.push(el('div', { class: 'section', text: 'Result' }), el('pre', { class: 'result', text: json(t.result) }));
    }
    const actions = actionButtons(t);
    if (actions.length) parts.push(el('div', { class: 'actions' }, ...actions));
    box.replaceChildren(...parts);
  }
  function select(id) {
    const prev = selected && rows.get(selected);
    if (prev) prev.tr.setAttribute('aria-selected', 'false');
    selected = id;
    const r = rows.get(id);
    if (r) r.tr.setAttribute('aria-selected', 'true');
    renderDetail();
  }

  // --- actions (rows and detail share one handler) ---
  const TARGET = { cancel: 'cancelled', pause: 'paused', resume: 'queued' };
  async function act(action, id, button) {
    button.disabled = true;
    try {
      const asked = generation(id);
      const answer = await api('PUT', 'tasks/' + encodeURIComponent(id), { status: TARGET[action] });
      if (generation(id) === asked) upsert(answer); else refetch(id);
    } catch (err) {
      reportError(err);
      button.disabled = false;
    }
  }
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const button = target && target.closest('button[data-action]');
    if (button) {
      e.stopPropagation();
      const action = button.getAttribute('data-action');
      if (action in TARGET) act(action, button.getAttribute('data-id'), button).catch(reportError);
      return;
    }
    const tr = target && target.closest('#task-rows tr[data-id]');
    if (tr) select(tr.getAttribute('data-id'));
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    const target = e.target instanceof Element ? e.target : null;
    if (target && target.matches('#task-rows tr[data-id]')) { e.preventDefault(); select(target.getAttribute('data-id')); }
  });
  function reportError(err) {
    toast((err && err.code ? err.code + ': ' : '') + (err && err.message ? err.message : String(err)));
  }

  // --- fetching ---
  async function loadPage(path, setCursor) {
    const page = await api('GET', path);
    for (const t of page.tasks || []) upsert(t);
    if (setCursor) { nextCursor = page.nextCursor || null; $('more').hidden = !nextCursor; }
  }
  // An answer (GET or PUT) describes the task as it was when its request went out. If a change event
  // for that task arrived meanwhile the answer may be older than what is shown (a pause's refetch landing
  // after the resume), so it is dropped and the task fetched again: a task's generation counts those events.
  const generations = new Map();
  const generation = (id) => generations.get(id) || 0;
  const bump = (id) => generations.set(id, generation(id) + 1);
  const refetchIds = new Set();
  let refetchTimer = 0;
  function refetch(id) {
    refetchIds.add(id);
    // Coalesce: a burst of events for one task costs one GET.
    if (!refetchTimer) refetchTimer = setTimeout(flushRefetch, 40);
  }
  function flushRefetch() {
    refetchTimer = 0;
    const ids = [...refetchIds];
    refetchIds.clear();
    for (const id of ids) {
      const asked = generation(id);
      api('GET', 'tasks/' + encodeURIComponent(id)).then((answer) => {
        if (generation(id) === asked) upsert(answer); else refetch(id);
      }, (err) => {
        if (err && err.status === 404) remove(id); else reportError(err);
      });
    }
  }

  // --- live events ---
  // Which unknown tasks an event should bring in. The stream may replay history (a reconnect, or a
  // server that replays by default): a task the page never loaded and that is older than the first
  // list is not shown, so its events are skipped; a newer one (ids sort by creation) was created
  // since, so it is fetched. This keeps a long replay from turning into one GET per old task.
  let newestListed = '';
  const wanted = (id) => tasks.has(id) || id > newestListed;
  function apply(ev) {
    const t = tasks.get(ev.taskId);
    const p = ev.payload || {};
    if (!t) {
      if (ev.kind !== 'checkpoint' && wanted(ev.taskId)) refetch(ev.taskId);
      return;
    }
    // A finished task never changes again: its events can only be replays.
    if (FINISHED.has(t.status)) return;
    if (ev.kind === 'progress') {
      // Within an attempt progress only grows; a lower value is a replay (a new attempt starts with a
      // 'started' event, whose refetch resets the bar).
      if (typeof p.progress === 'number' && p.progress < clampPct(t.progress)) return;
      if ('progress' in p) t.progress = p.progress;
      if ('message' in p) t.message = p.message;
      upsert(t);
    } else if (ev.kind === 'checkpoint') {
      // Nothing shown changes.
    } else {
      bump(ev.taskId);
      if (ev.kind === 'status' && typeof p.status === 'string') { t.status = p.status; upsert(t); }
      refetch(ev.taskId);
    }
  }
  function onEvent(e) {
    let ev;
    try { ev = JSON.parse(e.data); } catch (_) { return; }
    if (!ev || typeof ev.taskId !== 'string') return;
    const seq = Number(ev.seq || e.lastEventId);
    if (seq > 0) { if (seq <= lastSeq) return; lastSeq = seq; }
    if (!listed) { early.add(ev.taskId); return; }
    apply(ev);
  }
  let source = null;
  let retry = 1000;
  function connect() {
    const url = new URL('events', document.baseURI);
    if (token) url.searchParams.set('token', token);
    // A fresh EventSource cannot send Last-Event-ID; after a hard failure we resume from the last seen seq.
    if (lastSeq > 0) url.searchParams.set('after', String(lastSeq));
    source = new EventSource(url);
    conn.setAttribute('data-state', 'connecting');
    conn.textContent = 'connecting';
    source.onopen = () => {
      retry = 1000;
      conn.setAttribute('data-state', 'live');
      conn.textContent = 'live';
      // After a reconnect the stream resumes from the last seen event; if none had been seen, changes
      // during the outage were not replayed: re-read the first page (an upsert, no flicker).
      if (firstList && lastSeq === 0) loadPage('tasks?limit=' + PAGE, false).catch(reportError);
      listOnce();
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. a 401 or the server went away for good): retry ourselves.
        conn.setAttribute('data-state', 'offline'); conn.textContent = 'offline';
        source.close();
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      } else {
        conn.setAttribute('data-state', 'connecting'); conn.textContent = 'reconnecting';
      }
    };
    for (const kind of EVENT_KINDS) source.addEventListener(kind, onEvent);
  }

  // --- create form ---
  const form = $('create');
  const typeSelect = $('create-type');
  const inputArea = $('create-input');
  const hint = $('create-hint');
  let types = [];
  function sample(schema) {
    if (!schema || typeof schema !== 'object') return {};
    if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
    if ('default' in schema) return schema.default;
    if (schema.type === 'object' || schema.properties) {
      const out = {};
      for (const [k, sub] of Object.entries(schema.properties || {})) out[k] = sample(sub);
      return out;
    }
    if (schema.type === 'array') return [];
    if (schema.type === 'string') return '';
    if (schema.type === 'number' || schema.type === 'integer') return 0;
    if (schema.type === 'boolean') return false;
    return null;
  }
  function onTypeChange() {
    const t = types.find((x) => x.name === typeSelect.value);
    inputArea.value = JSON.stringify(sample(t && t.inputSchema), null, 2);
    hint.className = 'hint';
    hint.textContent = t ? 'Runs on ' + (t.on || 'loop') + '.' : '';
  }
  typeSelect.addEventListener('change', onTypeChange);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let input;
    try { input = inputArea.value.trim() === '' ? null : JSON.parse(inputArea.value); } catch (err) {
      hint.className = 'hint error'; hint.textContent = 'Input is not valid JSON: ' + err.message; return;
    }
    const body = { type: typeSelect.value, input };
    const pr = $('create-priority').value.trim();
    if (pr !== '') body.priority = Number(pr);
    const submit = $('create-submit');
    submit.disabled = true;
    api('POST', 'tasks', body).then((res) => {
      hint.className = 'hint'; hint.textContent = 'Created ' + res.id + '.';
      toast('Created ' + typeSelect.value + ' ' + res.id);
      selected = res.id;
      refetch(res.id);
    }, (err) => {
      hint.className = 'hint error'; hint.textContent = (err.code ? err.code + ': ' : '') + err.message;
    }).finally(() => { submit.disabled = false; });
  });
  async function loadTypes() {
    const data = await api('GET', 'types');
    types = Array.isArray(data) ? data : (data && Array.isArray(data.types) ? data.types : []);
    typeSelect.replaceChildren(...types.map((t) => el('option', { value: t.name, text: t.name })));
    $('create-submit').disabled = types.length === 0;
    if (types.length === 0) { hint.textContent = 'No task types are registered.'; return; }
    onTypeChange();
  }

  $('more-button').addEventListener('click', () => {
    if (nextCursor) loadPage('tasks?limit=' + PAGE + '&cursor=' + encodeURIComponent(nextCursor), true).catch(reportError);
  });

  // Running durations tick locally (no requests); a delayed task turns queued when its time comes.
  setInterval(() => {
    const now = Date.now();
    for (const t of tasks.values()) {
      if (t.status === 'running') { const r = rows.get(t.id); if (r) r.dur.textContent = fmtDuration(duration(t)); }
      else if (t.status === 'delayed' && t.runAt && Date.parse(t.runAt) <= now) refetch(t.id);
    }
    if (selected && tasks.get(selected) && tasks.get(selected).status === 'running') scheduleDetail();
  }, 1000);

  // Subscribe first and list once the stream is open: a change after the list was read arrives as an
  // event, one in between is refetched. If the stream is slow to open, list anyway after 3 s.
  let firstList = null;
  function listOnce() {
    if (firstList) return;
    firstList = loadPage('tasks?limit=' + PAGE, true).then(() => {
      listed = true;
      for (const id of tasks.keys()) if (id > newestListed) newestListed = id;
      // Events that arrived before the list: the list (read after them) already shows a finished task as it ends.
      for (const id of early) {
        const t = tasks.get(id);
        if (t ? !FINISHED.has(t.status) : wanted(id)) refetch(id);
      }
      early.clear();
      updateEmpty();
      document.documentElement.setAttribute('data-ready', 'true');
    }, (err) => { listed = true; reportError(err); });
  }
  connect();
  setTimeout(listOnce, 3000);
  renderDetail();
  loadTypes().catch(reportError);
})();
`;
