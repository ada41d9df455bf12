// Runs the shared executor conformance suite on child processes.
import { describe } from 'node:test';
import { executorCases } from './executor.case.js';

describe('Runtime on: process', () => executorCases('process'));
