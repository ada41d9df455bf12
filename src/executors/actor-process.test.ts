// Runs the shared actor conformance suite with actors on: process.
import { describe } from 'node:test';
import { actorCases } from './actor.case.js';

describe('Runtime.actor() on: process', () => actorCases('process'));
