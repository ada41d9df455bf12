import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { dashboardContentSecurityPolicy, dashboardHtml } from './dashboard.js';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const between = (html: string, open: string, close: string) => {
  const start = html.indexOf(open);
  assert.ok(start >= 0, `${open} not found`);
  return html.slice(start + open.length, html.indexOf(close, start));
};

describe('dashboardHtml', () => {
  it('dashboardHtml() allows exactly its own inline script and style by hash in its CSP', () => {
    const html = dashboardHtml();
    const script = between(html, '<script>', '</script>');
    const style = between(html, '<style>', '</style>');
    const meta = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">').replaceAll('&#39;', "'");
    assert.match(meta, /default-src 'none'/);
    assert.ok(meta.includes(`script-src ${sha256(script)}`), meta);
    assert.ok(meta.includes(`style-src ${sha256(style)}`), meta);
    assert.ok(!meta.includes('unsafe-inline'));
    // frame-ancestors is header-only; the header form carries it.
    assert.ok(!meta.includes('frame-ancestors'));
    assert.ok(dashboardContentSecurityPolicy().startsWith(meta));
    assert.match(dashboardContentSecurityPolicy(), /frame-ancestors 'none'$/);
  });

  it('dashboardHtml() is one self-contained page: no external script, style, font or image', () => {
    const html = dashboardHtml();
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.doesNotMatch(html, /<script[^>]+src=/);
    assert.doesNotMatch(html, /<link[^>]+rel="stylesheet"/);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /@import|url\(/);
  });

  it('dashboardHtml() escapes the title', () => {
    const html = dashboardHtml({ title: '<img src=x onerror=alert(1)> & "q"' });
    assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; · Braid</title>'));
    assert.ok(!html.includes('<img'));
  });

  it('dashboardHtml() returns the same page for the default title on every call', () => {
    assert.equal(dashboardHtml(), dashboardHtml({}));
    assert.match(dashboardHtml(), /<title>Tasks · Braid<\/title>/);
  });

  it('dashboardHtml() rejects bad options with errors naming them', () => {
    assert.throws(() => dashboardHtml(null as never), { name: 'TypeError', message: 'options must be an object' });
    assert.throws(() => dashboardHtml({ title: 5 as never }), { name: 'TypeError', message: 'options.title must be a string' });
    assert.throws(() => dashboardHtml({ title: ' ' }), { name: 'RangeError', message: 'options.title must be 1 to 200 characters' });
    assert.throws(() => dashboardHtml({ title: 'x'.repeat(201) }), RangeError);
  });
});

describe('DASHBOARD_SCRIPT', () => {
  it('DASHBOARD_SCRIPT parses as JavaScript and cannot end its <script> element early', () => {
    assert.doesNotThrow(() => new Function(DASHBOARD_SCRIPT));
    assert.doesNotMatch(DASHBOARD_SCRIPT, /<\/script|<!--/i);
  });

  it('DASHBOARD_SCRIPT never turns strings into markup or code', () => {
    // Every server value must reach the page through textContent/attributes: these sinks would parse it.
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setTimeout(\'', 'srcdoc']) {
      assert.ok(!DASHBOARD_SCRIPT.includes(sink), `uses ${sink}`);
    }
  });

  it('DASHBOARD_SCRIPT follows the event stream and never polls the task list', () => {
    assert.match(DASHBOARD_SCRIPT, /new EventSource\(/);
    // The only timers: toast, refetch coalescing, the first-list fallback, the local duration ticker and the reconnect backoff.
    assert.equal(DASHBOARD_SCRIPT.match(/setInterval\(/g)?.length, 1);
    assert.doesNotMatch(DASHBOARD_SCRIPT, /setInterval\([^)]*loadPage/);
  });
});
