// The task service's dashboard: one self-contained HTML page (inline CSS and JS, no build step, no CDN) served at `/`.
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';
import { DASHBOARD_STYLE } from './dashboard-style.js';

/** Options of `dashboardHtml()`. */
export interface DashboardOptions {
  /** Shown in the header and the browser tab; default `'Tasks'`. At most 200 characters. */
  title?: string;
}

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

// Only the page's own script and style run, by hash: even a value that slipped past the escaping
// could not execute. The API is same-origin (relative URLs), so connect-src 'self' covers fetch and SSE.
const META_CSP = [
  "default-src 'none'",
  `script-src ${hash(DASHBOARD_SCRIPT)}`,
  `style-src ${hash(DASHBOARD_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
// frame-ancestors is ignored (with a console warning) in a <meta> tag: header only.
const HEADER_CSP = `${META_CSP}; frame-ancestors 'none'`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/**
 * The Content-Security-Policy the dashboard page is built for. The page carries it in a `<meta>`
 * tag; a server may also send it as a header (`frame-ancestors` only works there). A stricter
 * generic CSP header on `/` would block the page's inline script: send this one instead.
 *
 * @example
 * reply.header('content-security-policy', dashboardContentSecurityPolicy()).type('text/html').send(dashboardHtml());
 */
export function dashboardContentSecurityPolicy(): string {
  return HEADER_CSP;
}

let defaultPage: string | undefined;

/**
 * The dashboard as one HTML document: tasks by status with live progress (from `GET /events`),
 * a detail view, cancel/pause/resume buttons and a form to create a task of a registered type. It
 * calls the API with URLs relative to the page, so it works wherever the API is mounted; `?token=`
 * in the page URL is kept in sessionStorage and sent as `Authorization: Bearer` (and as `?token=`
 * on the event stream, which cannot carry headers).
 *
 * @throws TypeError when `options` or `options.title` has the wrong type; RangeError when the title is empty or too long.
 * @example
 * app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(dashboardHtml({ title: 'Render farm' })));
 */
export function dashboardHtml(options: DashboardOptions = {}): string {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { title } = options;
  if (title === undefined) return (defaultPage ??= render('Tasks'));
  if (typeof title !== 'string') throw new TypeError('options.title must be a string');
  if (title.trim() === '' || title.length > 200) throw new RangeError('options.title must be 1 to 200 characters');
  return render(title);
}

function render(title: string): string {
  const t = escapeHtml(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(META_CSP)}">
<meta name="referrer" content="no-referrer">
<title>${t} · Braid</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header class="top">
  <h1><span class="brand">Braid</span> · ${t}</h1>
  <span id="conn" class="conn" data-state="connecting">connecting</span>
  <span class="spacer"></span>
  <span id="summary" class="summary"></span>
</header>
<main>
  <div id="banner" class="banner" role="alert" hidden></div>
  <section class="card" aria-label="Tasks">
    <div id="tabs" class="tabs" role="tablist"></div>
    <div class="table-wrap">
    <table>
      <thead><tr><th>Task</th><th>Status</th><th>Progress</th><th class="created">Created</th><th>Duration</th><th></th></tr></thead>
      <tbody id="task-rows"><tr id="empty" class="empty"><td colspan="6" id="empty-text">Loading…</td></tr></tbody>
    </table>
    </div>
    <div id="more" class="more" hidden><button id="more-button" class="btn" type="button">Load older tasks</button></div>
  </section>
  <div class="side">
    <section class="card" aria-label="Create a task">
      <h2>New task</h2>
      <form id="create" class="create">
        <div class="row">
          <label>Type<select id="create-type" name="type" required></select></label>
          <label>Priority<input id="create-priority" name="priority" type="number" step="1" placeholder="default"></label>
        </div>
        <label>Input (JSON)<textarea id="create-input" name="input" spellcheck="false">{}</textarea></label>
        <div><button id="create-submit" class="btn primary" type="submit" disabled>Create task</button></div>
        <div id="create-hint" class="hint" aria-live="polite"></div>
      </form>
    </section>
    <section class="card" aria-label="Task detail">
      <h2>Detail</h2>
      <div id="detail" class="detail"></div>
    </section>
  </div>
</main>
<div id="toast" class="toast" role="status" aria-live="polite"></div>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
