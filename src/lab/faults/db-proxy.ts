// A MySQL-protocol TCP proxy between novaops and the lab's MariaDB, where database faults are
// injected. Bytes pass through unchanged; only the client's packets are read, and only to find
// the start of each command (sequence id 0) and its type. Server results are never parsed: the
// proxy needs the server's first packet (the handshake, for the connection id KILL needs) and,
// after a ROLLBACK it sent itself, the length of the one packet that answers it.
// Protocol: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import type { DbServer } from '../db-url.js';
import type { DbFaultKind, FaultKind } from './plan.js';

const COM_QUERY = 0x03;
const COM_STMT_EXECUTE = 0x17;

/** Server error numbers and states, as include/mysqld_error.h and MariaDB's errmsg name them. */
export const ER_LOCK_WAIT_TIMEOUT = { errno: 1205, sqlState: 'HY000', message: 'Lock wait timeout exceeded; try restarting transaction' };
export const ER_LOCK_DEADLOCK = { errno: 1213, sqlState: '40001', message: 'Deadlock found when trying to get lock; try restarting transaction' };

export interface DbProxyOptions {
  backend: DbServer;
  /** 0 picks a free port. */
  port: number;
  /** Asked once per COM_QUERY / COM_STMT_EXECUTE: the fault to inject, if any. */
  decide(): DbFaultKind | undefined;
  /** Told after a fault was really produced. */
  injected(kind: FaultKind): void;
}

export interface DbProxy {
  port: number;
  close(): Promise<void>;
}

/** A packet: 3-byte little-endian payload length, 1-byte sequence id, payload. */
export function packet(seq: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq & 0xff;
  return Buffer.concat([head, payload]);
}

export function errPacket(seq: number, e: { errno: number; sqlState: string; message: string }): Buffer {
  const head = Buffer.from([0xff, e.errno & 0xff, e.errno >> 8]);
  return packet(seq, Buffer.concat([head, Buffer.from(`#${e.sqlState}${e.message}`, 'utf8')]));
}

export async function startDbProxy(opts: DbProxyOptions): Promise<DbProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const backend = net.connect({ host: opts.backend.host, port: opts.backend.port });
    sockets.add(client);
    sockets.add(backend);
    new ProxiedConnection(client, backend, opts).start();
    const forget = () => {
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.once('close', forget);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

class ProxiedConnection {
  /** Client bytes not yet forwarded: whole packets are judged before they go on. */
  private fromClient = Buffer.alloc(0);
  /** The backend's thread id, from its handshake; KILL CONNECTION needs it. */
  private threadId: number | undefined;
  /** Server bytes of our own ROLLBACK's answer still to swallow (-1: header not seen yet). */
  private swallow: { remaining: number; buffered: Buffer; then: () => void } | undefined;
  /** A fault is being produced: later client bytes wait. */
  private busy = false;

  constructor(
    private readonly client: net.Socket,
    private readonly backend: net.Socket,
    private readonly opts: DbProxyOptions,
  ) {}

  start(): void {
    const { client, backend } = this;
    client.setNoDelay(true);
    backend.setNoDelay(true);
    client.on('data', (chunk) => {
      this.fromClient = Buffer.concat([this.fromClient, chunk]);
      this.pump();
    });
    backend.on('data', (chunk) => this.fromServer(chunk));
    const closeBoth = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('close', closeBoth);
    backend.on('close', closeBoth);
    client.on('error', closeBoth);
    backend.on('error', closeBoth);
  }

  private fromServer(chunk: Buffer): void {
    if (this.threadId === undefined && chunk.length >= 5 && chunk[4] === 0x0a) {
      // Handshake v10: protocol version, NUL-terminated server version, then the 4-byte thread id.
      const end = chunk.indexOf(0, 5);
      if (end > 0 && end + 5 <= chunk.length) this.threadId = chunk.readUInt32LE(end + 1);
    }
    if (!this.swallow) {
      this.client.write(chunk);
      return;
    }
    const s = this.swallow;
    s.buffered = Buffer.concat([s.buffered, chunk]);
    if (s.remaining < 0) {
      if (s.buffered.length < 4) return;
      s.remaining = 4 + s.buffered.readUIntLE(0, 3);
    }
    if (s.buffered.length < s.remaining) return;
    const rest = s.buffered.subarray(s.remaining);
    this.swallow = undefined;
    if (rest.length > 0) this.client.write(rest);
    s.then();
  }

  /** Forwards every whole client packet, stopping at a command the plan faults. */
  private pump(): void {
    while (!this.busy && this.fromClient.length >= 4) {
      const len = this.fromClient.readUIntLE(0, 3);
      if (this.fromClient.length < 4 + len) return;
      const whole = this.fromClient.subarray(0, 4 + len);
      this.fromClient = this.fromClient.subarray(4 + len);
      const seq = whole[3];
      const command = len > 0 ? whole[4] : -1;
      const kind = seq === 0 && (command === COM_QUERY || command === COM_STMT_EXECUTE) ? this.opts.decide() : undefined;
      if (!kind) {
        this.backend.write(whole);
        continue;
      }
      this.busy = true;
      void this.produce(kind, whole).then(
        () => {
          this.busy = false;
          this.pump();
        },
        () => this.client.destroy(),
      );
      return;
    }
  }

  private async produce(kind: DbFaultKind, command: Buffer): Promise<void> {
    switch (kind) {
      case 'db-lock-wait':
        // InnoDB rolls back only the statement on a lock wait timeout: the transaction lives on.
        this.client.write(errPacket(1, ER_LOCK_WAIT_TIMEOUT));
        break;
      case 'db-deadlock':
        // A deadlock victim's whole transaction is rolled back by the server; do the same.
        await new Promise<void>((resolve) => {
          this.swallow = { remaining: -1, buffered: Buffer.alloc(0), then: resolve };
          this.backend.write(packet(0, Buffer.concat([Buffer.from([COM_QUERY]), Buffer.from('ROLLBACK')])));
        });
        this.client.write(errPacket(1, ER_LOCK_DEADLOCK));
        break;
      case 'db-gone':
        // Between statements: the statement never reaches the server, which rolls the transaction back.
        this.client.destroy();
        this.backend.destroy();
        break;
      case 'db-kill':
        await this.killBackend();
        // The statement goes to a killed connection: the client meets the server's own answer.
        this.backend.write(command);
        break;
    }
    this.opts.injected(kind);
  }

  private async killBackend(): Promise<void> {
    if (this.threadId === undefined) throw new Error('no backend thread id');
    const side = await mysql.createConnection({ ...this.opts.backend, database: undefined, connectTimeout: 10_000 });
    try {
      await side.query(`KILL CONNECTION ${this.threadId}`);
    } finally {
      await side.end().catch(() => undefined);
    }
  }
}
