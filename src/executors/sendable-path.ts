// Moved to the communication layer, which sends values over links too; executors import it from there.
export * from '../communication/remote/sendable-path.js';
