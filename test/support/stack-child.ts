// A process that starts a stack, prints its info as one JSON line, and then waits: "stop" on
// stdin stops it cleanly; otherwise it lives until a signal ends it. Used by the launcher tests.
import { createInterface } from 'node:readline';
import { startStack, stackInfo, stopOnSignals } from '../../src/stack/index.ts';

const stack = await startStack();
stopOnSignals(stack);
console.log(JSON.stringify(stackInfo(stack)));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'stop') {
    await stack.stop();
    process.exit(0);
  }
}
