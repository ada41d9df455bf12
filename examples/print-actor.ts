// Seed: the PrintActor — an actor that prints each message it receives, handled one at a time, then stops.
import { actor, type Behaviour } from 'braid';

class PrintActor implements Behaviour<string, void> {
  constructor(private readonly print: (line: string) => void) {}
  receive(message: string): void {
    this.print(`Got: ${message}`);
  }
}

export async function main(): Promise<string[]> {
  const lines: string[] = [];
  const printer = actor(() => new PrintActor((line) => lines.push(line)));
  await printer.send('Hello');
  await printer.send('World');
  await printer.stop(); // drains the mailbox, then ends the actor
  lines.push('printer stopped');
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await main()) console.log(line);
