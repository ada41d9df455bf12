// Drives the dashboard in headless Chromium against a real TaskService on a temporary SQLite file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type ServingServer } from '../../src/jobs/http/server.js';
import { TaskService } from '../../src/jobs/service/task-service.js';
import type { TaskView } from '../../src/jobs/service/task-view.js';

const CHROMIUM = '/usr/bin/chromium';
const TASKS = new URL('./fixtures/ui-tasks.ts', import.meta.url);
const SKIP = existsSync(CHROMIUM) ? false : `needs headless Chromium at ${CHROMIUM} (Debian/Ubuntu: apt-get install chromium)`;
const TOKEN = 'e2e-token-1234';

describe('dashboard in headless Chromium', { skip: SKIP, timeout: 120_000 }, () => {
  let dir: string;
  let service: TaskService;
  let server: ServingServer;
  let secured: ServingServer;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-dashboard-'));
    service = await TaskService.open({ tasks: TASKS, db: join(dir, 'tasks.db') });
    server = await serve(service, { port: 0 });
    secured = await serve(service, { port: 0, token: TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await secured?.close();
    await server?.close();
    await service?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(url = `${server.url}/`): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
    page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
    await page.goto(url);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
    return page;
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  it('the create form starts a task whose bar moves live and reaches 100%', async () => {
    const page = await open();
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
    // Every percentage any row shows, as the SSE stream updates it.
    // (Browser code: the DOM types are not in this Node project's lib, hence `any`.)
    await page.evaluate(() => {
      const g = globalThis as any;
      const seen = new Set<string>();
      g.seenPct = seen;
      new g.MutationObserver(() => g.document.querySelectorAll('#task-rows .pct').forEach((el: { textContent: string | null }) => seen.add(el.textContent ?? ''))).observe(
        g.document.body,
        { subtree: true, childList: true, characterData: true },
      );
    });
    const types = await page.locator('#create-type option').allTextContents();
    assert.deepEqual([...types].sort(), ['count', 'crunch', 'sleepy']);
    await page.selectOption('#create-type', 'count');
    await page.fill('#create-input', JSON.stringify({ steps: 8, stepMs: 120, label: 'counting' }));
    await page.click('#create-submit');
    const hint = page.locator('#create-hint');
    await hint.filter({ hasText: /^Created / }).waitFor({ timeout: 5_000 });
    const id = /^Created (\S+)\.$/.exec((await hint.textContent()) ?? '')?.[1];
    assert.ok(id, 'the form shows the new id');

    const row = page.locator(`#task-rows tr[data-id="${id}"]`);
    await row.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 15_000 });
    assert.equal(await row.locator('.pct').textContent(), '100%');
    assert.equal(await row.locator('.fill').evaluate((el) => (el as any).style.width as string), '100%');
    assert.equal(await row.locator('.msg').textContent(), 'counting 8/8');
    const seen = await page.evaluate(() => [...((globalThis as any).seenPct as Set<string>)]);
    assert.ok(
      seen.some((p) => p !== '0%' && p !== '100%'),
      `an intermediate percentage was shown live (saw ${seen.join(', ')})`,
    );
    // The created task was selected: the detail shows its result and timings.
    await page.locator('#detail pre.result').waitFor();
    assert.deepEqual(JSON.parse((await page.locator('#detail pre.result').textContent()) ?? ''), { counted: 8 });
    assert.equal(await page.locator('#detail dt:text-is("Attempts") + dd').textContent(), '1');

    const view = await api<TaskView>('GET', `/tasks/${id}`);
    assert.equal(view.status, 'succeeded');
    assert.deepEqual(view.input, { steps: 8, stepMs: 120, label: 'counting' });
    await page.close();
  });

  it('the Cancel button of a running task cancels it, as the API confirms', async () => {
    const page = await open();
    const { id } = await api<{ id: string }>('POST', '/tasks', { type: 'sleepy', input: { ms: 60_000 } });
    const row = page.locator(`#task-rows tr[data-id="${id}"]`);
    await row.and(page.locator('[data-status="running"]')).waitFor({ timeout: 10_000 });
    await row.locator('button[data-action="cancel"]').click();
    await row.and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('.pill').textContent(), 'cancelled');
    assert.equal(await row.locator('button').count(), 0, 'a finished task has no actions');
    const view = await api<TaskView>('GET', `/tasks/${id}`);
    assert.equal(view.status, 'cancelled');
    assert.notEqual(view.finishedAt, null);
    await page.close();
  });

  it('Pause and Resume in the detail view hold a queued task and release it', async () => {
    const page = await open();
    const { id } = await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 2, stepMs: 50 }, runAt: new Date(Date.now() + 60_000).toISOString() });
    const row = page.locator(`#task-rows tr[data-id="${id}"]`);
    await row.and(page.locator('[data-status="delayed"]')).waitFor({ timeout: 10_000 });
    // Hold back the answer to the first GET /tasks/:id after the pause (the refetch its event starts) until
    // after the resume and its own refetch: the page must not roll the task back to paused with that older answer.
    let heldBack = false;
    await page.route(`**/tasks/${id}`, async (route) => {
      if (route.request().method() !== 'GET' || heldBack) return route.continue();
      heldBack = true;
      const answer = await route.fetch(); // the server answers now; the page gets it later
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return route.fulfill({ response: answer });
    });
    await row.click();
    await page.locator('#detail button[data-action="pause"]').click();
    await row.and(page.locator('[data-status="paused"]')).waitFor({ timeout: 10_000 });
    assert.equal((await api<TaskView>('GET', `/tasks/${id}`)).status, 'paused');
    await page.locator('#detail button[data-action="resume"]').click();
    const resumed = row.and(page.locator('[data-status="delayed"], [data-status="queued"], [data-status="running"], [data-status="succeeded"]'));
    await resumed.waitFor({ timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(heldBack, true);
    assert.equal(await resumed.count(), 1, `the row still shows the resumed task (it shows ${await row.getAttribute('data-status')})`);
    assert.notEqual((await api<TaskView>('GET', `/tasks/${id}`)).status, 'paused');
    await api('PUT', `/tasks/${id}`, { status: 'cancelled' });
    await page.close();
  });

  it('markup in task input and progress messages is shown as text, never run', async () => {
    const attack = '<img src=x onerror="window.__xss=1">';
    const page = await open();
    const { id } = await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 2, stepMs: 20, label: attack } });
    const row = page.locator(`#task-rows tr[data-id="${id}"]`);
    await row.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 10_000 });
    await row.click();
    assert.equal(await row.locator('.msg').textContent(), `${attack} 2/2`);
    assert.equal(JSON.parse((await page.locator('#detail pre.input').textContent()) ?? '').label, attack);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as any).__xss as unknown), undefined);
    await page.close();
  });

  it('with ?token= the page sends the token on fetches and the event stream', async () => {
    const page = await open(`${secured.url}/?token=${TOKEN}`);
    assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('braid.token') as string | null), TOKEN);
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
    assert.equal(await page.locator('#banner').isHidden(), true);
    const { id } = await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 3, stepMs: 30 } });
    // Seen through the secured server's event stream, which needs the token.
    await page.locator(`#task-rows tr[data-id="${id}"][data-status="succeeded"]`).waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('a page opened on a long history shows it as it ends, without a request per replayed task', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 4, stepMs: 1, label: `old ${i}` } })).id);
    for (const id of ids) {
      for (let tries = 0; (await api<TaskView>('GET', `/tasks/${id}`)).status !== 'succeeded'; tries++) {
        assert.ok(tries < 100, `task ${id} did not finish`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const page = await browser.newPage();
    const single: string[] = [];
    page.on('request', (request) => {
      if (/\/tasks\/[0-9A-Z]{26}$/.test(new URL(request.url()).pathname)) single.push(request.url());
    });
    await page.goto(`${server.url}/`);
    await page.waitForSelector('html[data-ready="true"]');
    // Let the replay of the whole log (GET /events without a replay point) arrive and settle.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of ids) {
      const row = page.locator(`#task-rows tr[data-id="${id}"]`);
      assert.equal(await row.getAttribute('data-status'), 'succeeded');
      assert.equal(await row.locator('.pct').textContent(), '100%', 'a replayed progress event did not roll the bar back');
    }
    assert.deepEqual(single, [], 'finished tasks from the list are not fetched again');
    await page.close();
  });

  it('after a server restart the page reconnects and the replay (Last-Event-ID) brings what it missed', async () => {
    const page = await open();
    const { id } = await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 20, stepMs: 150, label: 'through restart' } });
    const row = page.locator(`#task-rows tr[data-id="${id}"]`);
    await row.and(page.locator('[data-status="running"]')).waitFor({ timeout: 10_000 });
    const port = Number(new URL(server.url).port);
    await server.close();
    await page.locator('#conn:not([data-state="live"])').waitFor({ timeout: 5_000 });
    // The task keeps running in the service while nobody serves its events.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    server = await serve(service, { port });
    await row.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 20_000 });
    assert.equal(await row.locator('.pct').textContent(), '100%');
    assert.equal(await row.locator('.msg').textContent(), 'through restart 20/20');
    assert.equal(await page.locator('#conn').getAttribute('data-state'), 'live');
    await page.close();
  });

  it('looks right: a screenshot of a mixed board goes to /tmp/dashboard.png', async () => {
    const crunched = await api<{ id: string }>('POST', '/tasks', { type: 'crunch', input: { steps: 4, stepMs: 30, label: 'thread step' } });
    const failed = await api<{ id: string }>('POST', '/tasks', { type: 'crunch', input: { steps: 'many' } });
    const running = await api<{ id: string }>('POST', '/tasks', { type: 'count', input: { steps: 400, stepMs: 100, label: 'resizing' } });
    const page = await open();
    // Worker threads boot tsx first (1-2 s on a loaded machine): wait for both thread tasks to end.
    await page.locator(`#task-rows tr[data-id="${crunched.id}"][data-status="succeeded"]`).waitFor({ timeout: 20_000 });
    await page.locator(`#task-rows tr[data-id="${failed.id}"][data-status="failed"]`).click({ timeout: 20_000 });
    await page.locator('#detail pre.error').waitFor();
    assert.match((await page.locator('#detail pre.error').textContent()) ?? '', /^TypeError: steps must be a non-negative integer, got "many"\n\s+at /);
    await page.locator(`#task-rows tr[data-id="${running.id}"][data-status="running"] .pct:not(:text("0%"))`).waitFor({ timeout: 10_000 });
    // What a person sees on opening the page (the list below the fold goes on).
    await page.screenshot({ path: '/tmp/dashboard.png' });
    await api('PUT', `/tasks/${running.id}`, { status: 'cancelled' });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
