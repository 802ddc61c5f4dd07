// node:http, loaded through require. An ESM import of a built-in evaluates every one of its
// exports, the lazy ones too, and node:http's WebSocket getter loads Node's bundled undici: about
// 13 MiB resident that the operator never uses (issue 8's memory goal). src/cli/run-modules.test.ts
// checks that `mooring run` does not load it.
import type * as NodeHttp from 'node:http';
import { createRequire } from 'node:module';

export const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
