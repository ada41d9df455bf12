// Async code that sync-bridge.ts calls from synchronous code: builds settings using an async-only API (Web Crypto).

export interface Settings {
  environment: string;
  retries: number;
  checksum: string;
}

/** Async all the way down: a timer and crypto.subtle, which has no synchronous form. */
export async function loadSettings(environment: string): Promise<Settings> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const retries = environment === 'production' ? 5 : 1;
  const bytes = new TextEncoder().encode(`${environment}:${retries}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const checksum = [...digest.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { environment, retries, checksum };
}
