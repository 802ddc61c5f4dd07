// The fault proxy on a thread of its own: its clock (the per-second request counts) and its
// answers must not wait on whatever else the launching process does. A test or the chaos suite
// parsing a large listing on the main thread would otherwise bunch arrivals into one "second".
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FaultProxy, type ProxyOptions } from './faultproxy.ts';

export interface ProxyThread {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts the proxy in a worker thread; drive it over its control API (FaultProxyClient). */
export async function startFaultProxyThread(target: string, options: ProxyOptions = {}): Promise<ProxyThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { target, options } });
  const endpoint = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: string) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the fault proxy thread exited (code ${code}) before listening`)));
  });
  return {
    endpoint,
    stop: async () => {
      await worker.terminate();
    },
  };
}

if (!isMainThread && (workerData as { target?: string } | undefined)?.target) {
  const data = workerData as { target: string; options?: ProxyOptions };
  const proxy = await FaultProxy.start(data.target, data.options);
  parentPort!.postMessage(proxy.endpoint);
}
