// Runs the shared executor conformance suite on the loop placement.
import { describe } from 'node:test';
import { executorCases } from './executor.case.js';

describe('Runtime on: loop', () => executorCases('loop'));
