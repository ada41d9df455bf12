// Runs the shared actor conformance suite with actors on: thread.
import { describe } from 'node:test';
import { actorCases } from './actor.case.js';

describe('Runtime.actor() on: thread', () => actorCases('thread'));
