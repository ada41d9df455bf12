// Public surface of the communication layer: channels and select, work queues, the bus and actors.
export {};
