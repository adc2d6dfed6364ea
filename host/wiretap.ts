// A record of what every agent in this process sent, in the order it was handed to the
// sockets (one thread: a total order). Used by the `npm start` ladder and by the chat-flow
// tests to assert the seed's order on the wire. Names: each agent registers its listening
// addresses and the local ends of the connections it opens, so a peer address reads as a name.
//
// Received bytes (opt-in: `new WireTap({ receives: true })`, or WireTap.receivesByDefault for a
// tap made elsewhere) go in the same list with dir "in", one record per message: a datagram
// is one message; a TCP stream is cut at message ends (SIP: the blank line + Content-Length,
// RFC 3261 §18.3; MSRP: the end-line "-------" transaction-id flag, RFC 4975 §6). They let a
// test see what a server that is not ours (Kamailio) sent: its sends are not tapped, but the
// agents' receives are. Records without `dir` are sends.
export interface WireRecord {
  seq: number;
  from: string;
  to: string;
  proto: "sip" | "msrp";
  transport: "udp" | "tcp";
  /** First line ("INVITE sip:tom@... SIP/2.0", "MSRP a1b2 SEND", "SIP/2.0 200 OK"). */
  line: string;
  bytes: Buffer;
  /** "out" (a send; the default when absent) or "in" (a receive, when receives are on). */
  dir?: "out" | "in";
  /** The peer's "ip:port" as the socket saw it (receives; and sends, for re-naming later). */
  peer?: string;
}

/** One packet as the sockets saw it, both directions, real addresses (host/pcap.ts). */
export interface TapPacket {
  dir: "out" | "in";
  proto: "sip" | "msrp";
  transport: "udp" | "tcp";
  /** Our end and the peer's end, "ip:port" / "[v6]:port". */
  local: string;
  remote: string;
  bytes: Buffer;
}

/** A stream whose receives are being cut into messages. */
interface RxStream { buf: Buffer; proto: "sip" | "msrp" }

const CRLF2 = Buffer.from("\r\n\r\n", "latin1");

/** Leading CRLF keep-alives (RFC 5626 §3.5.1), not a message: their length. */
function keepAlive(b: Buffer): number {
  let s = 0;
  while (s + 1 < b.length && b[s] === 0x0d && b[s + 1] === 0x0a) s += 2;
  return s;
}

/** Length of the first complete SIP message in b, or -1 when incomplete (RFC 3261 §18.3). */
function sipFrame(b: Buffer): number {
  const h = b.indexOf(CRLF2);
  if (h < 0) return -1;
  const head = b.subarray(0, h).toString("latin1");
  const m = /\r\n(?:Content-Length|l)[ \t]*:[ \t]*(\d+)/i.exec(head);
  const total = h + 4 + (m ? Number(m[1]) : 0);
  return total <= b.length ? total : -1;
}

/** Length of the first complete MSRP message in b, or -1 when incomplete (RFC 4975 §6). */
function msrpFrame(b: Buffer): number {
  const eol = b.indexOf("\r\n");
  if (eol < 0) return -1;
  const m = /^MSRP ([A-Za-z0-9][A-Za-z0-9.+%=-]{3,31}) /.exec(b.subarray(0, Math.min(eol, 120)).toString("latin1"));
  if (!m) return b.length;          // not MSRP: keep it as one record, do not wait forever
  const end = Buffer.from(`\r\n-------${m[1]}`, "latin1");
  const at = b.indexOf(end, eol);
  if (at < 0 || at + end.length + 3 > b.length) return -1;
  return at + end.length + 3;       // flag + CRLF
}

/**
 * Length of the first whole message at the start of a SIP or MSRP stream buffer (a run of CRLF
 * keep-alives counts as one), or -1 when it is not complete yet. Bytes that do not start an
 * MSRP message count as one message (never waited on). Shared with host/pcap.ts.
 */
export function messageLength(proto: "sip" | "msrp", b: Buffer): number {
  if (b.length === 0) return -1;
  const ka = proto === "sip" ? keepAlive(b) : 0;
  if (ka > 0) return ka;
  return proto === "sip" ? sipFrame(b) : msrpFrame(b);
}

export class WireTap {
  /** Receives on for taps constructed without an explicit `receives` (tests that get their
   *  tap from a helper they cannot configure). */
  static receivesByDefault = false;
  readonly records: WireRecord[] = [];
  /** Record received bytes as "in" records. */
  readonly receives: boolean;
  private readonly names = new Map<string, string>();
  private readonly rx = new Map<object, RxStream>();

  constructor(opt: { receives?: boolean } = {}) {
    this.receives = opt.receives ?? WireTap.receivesByDefault;
  }

  name(addr: string, who: string): void { this.names.set(addr, who); }
  /**
   * Names the opener of a TCP connection by the connection's two ends: an ephemeral port alone
   * is ambiguous (Linux gives the same local port to connections towards different peers).
   */
  nameConn(openerAddr: string, acceptorAddr: string, who: string): void { this.names.set(`${openerAddr}|${acceptorAddr}`, who); }
  /** Who is at addr; `localAddr`: our end of the connection, to tell openers apart. */
  nameOf(addr: string, localAddr?: string): string {
    if (localAddr !== undefined) {
      const c = this.names.get(`${addr}|${localAddr}`);
      if (c !== undefined) return c;
    }
    return this.names.get(addr) ?? addr;
  }

  record(from: string, toAddr: string, proto: "sip" | "msrp", transport: "udp" | "tcp", bytes: Buffer, localAddr?: string): void {
    const to = this.nameOf(toAddr, localAddr);
    if (transport === "udp") { this.push(from, to, proto, transport, bytes, undefined, toAddr); return; }
    // one stream write may carry several whole messages (the shim joins a drain's frames per
    // connection): one record each
    let b = bytes;
    for (let guard = 0; b.length > 0 && guard < 100_000; guard++) {
      const n = messageLength(proto, b);
      if (n <= 0 || n >= b.length) { this.push(from, to, proto, transport, b, undefined, toAddr); return; }
      this.push(from, to, proto, transport, b.subarray(0, n), undefined, toAddr);
      b = b.subarray(n);
    }
  }

  /**
   * Bytes `me` received from `fromAddr`. Datagrams (stream undefined) are one record each;
   * stream bytes are buffered under the `stream` key (e.g. the socket) and cut into messages.
   * No-op unless receives are on.
   */
  received(me: string, fromAddr: string, proto: "sip" | "msrp", transport: "udp" | "tcp", bytes: Buffer, stream?: object, localAddr?: string): void {
    if (!this.receives) return;
    if (stream === undefined) { this.push(this.nameOf(fromAddr), me, proto, transport, bytes, "in", fromAddr); return; }
    let st = this.rx.get(stream);
    if (!st) { st = { buf: Buffer.alloc(0), proto }; this.rx.set(stream, st); }
    st.buf = st.buf.length === 0 ? Buffer.from(bytes) : Buffer.concat([st.buf, bytes]);
    for (let guard = 0; st.buf.length > 0 && guard < 100_000; guard++) {
      const ka = proto === "sip" ? keepAlive(st.buf) : 0;
      if (ka > 0) { st.buf = st.buf.subarray(ka); continue; }
      const n = messageLength(proto, st.buf);
      if (n < 0) break;
      this.push(this.nameOf(fromAddr, localAddr), me, proto, transport, Buffer.from(st.buf.subarray(0, n)), "in", fromAddr);
      st.buf = st.buf.subarray(n);
    }
  }

  /** A stream closed: drop what was buffered for it. */
  closed(stream: object): void { this.rx.delete(stream); }

  private push(from: string, to: string, proto: "sip" | "msrp", transport: "udp" | "tcp", bytes: Buffer, dir: "in" | undefined, peer: string): void {
    let end = bytes.indexOf("\r\n");
    if (end < 0 || end > 200) end = Math.min(bytes.length, 200);
    const r: WireRecord = {
      seq: this.records.length, from, to, proto, transport,
      line: bytes.subarray(0, end).toString("latin1"), bytes, peer,
    };
    if (dir) r.dir = dir;
    this.records.push(r);
    for (const l of this.listeners) l(r);
  }

  /** Called with every record as it is added (waiting for a message without polling). */
  readonly listeners = new Set<(r: WireRecord) => void>();
}

/** What a SocketHost needs to report its sends (and its receives, when the tap takes them). */
export interface TapPoint { tap: WireTap; me: string }
