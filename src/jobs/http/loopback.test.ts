import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostName, isLoopbackHost } from './loopback.js';

describe('loopback', () => {
  it('isLoopbackHost() accepts loopback names and addresses only', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', 'api.localhost', '::1', '[::1]', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '[::]', '192.168.1.2', '10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1', '::2']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('hostName() strips the port and brackets and lower-cases', () => {
    assert.equal(hostName('Localhost:7700'), 'localhost');
    assert.equal(hostName('127.0.0.1'), '127.0.0.1');
    assert.equal(hostName('[::1]:7700'), '::1');
    assert.equal(hostName(' Evil.Example:80 '), 'evil.example');
    assert.equal(hostName(''), '');
  });
});
