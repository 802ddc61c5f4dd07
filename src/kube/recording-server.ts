// For tests: a KubeClient in front of a server on loopback that records each call (method, path,
// query, content type, body) and answers from a table. Used by the tests of the apiserver's users
// at every floor above kube (src/kube/requests.test.ts, src/cluster/leases.test.ts).
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeClient } from './client.ts';

export interface Call {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  body: unknown;
}

/** Answers by `METHOD path`; unlisted: 404 with a Status. */
export type Answers = Record<string, [number, unknown]>;

export interface RecordingServer {
  kube: KubeClient;
  /** Runs `act` with these answers; the calls it made. */
  record: (answers: Answers, act: () => Promise<unknown>) => Promise<Call[]>;
  close: () => Promise<void>;
}

export async function recordingServer(): Promise<RecordingServer> {
  const calls: Call[] = [];
  let answers: Answers = {};
  const reply = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      calls.push({ method: req.method ?? '', path: url.pathname, query: url.search, contentType: req.headers['content-type'], body: text ? JSON.parse(text) : undefined });
      const [status, body] = answers[`${req.method} ${url.pathname}`] ?? [404, { kind: 'Status', code: 404, reason: 'NotFound' }];
      reply(res, status, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kube = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tls: { rejectUnauthorized: true }, headers: async () => ({}) });
  return {
    kube,
    record: async (a, act) => {
      answers = a;
      calls.length = 0;
      await act();
      return calls.map((c) => ({ ...c }));
    },
    close: () => {
      kube.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
