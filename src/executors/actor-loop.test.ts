// Runs the shared actor conformance suite with actors on: loop.
import { describe } from 'node:test';
import { actorCases } from './actor.case.js';

describe('Runtime.actor() on: loop', () => actorCases('loop'));
