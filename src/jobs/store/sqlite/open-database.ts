// Opens a better-sqlite3 database with the build that is safe on the running Node.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

type DatabaseConstructor = typeof BetterSqlite3;

const require = createRequire(import.meta.url);
let constructor: DatabaseConstructor | undefined;

/**
 * better-sqlite3 12 (a classic addon, compiled at install) is the only line that runs on Node 20, but on
 * Node 24 its statements' destructors abort the process at teardown (node::ObjectWrap now removes an
 * environment cleanup hook, which asserts once the environment is gone). better-sqlite3 13 is built on
 * Node-API, ships prebuilt binaries in its npm package, and requires Node 22: so Node 22 and later load 13
 * (installed under the alias `better-sqlite3-napi`), Node 20 loads 12. Both have the same API.
 */
function databaseConstructor(): DatabaseConstructor {
  if (constructor) return constructor;
  const major = Number(process.versions.node.split('.')[0]);
  constructor = require(major >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3') as DatabaseConstructor;
  return constructor;
}

/**
 * Opens (creating if needed) the SQLite file `filename`; `timeout` is how long a write waits for
 * another connection's lock.
 * @internal
 */
export function openDatabase(filename: string, options: { timeout: number }): BetterSqlite3.Database {
  const Database = databaseConstructor();
  return new Database(filename, options);
}
