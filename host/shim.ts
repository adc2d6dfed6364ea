// Thin sans-I/O shim (STYLE "Thin host"): copies bytes into the core's inbox, calls one
// export, then performs the outbox records the core queued (layout: assembly/mem/outbox.ts)
// and re-arms the single timer at nextDeadline(). It knows nothing about SIP.
import { type Core } from "./loader.ts";

export const OUT_SEND_DGRAM = 1;
export const OUT_SEND_STREAM = 2;
export const OUT_CONNECT = 3;
export const OUT_CLOSE = 4;
export const OUT_EVENT = 5;
export const OUT_DATA = 6;
export const OUT_RESUME = 7;
export const OUT_SEND_READY = 8;
export const OUT_WAKE = 9;

export interface OutboxHandlers {
  sendDgram(sock: number, addr: string, bytes: Buffer): void;
  sendStream(conn: number, bytes: Buffer): void;
  connect(conn: number, addr: string): void;
  close(conn: number): void;
  event(json: string): void;
  /** Chat content bytes of app message `id` (OUT_DATA), completed by its "message" event. */
  data?(id: number, bytes: Buffer): void;
  /** OUT_RESUME: the core takes bytes from connection `conn` again (offer what it left). */
  resume?(conn: number): void;
  /** OUT_SEND_READY: the app's message that was only partly taken may go on. */
  sendReady?(): void;
}

export interface AgentExports {
  serverInit(domainLen: number, listenLen: number, seedLo: number, seedHi: number): number;
  onDatagram(sock: number, fromLen: number, len: number, now: number): number;
  onStreamOpen(addrLen: number): number;
  onStream(conn: number, len: number, now: number): number;
  onStreamClosed(conn: number, now: number): void;
  onTimer(now: number): void;
  nextDeadline(): number;
  outboxLen(): number;
  outboxReset(): void;
  outboxDropped(): number;
  serverPairs(): number;
  outboxPtr(): number;
  /** Chat role: 1 SIP, 2 MSRP (what a wire tap calls the connection). */
  connKind?(conn: number): number;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** Splits "host:port" / "[v6]:port" text. */
export function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  let host = addr.slice(0, i);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host, port: Number(addr.slice(i + 1)) };
}

/** "ip:port" text of a socket address (IPv6 in brackets). */
export function addrText(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export class Shim {
  readonly x: AgentExports;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private wakeQueued = false;
  readonly clock: () => number;

  constructor(readonly core: Core, private readonly h: OutboxHandlers, clock: () => number = () => performance.now()) {
    this.x = core.exports as unknown as AgentExports;
    this.clock = clock;
  }

  /** Writes parts one after another at the inbox; returns their lengths. */
  private put(...parts: Uint8Array[]): number[] {
    let off = this.core.inbox;
    const lens: number[] = [];
    for (const p of parts) {
      if (off + p.length > this.core.inbox + this.core.inboxCap) throw new Error("inbox overflow");
      this.core.mem.set(p, off);
      off += p.length;
      lens.push(p.length);
    }
    return lens;
  }

  init(domain: string, listen: string): number {
    const [dl, ll] = this.put(Buffer.from(domain, "latin1"), Buffer.from(listen, "latin1"));
    const seed = crypto.getRandomValues(new Uint32Array(2));
    const r = this.x.serverInit(dl, ll, seed[0], seed[1]);
    this.after();
    return r;
  }

  /** Writes parts at the inbox, calls f(lengths, now) (an export), then drains the outbox. */
  invoke(parts: Uint8Array[], f: (lens: number[], now: number) => number): number {
    if (this.closed) return -1;
    const lens = this.put(...parts);
    const r = f(lens, this.clock());
    this.after();
    return r;
  }

  datagram(sock: number, from: string, bytes: Uint8Array): void {
    if (this.closed) return;
    const fromB = Buffer.from(from, "latin1");
    if (fromB.length + bytes.length > this.core.inboxCap) return;   // larger than any SIP datagram we take
    const [fl, dl] = this.put(fromB, bytes);
    this.x.onDatagram(sock, fl, dl, this.clock());
    this.after();
  }

  streamOpen(addr: string): number {
    if (this.closed) return -1;
    const [al] = this.put(Buffer.from(addr, "latin1"));
    const id = this.x.onStreamOpen(al);
    this.after();
    return id;
  }

  /**
   * Bytes read from connection conn; returns how many the core took. When fewer (its relay
   * queues or outbox are full), the rest is the caller's to hold until a RESUME record for
   * conn (handlers.resume) — the core says when, nothing is retried on a timer.
   */
  stream(conn: number, bytes: Uint8Array): number {
    let off = 0;
    while (off < bytes.length && !this.closed) {
      const piece = bytes.subarray(off, Math.min(bytes.length, off + this.core.inboxCap));
      const [n] = this.put(piece);
      const r = this.x.onStream(conn, n, this.clock());
      this.after();
      if (r < 0) return bytes.length;   // the connection is unknown to the core: nothing to hold
      off += r;
      if (r < n) break;
    }
    return this.closed ? bytes.length : off;
  }

  /** What connection conn is, for labels only: "msrp" or "sip". */
  connLabel(conn: number): "msrp" | "sip" { return this.x.connKind?.(conn) === 2 ? "msrp" : "sip"; }

  streamClosed(conn: number): void {
    if (this.closed) return;
    this.x.onStreamClosed(conn, this.clock());
    this.after();
  }

  /** Drains the outbox and re-arms the timer. */
  private after(): void {
    const mem = this.core.mem;
    const base = this.x.outboxPtr();
    const len = this.x.outboxLen();
    const dv = new DataView(mem.buffer);
    let p = base;
    // consecutive stream writes to one connection leave as one buffer (one socket write)
    const recs: Array<[number, number, string, Buffer]> = [];
    while (p + 16 <= base + len) {
      const op = dv.getUint32(p, true), id = dv.getUint32(p + 4, true);
      const al = dv.getUint32(p + 8, true), dl = dv.getUint32(p + 12, true);
      let next = p + ((16 + al + dl + 3) & ~3);
      if (op === OUT_SEND_STREAM) {
        let total = dl, q = next;
        while (q + 16 <= base + len && dv.getUint32(q, true) === OUT_SEND_STREAM && dv.getUint32(q + 4, true) === id) {
          const l2 = dv.getUint32(q + 12, true);
          total += l2; q += (16 + dv.getUint32(q + 8, true) + l2 + 3) & ~3;
        }
        const data = Buffer.allocUnsafe(total);   // a copy: the outbox is reused by the next call
        let w = 0;
        for (let r = p; r < q; ) {
          const a2 = dv.getUint32(r + 8, true), l2 = dv.getUint32(r + 12, true);
          data.set(mem.subarray(r + 16 + a2, r + 16 + a2 + l2), w); w += l2;
          r += (16 + a2 + l2 + 3) & ~3;
        }
        recs.push([op, id, "", data]);
        p = q;
        continue;
      }
      const addr = al > 0 ? latin1(mem.subarray(p + 16, p + 16 + al)) : "";
      const data = Buffer.from(mem.subarray(p + 16 + al, p + 16 + al + dl));   // a copy
      recs.push([op, id, addr, data]);
      p = next;
    }
    this.x.outboxReset();
    let wake = false;
    for (const [op, id, addr, data] of recs) {
      if (op === OUT_SEND_DGRAM) this.h.sendDgram(id, addr, data);
      else if (op === OUT_SEND_STREAM) this.h.sendStream(id, data);
      else if (op === OUT_CONNECT) this.h.connect(id, addr);
      else if (op === OUT_CLOSE) this.h.close(id);
      else if (op === OUT_EVENT) this.h.event(data.toString("latin1"));
      else if (op === OUT_DATA) this.h.data?.(id, data);
      else if (op === OUT_RESUME) this.h.resume?.(id);
      else if (op === OUT_SEND_READY) this.h.sendReady?.();
      else if (op === OUT_WAKE) wake = true;
    }
    if (wake && !this.wakeQueued) {
      // the core has frames that did not fit this outbox: call it again once I/O had its turn
      this.wakeQueued = true;
      setImmediate(() => {
        this.wakeQueued = false;
        if (this.closed) return;
        this.x.onTimer(this.clock());
        this.after();
      });
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    const d = this.x.nextDeadline();
    if (d < 0) return;
    const delay = Math.max(0, Math.min(2 ** 31 - 1, Math.ceil(d - this.clock())));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.x.onTimer(this.clock());
      this.after();
    }, delay);
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
