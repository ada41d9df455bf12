// A small crawler: fetching (I/O) runs many-at-once on the event loop of each worker process, parsing (CPU) runs on threads.
// Run: node --import tsx examples/executors/crawler.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runtime } from 'braid';
import type * as Tasks from './tasks/crawl.js';

const PAGES = 30;

// A stand-in for the web that answers after 20 ms, like a slow network: page 0 is an index linking
// to every page, and page n links on to page 7n + 3 (mod PAGES).
const server = createServer((request, response) => {
  const n = Number(/^\/page\/(\d+)$/.exec(request.url ?? '')?.[1] ?? NaN);
  if (!(n >= 0 && n < PAGES)) return void response.writeHead(404).end();
  const links = n === 0 ? Array.from({ length: PAGES - 1 }, (_, i) => i + 1) : [(7 * n + 3) % PAGES];
  const body = `<html><body><h1>Page ${n}</h1><p>Some words about page number ${n} for counting</p>
    ${links.map((to) => `<a href="/page/${to}">page ${to}</a>`).join(' ')}</body></html>`;
  setTimeout(() => response.writeHead(200, { 'content-type': 'text/html' }).end(body), 20);
});
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// concurrencyPerWorker: each process runs up to 8 fetches at once, since they mostly wait.
await using rt = runtime({ processes: 2, threads: 2, concurrencyPerWorker: 8 });
const tasks = new URL('./tasks/crawl.ts', import.meta.url);
const io = rt.module<typeof Tasks>(tasks, { on: 'process' });
const cpu = rt.module<typeof Tasks>(tasks, { on: 'thread' });

const seen = new Set<string>();
const pids = new Set<number>();
const threadIds = new Set<number>();
let words = 0;
let mostAtOnce = 0;

/** Fetch a page, parse it, then crawl every link not seen yet, all concurrently. */
async function crawl(url: string): Promise<void> {
  if (seen.has(url)) return;
  seen.add(url);
  const page = await io.fetchPage(url);
  pids.add(page.pid);
  mostAtOnce = Math.max(mostAtOnce, page.mostAtOnce);
  const parsed = await cpu.parsePage(page.html, url);
  threadIds.add(parsed.threadId);
  words += parsed.words;
  await Promise.all(parsed.links.map(crawl));
}

const started = performance.now();
try {
  await crawl(`${origin}/page/0`);
} finally {
  server.close();
}
console.log(`crawled ${seen.size} pages (${words} words) in ${(performance.now() - started).toFixed(0)} ms`);
console.log(`fetched on ${pids.size} processes, up to ${mostAtOnce} at once in one process; parsed on ${threadIds.size} threads`);
