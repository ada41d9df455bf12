// `braid serve`: opens a TaskService on a SQLite file and serves its HTTP API and dashboard until SIGINT/SIGTERM.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isLoopbackHost } from '../jobs/http/loopback.js';
import { serve as serveHttp } from '../jobs/http/server.js';
import { TaskService } from '../jobs/service/task-service.js';
import { intOption, stringOption, UsageError, type Command } from './args.js';
import { seedDemoTasks } from './demo-tasks.js';

/** The `serve` command. */
export const serve: Command = {
  name: 'serve',
  synopsis: '--tasks MODULE',
  summary:
    'Run the task service: the tasks MODULE\'s defineTask exports run in the background, persisted in --db,\n' +
    'with the HTTP API and the dashboard at the printed URL. SIGINT/SIGTERM stop it gracefully: running\n' +
    'tasks are released to run again, never lost.',
  positionals: { min: 0, max: 0, names: '' },
  client: false,
  options: {
    tasks: { type: 'string', arg: 'MODULE', description: 'module (.js or .ts) exporting defineTask() definitions (required)' },
    db: { type: 'string', arg: 'FILE', description: 'SQLite database file (default ./braid.db)' },
    port: { type: 'string', arg: 'N', description: 'port, 0 for any free one (default 7700)' },
    host: { type: 'string', arg: 'HOST', description: 'interface to bind (default 127.0.0.1; others need --token)' },
    token: { type: 'string', arg: 'TOKEN', description: 'require Authorization: Bearer TOKEN (default $BRAID_TOKEN)' },
    demo: { type: 'boolean', description: 'on an empty database, start one task of each type (inputs from their schemas)' },
  },
  async run(parsed, io) {
    const tasks = stringOption(parsed, 'tasks');
    if (tasks === undefined) throw new UsageError('serve needs --tasks MODULE');
    const path = tasks.startsWith('file:') ? fileURLToPath(tasks) : tasks;
    if (!existsSync(path)) throw new UsageError(`--tasks: no such file '${tasks}'`);
    const db = stringOption(parsed, 'db') ?? './braid.db';
    const port = intOption(parsed, 'port', 0, 65_535) ?? 7700;
    const host = stringOption(parsed, 'host') ?? '127.0.0.1';
    const token = stringOption(parsed, 'token') ?? (io.env.BRAID_TOKEN || undefined);
    if (!isLoopbackHost(host) && token === undefined) {
      throw new UsageError(`refusing to serve on ${host} without --token: anyone who can reach it could run and cancel tasks`);
    }

    const service = await TaskService.open({ tasks: pathToFileURL(path), db });
    let server: { url: string; close(): Promise<void> };
    try {
      server = await serveHttp(service, token === undefined ? { host, port } : { host, port, token });
    } catch (error) {
      await service.close();
      if ((error as { code?: string }).code === 'EADDRINUSE') throw new Error(`port ${port} on ${host} is in use; pass --port N (0 for any free port)`);
      throw error;
    }
    const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
    try {
      const seeded = parsed.values.demo === true ? await seedDemoTasks(service) : [];
      // First line is the contract scripts read: "listening on <url>".
      io.stdout.write(`braid: listening on ${url}\n`);
      io.stdout.write(`braid: tasks ${service.types.map((t) => `${t.name} (${t.on})`).join(', ')} from ${relative(process.cwd(), path) || path}\n`);
      io.stdout.write(`braid: database ${db}${token === undefined ? '' : '; API needs the bearer token'}\n`);
      if (seeded.length > 0) io.stdout.write(`braid: demo: started ${seeded.length} task${seeded.length === 1 ? '' : 's'}, one of each type\n`);
      io.stdout.write(`braid: dashboard ${url}${token === undefined ? '' : '?token=…'} — Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        else io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      io.stdout.write('braid: shutting down (running tasks are released, not lost)\n');
    } finally {
      // Server first, so no request reaches a closing service; then the service releases its leases.
      try {
        await server.close();
      } finally {
        await service.close();
      }
    }
    io.stdout.write('braid: stopped\n');
    return 0;
  },
};
