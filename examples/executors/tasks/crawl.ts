// The tasks for crawler.ts: fetching pages (waiting on I/O, many at once per process) and parsing them (CPU, on threads).
import { threadId } from 'node:worker_threads';

let inFlight = 0;
let mostAtOnce = 0;

/** Downloads one page. While it waits for the network, the process's event loop runs other fetches. */
export async function fetchPage(url: string): Promise<{ url: string; html: string; pid: number; mostAtOnce: number }> {
  inFlight++;
  mostAtOnce = Math.max(mostAtOnce, inFlight);
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return { url, html: await response.text(), pid: process.pid, mostAtOnce };
  } finally {
    inFlight--;
  }
}

/** Pulls the links and counts the words of a page: pure computation, so it goes to a thread. */
export function parsePage(html: string, base: string): { links: string[]; words: number; threadId: number } {
  const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1]!, base).href);
  const text = html.replace(/<[^>]+>/g, ' ');
  const words = text.split(/\s+/).filter((w) => /^[a-z]+$/i.test(w)).length;
  return { links, words, threadId };
}
