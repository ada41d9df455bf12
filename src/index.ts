// The public surface of `braid`: each area declares its exports in its own index.ts.
export * from './core/index.js';
export * from './communication/index.js';
export * from './executors/index.js';
