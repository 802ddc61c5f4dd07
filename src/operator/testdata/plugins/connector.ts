// A connector for fixture plugins: loading is under test, never connecting.
import type { Connector } from 'mooring/sdk';

export const connector: Connector<unknown> = { connect: () => Promise.reject(new Error('fixture plugins do not connect')) };
