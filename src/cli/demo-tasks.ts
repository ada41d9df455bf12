// `braid serve --demo`: one task of each registered type on a fresh database, so the first look at the dashboard shows work.
import type { TaskService } from '../jobs/service/task-service.js';

/**
 * An input a JSON schema accepts, built from its `examples`, `default`, `const`, `enum` and
 * `properties` (the same rule as the dashboard's create form); `null` when the schema says nothing.
 *
 * @example
 * sampleInput({ type: 'object', properties: { width: { type: 'integer', default: 800 } } }); // { width: 800 }
 */
export function sampleInput(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object') return null;
  const s = schema as { examples?: unknown; default?: unknown; const?: unknown; enum?: unknown; type?: unknown; properties?: unknown };
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if ('default' in s) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.type === 'object' || (s.properties !== null && typeof s.properties === 'object')) {
    const out: Record<string, unknown> = {};
    for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) out[key] = sampleInput(sub);
    return out;
  }
  switch (s.type) {
    case 'array':
      return [];
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/**
 * Creates one task of each registered type (input from its `inputSchema`) when the store holds no
 * task at all; resolves with the ids created (none on a database already in use). Each uses the
 * idempotency key `demo`, so two services starting at once on one database seed it once.
 *
 * @example
 * const ids = await seedDemoTasks(service);
 */
export async function seedDemoTasks(service: Pick<TaskService, 'types' | 'list' | 'create'>): Promise<string[]> {
  if ((await service.list({ limit: 1 })).tasks.length > 0) return [];
  const ids: string[] = [];
  for (const type of service.types) {
    const { task } = await service.create(type.name, sampleInput(type.inputSchema), { idempotencyKey: 'demo' });
    ids.push(task.id);
  }
  return ids;
}
