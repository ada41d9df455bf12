// Tasks for the producer/consumer example: a producer thread fills a job channel, consumer threads take jobs and report results.
import type { Receiver, Sender } from 'braid';

export interface Job {
  id: number;
  width: number;
}

/** Puts `count` jobs into the queue, then closes it so the consumers' loops end. */
export async function produce(jobs: Sender<Job>, count: number): Promise<number> {
  for (let id = 1; id <= count; id++) await jobs.send({ id, width: 100 + id * 10 }); // waits while the queue is full
  jobs.close();
  return count;
}

/** Takes jobs until the queue is closed and drained; each "resize" is CPU work on this thread. */
export async function consume(jobs: Receiver<Job>, results: Sender<string>, name: string): Promise<number> {
  let done = 0;
  for await (const job of jobs) {
    let checksum = 0;
    for (let i = 0; i < job.width * 2_000; i++) checksum = (checksum + i * job.id) % 9_973;
    await results.send(`${name} resized #${job.id} to ${job.width}px (${checksum})`);
    done++;
  }
  return done;
}
