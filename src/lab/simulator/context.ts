// What every handler gets: the request, the caller's token, and the shared simulator state.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabDb } from '../lab-db.js';
import type { LabInfo, SimSettings } from '../types.js';
import type { SessionAppender } from '../sessions-file.js';
import type { LabFaults } from './lab-faults.js';
import type { Stats } from './stats.js';
import type { TokenInfo, TokenStore } from './tokens.js';
import type { Timers } from './timers.js';
import type { Version } from './microversion.js';

export interface SimState {
  info: LabInfo;
  db: LabDb;
  settings: SimSettings;
  stats: Stats;
  /** The fault plan in force (none by default). */
  faults: LabFaults;
  tokens: TokenStore;
  timers: Timers;
  sessions: SessionAppender;
  /** http://127.0.0.1:PORT, known once the server listens. */
  baseUrl: string;
  adminPassword: string;
  /** The simulated nova-computes' heartbeat (set once the server listens). */
  heartbeat?: { beatNow(): Promise<void> };
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  /** Path below the service prefix, e.g. /servers/detail. */
  path: string;
  requestId: string;
  token?: TokenInfo;
  /** Parsed JSON body (POST/PUT), read once by the router. */
  body?: unknown;
  /** Placement only: the request body was not JSON (Placement answers with its own message). */
  bodyInvalid?: boolean;
  /** The microversion asked for (compute or placement, per service). */
  version: Version;
  sim: SimState;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
