// Runs the shared executor conformance suite on worker threads.
import { describe } from 'node:test';
import { executorCases } from './executor.case.js';

describe('Runtime on: thread', () => executorCases('thread'));
