// Public surface of the communication layer: channels and select, work queues, the bus and actors.
export { Channel } from './channel.js';
export type { Receiver, Sender, TryReceiveResult, TrySendResult } from './channel.js';
export { ChannelClosedError } from './channel-closed-error.js';
export { select, trySelect } from './select.js';
export type { NoneReady } from './select.js';
export type { ReceiveCase, SelectCases, SelectResult, SendCase } from './select-case.js';
export type { WaitOptions } from './wait-options.js';
export { WorkQueue } from './work-queue.js';
export type { WorkQueueOptions } from './work-queue.js';
export { Bus, BusClosedError } from './bus.js';
export type { MessageFor, TopicMap, TopicMatches } from './bus.js';
export { DEFAULT_SUBSCRIPTION_BUFFER, Subscription, SubscriptionClosedError } from './subscription.js';
export type { OverflowPolicy, SubscribeOptions } from './subscription.js';
export { topicMatches } from './topic-pattern.js';
