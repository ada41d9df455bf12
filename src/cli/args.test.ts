import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientOf, commandHelp, intOption, parseCommand, UsageError, type Command, type CommandIo } from './args.js';

const command: Command = {
  name: 'demo',
  synopsis: 'ID',
  summary: 'A command for tests.',
  positionals: { min: 1, max: 1, names: 'a task ID' },
  client: true,
  options: { limit: { type: 'string', arg: 'N', description: 'at most N' }, json: { type: 'boolean', description: 'as JSON' } },
  run: () => Promise.resolve(0),
};

function io(env: Record<string, string> = {}): CommandIo {
  return { stdout: { write: () => true }, stderr: { write: () => true }, env, signal: new AbortController().signal };
}

describe('args', () => {
  it('parseCommand() returns options by long name and the positionals', () => {
    const parsed = parseCommand(command, ['abc', '--limit', '5', '--json', '--url', 'http://h:1']);
    assert.deepEqual(parsed.positionals, ['abc']);
    assert.equal(parsed.values.limit, '5');
    assert.equal(parsed.values.json, true);
    assert.equal(parsed.values.url, 'http://h:1');
  });

  it('parseCommand() throws UsageError for unknown options, missing values and wrong positional counts', () => {
    assert.throws(() => parseCommand(command, ['abc', '--nope']), { name: 'UsageError', message: /Unknown option '--nope'/ });
    assert.throws(() => parseCommand(command, ['abc', '--limit']), UsageError);
    assert.throws(() => parseCommand(command, []), { name: 'UsageError', message: 'demo needs a task ID' });
    assert.throws(() => parseCommand(command, ['a', 'b']), { name: 'UsageError', message: "demo takes a task ID, got extra 'b'" });
  });

  it('parseCommand() accepts --help without the required positionals', () => {
    assert.equal(parseCommand(command, ['-h']).values.help, true);
  });

  it('intOption() accepts integers in range and rejects the rest with a UsageError naming the option', () => {
    assert.equal(intOption(parseCommand(command, ['a', '--limit', '7']), 'limit', 1, 10), 7);
    assert.equal(intOption(parseCommand(command, ['a']), 'limit', 1, 10), undefined);
    for (const bad of ['0', '11', '1.5', 'x', ' ']) {
      assert.throws(() => intOption(parseCommand(command, ['a', '--limit', bad]), 'limit', 1, 10), {
        name: 'UsageError',
        message: `--limit must be an integer from 1 to 10, got '${bad}'`,
      });
    }
  });

  it('commandHelp() lists the command\'s options and the shared ones', () => {
    const help = commandHelp(command);
    assert.match(help, /^Usage: braid demo ID \[options\]/);
    for (const flag of ['--limit N', '--json', '--url URL', '--token TOKEN', '-h, --help']) assert.ok(help.includes(flag), flag);
  });

  it('clientOf() takes --url and --token over BRAID_URL and BRAID_TOKEN, and rejects a bad URL as a usage error', () => {
    assert.equal(clientOf(parseCommand(command, ['a']), io()).url.href, 'http://127.0.0.1:7700/');
    assert.equal(clientOf(parseCommand(command, ['a']), io({ BRAID_URL: 'http://env:1/api' })).url.href, 'http://env:1/api/');
    assert.equal(clientOf(parseCommand(command, ['a', '--url', 'http://flag:2']), io({ BRAID_URL: 'http://env:1' })).url.href, 'http://flag:2/');
    assert.throws(() => clientOf(parseCommand(command, ['a', '--url', 'nope']), io()), { name: 'UsageError', message: /^--url must be an absolute http\(s\) URL/ });
  });
});
