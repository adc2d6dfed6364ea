// A raw SIP + MSRP chat participant for tests and benchmarks: plain node:dgram / node:net, SIP
// and MSRP written by hand, and an MSRP side the caller fully controls (hostile frames,
// pipelining, odd Byte-Ranges). No SIP stack, no MSRP session layer: what goes on the wire is
// what the caller asked for.
//
//   const raw = await joinRaw({ aor: "sip:raw@example.test", server: srv.sip });  // REGISTERed
//   host.invite(raw.aor); await raw.joined;            // bound, 200 OK sent, host's ACK received
//   const tid = raw.send("hello");                     // one SEND frame, written now
//   raw.frames / raw.onFrame                            // every MSRP frame received (parsed)
//   raw.responses.get(tid)                              // status of the response to our SEND
//   await raw.bye(); raw.close();
//
// SIP (UDP, one socket): REGISTER with Contact sip:user@127.0.0.1:ourPort (retransmitted until a
// final answer), then the first INVITE: 180 at once, then the seed's order (RFC 6135 / CHAT-FLOW
// steps 4-6): TCP to the first URI of the host's a=path, an empty bind SEND (Byte-Range 1-0/0),
// its 200, and only then the 200 OK with our SDP answer (a=setup:active). The 200 copies Via,
// From, Call-ID, CSeq and every Record-Route (RFC 3261 §12.1.1), adds a To tag and our Contact, and
// is retransmitted (§13.3.1.4) until the ACK. Dialog: route set = the INVITE's Record-Route in
// order (§12.1.1: the UAS keeps the order; only a UAC reverses it), remote target = the INVITE's
// Contact. In-dialog BYE -> 200 (raw.ended resolves); other in-dialog requests -> 200 (no
// body). bye() sends a BYE in the dialog via the server (loose routing) and resolves with its
// final status. A second INVITE (another Call-ID) gets 486.
//
// MSRP: `MsrpConn` wraps one TCP socket (connected or accepted) and is usable without SIP (the
// Kamailio relay bench uses it through `connectMsrp` / `listenMsrp`). Frames are found by their
// end-line alone (RFC 4975 §5.1/§9: "\r\n-------" + tid + one of $+# + "\r\n"; no
// Content-Length), across any TCP read boundary and with any number of frames per read.
// autoAck (default true): each incoming SEND whose Failure-Report is not "no"/"partial" gets
// 200 at once, hop by hop (RFC 4975 §7.2: To-Path = the first From-Path URI, i.e. the previous
// hop; From-Path = our URI). Responses to our own requests land in `responses` (tid -> status).
import dgram from "node:dgram";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { parseMsg, hdr, hdrs, values, build, type Msg } from "./sipua.ts";

export type MsrpFlag = "$" | "+" | "#";

export interface Frame {
  kind: "request" | "response";
  tid: string;
  /** Request method ("SEND", "REPORT", "AUTH", ...); "" for a response. */
  method: string;
  /** Response status; 0 for a request. */
  status: number;
  /** Response comment ("OK"); "" for a request. */
  comment: string;
  /** Header name (lower case) -> value; a repeated header keeps its last value. */
  headers: Map<string, string>;
  body: Buffer;
  flag: MsrpFlag;
  /** performance.now() when the frame was complete. */
  at: number;
}

export interface SendOptions {
  ctype?: string;
  msgId?: string;
  /** "x-y/T"; default "1-LEN/LEN" (a complete message in one chunk); "1-0/0" with an empty body. */
  range?: string;
  flag?: MsrpFlag;
  tid?: string;
  /** Default: the connection's peer path (hostPath for a chat member). */
  toPath?: string;
  /** Default: our URI. */
  fromPath?: string;
  /** Extra header lines ("Failure-Report: no"), written after the standard ones. */
  headers?: string[];
}

const CRLF = Buffer.from("\r\n");
const CRLFCRLF = Buffer.from("\r\n\r\n");
const FLAGS = new Set([0x24, 0x2b, 0x23]); // $ + #

export function randomId(n = 12): string {
  const a = "abcdefghijklmnopqrstuvwxyz0123456789";
  const b = randomBytes(n);
  let s = "";
  for (let i = 0; i < n; i++) s += a[b[i] % a.length];
  return s;
}

/** Incremental MSRP framer: feed() TCP reads, get whole frames. */
export class MsrpFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Where the end-line search of the current frame resumes (bytes before it are known not to hold it). */
  private scanFrom = 0;
  /** Bytes that never became a frame (a start line that is not MSRP): the stream is unusable after it. */
  broken: string | undefined;

  feed(d: Buffer, out: (f: Frame) => void): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let off = 0;
    for (;;) {
      if (this.broken) { this.buf = Buffer.alloc(0); return; }
      const le = this.buf.indexOf(CRLF, off);
      if (le < 0) { if (this.buf.length - off > 4096) this.broken = "start line too long"; break; }
      const start = this.buf.toString("latin1", off, le);
      const m = /^MSRP ([A-Za-z0-9][A-Za-z0-9.\-+%=]{2,31}) (?:(\d{3})(?: (.*))?|([A-Z]+))$/.exec(start);
      if (!m) { this.broken = `bad start line ${JSON.stringify(start.slice(0, 80))}`; break; }
      const tid = m[1];
      const endPat = Buffer.from(`\r\n-------${tid}`, "latin1");
      let from = Math.max(le, this.scanFrom);
      let endAt = -1, flag: MsrpFlag = "$", frameEnd = 0;
      let incomplete = false;
      for (;;) {
        const i = this.buf.indexOf(endPat, from);
        if (i < 0) { this.scanFrom = Math.max(le, this.buf.length - endPat.length - 3); incomplete = true; break; }
        const fpos = i + endPat.length;
        if (fpos + 3 > this.buf.length) { this.scanFrom = i; incomplete = true; break; }
        if (FLAGS.has(this.buf[fpos]) && this.buf[fpos + 1] === 0x0d && this.buf[fpos + 2] === 0x0a) {
          endAt = i; flag = String.fromCharCode(this.buf[fpos]) as MsrpFlag; frameEnd = fpos + 3; break;
        }
        from = i + 1; // "-------tid" followed by something else: body bytes
      }
      if (incomplete) break;
      // header section: after the start line, up to the blank line (then the body) or the end-line
      const hb = this.buf.indexOf(CRLFCRLF, le);
      let hdrEnd: number, body: Buffer;
      if (hb >= 0 && hb + 2 < endAt) { hdrEnd = hb; body = Buffer.from(this.buf.subarray(hb + 4, endAt)); }
      else { hdrEnd = endAt; body = Buffer.alloc(0); }
      const headers = new Map<string, string>();
      if (hdrEnd > le) {
        for (const line of this.buf.toString("latin1", le + 2, hdrEnd).split("\r\n")) {
          const c = line.indexOf(":");
          if (c > 0) headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
        }
      }
      const isResp = m[2] !== undefined;
      out({ kind: isResp ? "response" : "request", tid, method: isResp ? "" : m[4], status: isResp ? Number(m[2]) : 0,
        comment: isResp ? (m[3] ?? "") : "", headers, body, flag, at: performance.now() });
      off = frameEnd;
      this.scanFrom = 0;
    }
    this.buf = off >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
    if (off > 0) this.scanFrom = Math.max(0, this.scanFrom - off);
  }
}

/** Builds one MSRP request frame (start line, headers, optional body, end-line). */
export function buildRequest(method: string, tid: string, headerLines: string[], body?: Buffer, flag: MsrpFlag = "$"): Buffer {
  const head = `MSRP ${tid} ${method}\r\n${headerLines.map((h) => h + "\r\n").join("")}`;
  if (body === undefined) return Buffer.from(`${head}-------${tid}${flag}\r\n`, "latin1");
  return Buffer.concat([Buffer.from(head + "\r\n", "latin1"), body, Buffer.from(`\r\n-------${tid}${flag}\r\n`, "latin1")]);
}

/** One MSRP TCP connection under the caller's control. */
export class MsrpConn {
  readonly frames: Frame[] = [];
  onFrame?: (f: Frame) => void;
  autoAck = true;
  /** Keep every received frame in `frames` (benchmarks turn it off). */
  keepFrames = true;
  readonly responses = new Map<string, number>();
  readonly framer = new MsrpFramer();
  /** Peer path used as To-Path by default. */
  peerPath = "";
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly sock: net.Socket, public uri: string) {
    sock.setNoDelay(true);
    sock.on("data", (d: Buffer) => this.framer.feed(d, (f) => this.onIncoming(f)));
    sock.on("error", () => {});
    sock.on("close", () => { this.closed = true; this.wake(); });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  private onIncoming(f: Frame): void {
    if (f.kind === "response") this.responses.set(f.tid, f.status);
    else if (this.autoAck && f.method === "SEND") {
      const fr = (f.headers.get("failure-report") ?? "yes").toLowerCase();
      if (fr !== "no" && fr !== "partial") this.respond(f, 200, "OK");
    }
    if (this.keepFrames) this.frames.push(f);
    this.onFrame?.(f);
    this.wake();
  }

  /** A response to request f: To-Path = the previous hop (first From-Path URI), From-Path = us. */
  respond(f: Frame, status: number, comment: string): void {
    const prev = (f.headers.get("from-path") ?? "").split(/\s+/)[0];
    this.write(Buffer.from(`MSRP ${f.tid} ${status} ${comment}\r\nTo-Path: ${prev}\r\nFrom-Path: ${this.uri}\r\n-------${f.tid}$\r\n`, "latin1"));
  }

  /** Writes raw bytes; false when the socket buffer is over its high-water mark (wait for "drain"). */
  write(b: Buffer | string): boolean {
    if (this.sock.destroyed) return false;
    return this.sock.write(typeof b === "string" ? Buffer.from(b, "latin1") : b);
  }

  /** Writes one SEND frame now; returns its transaction id. */
  send(body: Buffer | string, opts: SendOptions = {}): string {
    const b = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const tid = opts.tid ?? randomId(12);
    const h = [`To-Path: ${opts.toPath ?? this.peerPath}`, `From-Path: ${opts.fromPath ?? this.uri}`,
      `Message-ID: ${opts.msgId ?? randomId(10)}`, `Byte-Range: ${opts.range ?? `1-${b.length}/${b.length}`}`, ...(opts.headers ?? [])];
    if (b.length === 0 && opts.ctype === undefined) this.write(buildRequest("SEND", tid, h, undefined, opts.flag));
    else this.write(buildRequest("SEND", tid, [...h, `Content-Type: ${opts.ctype ?? "text/plain"}`], b, opts.flag));
    return tid;
  }

  /** Waits for the response to request tid; its status, or 0 after ms / when the connection closed. */
  async waitResponse(tid: string, ms = 5000): Promise<number> {
    return this.waitFor(() => this.responses.get(tid), ms).then((v) => v ?? 0);
  }

  /** Resolves with pred()'s first defined value, or undefined after ms or when the connection closed. */
  async waitFor<T>(pred: () => T | undefined, ms: number): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return undefined;
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
  }

  /** RFC 4976 AUTH to a relay ("msrp://host:port;tcp", no digest); the Use-Path and Expires of its 200. */
  async auth(relayUri: string, ms = 5000): Promise<{ status: number; usePath: string; expires: number }> {
    const tid = randomId(12);
    this.write(buildRequest("AUTH", tid, [`To-Path: ${relayUri}`, `From-Path: ${this.uri}`]));
    const f = await this.waitFor(() => this.frames.find((x) => x.kind === "response" && x.tid === tid), ms);
    if (!f) return { status: 0, usePath: "", expires: 0 };
    return { status: f.status, usePath: f.headers.get("use-path") ?? "", expires: Number(f.headers.get("expires") ?? 0) };
  }

  close(): void { this.closed = true; this.sock.destroy(); this.wake(); }
}

function localUri(port: number, id = randomId(16)): string { return `msrp://127.0.0.1:${port}/${id};tcp`; }

/** Connects to "host:port" (or an msrp:// URI's authority); our URI names our local port. */
export async function connectMsrp(target: string, ms = 5000): Promise<MsrpConn> {
  const a = /^(?:msrps?:\/\/)?(\[[^\]]+\]|[^:/;]+):(\d+)/.exec(target);
  if (!a) throw new Error(`bad MSRP target ${target}`);
  const host = a[1].replace(/^\[|\]$/g, "");
  const sock = net.connect({ host, port: Number(a[2]) });
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => { sock.destroy(); rej(new Error(`MSRP connect to ${target} timed out`)); }, ms);
    sock.once("connect", () => { clearTimeout(t); res(); });
    sock.once("error", (e) => { clearTimeout(t); rej(e); });
  });
  return new MsrpConn(sock, localUri(sock.localPort!));
}

/** A listener whose URI peers (a relay) connect to; accepted() resolves with the first connection. */
export async function listenMsrp(): Promise<{ uri: string; accepted: Promise<MsrpConn>; close(): void }> {
  const srv = net.createServer({ noDelay: true });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const uri = localUri((srv.address() as net.AddressInfo).port);
  const accepted = new Promise<MsrpConn>((res) => srv.once("connection", (s) => res(new MsrpConn(s, uri))));
  return { uri, accepted, close: () => srv.close() };
}

// ---------------------------------------------------------------------------------------------
// SIP side

export interface RawMember {
  aor: string;
  /** Our SIP "127.0.0.1:port" (UDP). */
  sip: string;
  /** Our MSRP "127.0.0.1:port" (the local end of the TCP connection to the host). */
  msrpLocal: string;
  /** The host's a=path (To-Path of our SENDs); "" until invited. */
  hostPath: string;
  /** Our MSRP URI (From-Path). */
  ourPath: string;
  /** The MSRP connection to the host (undefined until invited). */
  msrp: MsrpConn | undefined;
  sock: net.Socket | undefined;
  /** Resolves once the host's ACK of our 200 OK arrived; rejects when the invitation failed. */
  joined: Promise<void>;
  /** Resolves when the host's BYE arrived (answered 200). */
  ended: Promise<void>;
  send(body: Buffer | string, opts?: SendOptions): string;
  /** Every MSRP frame received (parsed). */
  readonly frames: Frame[];
  onFrame?: (f: Frame) => void;
  autoAck: boolean;
  readonly responses: Map<string, number>;
  /** Every SIP message received (first line and the parsed message), in order. */
  readonly sipLog: Msg[];
  /** BYE in the dialog; resolves with the final status (0 when none came within 5 s). */
  bye(): Promise<number>;
  close(): void;
}

export interface JoinRawOptions {
  aor: string;
  /** The IM server's "ip:port" (UDP). */
  server: string;
  /** REGISTER Expires (default 300). */
  expires?: number;
  /** ms to wait for each SIP answer (default 5000). */
  timeoutMs?: number;
}

const sdpAnswer = (port: number, path: string) => [
  "v=0", `o=raw ${Date.now()} 1 IN IP4 127.0.0.1`, "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
  `m=message ${port} TCP/MSRP *`, "a=accept-types:message/cpim text/plain", `a=path:${path}`, "a=setup:active", "",
].join("\r\n");

const uriOf = (nameAddr: string): string => /<([^>]*)>/.exec(nameAddr)?.[1] ?? nameAddr.split(";")[0].trim();

/** REGISTERs aor with the IM server, then waits for the host's INVITE (see the top of the file). */
export async function joinRaw(opts: JoinRawOptions): Promise<RawMember> {
  const server = /^(.*):(\d+)$/.exec(opts.server);
  if (!server) throw new Error(`server needs ip:port, got ${opts.server}`);
  const srvHost = server[1].replace(/^\[|\]$/g, ""), srvPort = Number(server[2]);
  const am = /^sip:([^@]+)@(.+)$/.exec(opts.aor);
  if (!am) throw new Error(`aor needs sip:user@domain, got ${opts.aor}`);
  const [user, domain] = [am[1], am[2]];
  const tmo = opts.timeoutMs ?? 5000;

  const udp = dgram.createSocket("udp4");
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  const lp = udp.address().port;
  const sipAddr = `127.0.0.1:${lp}`;
  const contact = `<sip:${user}@${sipAddr}>`;
  const sendSip = (text: string) => { if (!closed) udp.send(Buffer.from(text, "latin1"), srvPort, srvHost); };
  const sipLog: Msg[] = [];
  const sipWaiters = new Map<string, (m: Msg) => void>(); // key: branch of our request
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => { const t = setTimeout(() => { timers.delete(t); fn(); }, ms); timers.add(t); return t; };

  /** Sends a non-INVITE request and retransmits it (Timer E, capped at 2 s) until a final response. */
  const request = (branch: string, text: string): Promise<number> => new Promise((res) => {
    let done = false, every = 500;
    const give = later(tmo, () => { done = true; sipWaiters.delete(branch); res(0); });
    const again = () => { if (done) return; sendSip(text); later(every, again); every = Math.min(every * 2, 2000); };
    sipWaiters.set(branch, (m) => {
      if (m.status < 200) return;
      done = true; clearTimeout(give); timers.delete(give); sipWaiters.delete(branch); res(m.status);
    });
    again();
  });

  // ---- dialog state (one invitation)
  let inviteReq: Msg | undefined;
  let localTag = "";
  let ok200 = "";
  let acked = false;
  let routeSet: string[] = [];
  let remoteTarget = "";
  let cseq = 1;
  let resolveJoined!: () => void, rejectJoined!: (e: Error) => void, resolveEnded!: () => void;
  const joined = new Promise<void>((res, rej) => { resolveJoined = res; rejectJoined = rej; });
  joined.catch(() => {});
  const ended = new Promise<void>((res) => { resolveEnded = res; });

  const me: RawMember = {
    aor: opts.aor, sip: sipAddr, msrpLocal: "", hostPath: "", ourPath: "", msrp: undefined, sock: undefined,
    joined, ended, sipLog,
    get frames() { return me.msrp?.frames ?? []; },
    get responses() { return me.msrp?.responses ?? new Map<string, number>(); },
    get autoAck() { return autoAck; },
    set autoAck(v: boolean) { autoAck = v; if (me.msrp) me.msrp.autoAck = v; },
    onFrame: undefined,
    send: (body, o) => {
      if (!me.msrp) throw new Error("raw member: not invited yet");
      return me.msrp.send(body, o);
    },
    bye: async () => {
      if (!inviteReq) return 0;
      const branch = `z9hG4bK-rawbye${randomId(10)}`;
      const from = hdr(inviteReq, "from")!, to = hdr(inviteReq, "to")!;
      const text = build(`BYE ${remoteTarget} SIP/2.0`, [
        `Via: SIP/2.0/UDP ${sipAddr};branch=${branch};rport`, "Max-Forwards: 70",
        ...routeSet.map((r) => `Route: ${r}`),
        `From: ${to};tag=${localTag}`, `To: ${from}`, `Call-ID: ${hdr(inviteReq, "call-id")}`,
        `CSeq: ${++cseq} BYE`,
      ]);
      return request(branch, text);
    },
    close: () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      me.msrp?.close();
      try { udp.close(); } catch { /* closed */ }
    },
  };
  let autoAck = true;

  const respond = (req: Msg, code: number, reason: string, extra: string[] = [], body = "", tag?: string) => {
    const to = hdr(req, "to")!;
    const text = build(`SIP/2.0 ${code} ${reason}`, [
      ...hdrs(req, "via").map((v) => `Via: ${v}`),
      `From: ${hdr(req, "from")}`,
      `To: ${tag && !/;\s*tag=/i.test(to) ? `${to};tag=${tag}` : to}`,
      `Call-ID: ${hdr(req, "call-id")}`, `CSeq: ${hdr(req, "cseq")}`, ...extra,
    ], body);
    sendSip(text);
    return text;
  };

  const fail = (why: string) => { rejectJoined(new Error(`raw member ${opts.aor}: ${why}`)); };

  /** Seed steps 4-6: connect, bind, then 200 OK. */
  const accept = async (inv: Msg) => {
    const sdp = inv.body;
    const path = /^a=path:(.*)$/m.exec(sdp)?.[1]?.trim();
    if (!path) { respond(inv, 488, "Not Acceptable Here", [], "", localTag); return fail("no a=path in the offer"); }
    me.hostPath = path;
    let conn: MsrpConn;
    try { conn = await connectMsrp(path.split(/\s+/)[0], tmo); }
    catch (e) { respond(inv, 488, "Not Acceptable Here", [], "", localTag); return fail(`MSRP connect: ${(e as Error).message}`); }
    if (closed) { conn.close(); return; }
    conn.peerPath = path;
    conn.autoAck = autoAck;
    conn.onFrame = (f) => me.onFrame?.(f);
    me.msrp = conn; me.sock = conn.sock; me.ourPath = conn.uri;
    me.msrpLocal = `127.0.0.1:${conn.sock.localPort}`;
    const bindTid = conn.send(Buffer.alloc(0), { range: "1-0/0" });
    const st = await conn.waitResponse(bindTid, tmo);
    if (st !== 200) { respond(inv, 488, "Not Acceptable Here", [], "", localTag); return fail(`bind SEND answered ${st || "nothing"}`); }
    ok200 = respond(inv, 200, "OK", [
      ...hdrs(inv, "record-route").map((r) => `Record-Route: ${r}`),
      `Contact: ${contact}`, "Content-Type: application/sdp",
    ], sdpAnswer(conn.sock.localPort!, conn.uri), localTag);
    // §13.3.1.4: retransmit the 2xx until the ACK (T1 doubling to T2), give up after 64*T1
    let every = 500;
    const t0 = Date.now();
    const again = () => {
      if (acked || closed) return;
      if (Date.now() - t0 > 32_000) return fail("no ACK for our 200 OK");
      sendSip(ok200); every = Math.min(every * 2, 4000); later(every, again);
    };
    later(every, again);
  };

  udp.on("message", (b) => {
    let m: Msg;
    try { m = parseMsg(b.toString("latin1")); } catch { return; }
    sipLog.push(m);
    if (!m.isRequest) {
      const branch = /branch=([^;,\s]+)/i.exec(hdr(m, "via") ?? "")?.[1] ?? "";
      sipWaiters.get(branch)?.(m);
      return;
    }
    const callId = hdr(m, "call-id");
    const inDialog = inviteReq !== undefined && callId === hdr(inviteReq, "call-id");
    switch (m.method) {
      case "INVITE":
        if (inDialog) {
          // a retransmission of the INVITE: re-send what we answered last (180 or 200)
          if (ok200) sendSip(ok200); else respond(m, 180, "Ringing", [`Contact: ${contact}`], "", localTag);
          return;
        }
        if (inviteReq) { respond(m, 486, "Busy Here", [], "", randomId(8)); return; }
        inviteReq = m;
        localTag = randomId(10);
        routeSet = values(m, "record-route");
        remoteTarget = uriOf(hdr(m, "contact") ?? "");
        respond(m, 180, "Ringing", [`Contact: ${contact}`], "", localTag);
        void accept(m);
        return;
      case "ACK":
        if (inDialog && !acked) { acked = true; resolveJoined(); }
        return;
      case "BYE":
        respond(m, inDialog ? 200 : 481, inDialog ? "OK" : "Call/Transaction Does Not Exist");
        if (inDialog) resolveEnded();
        return;
      case "CANCEL":
        respond(m, 200, "OK");
        return;
      default:
        respond(m, inDialog ? 200 : 501, inDialog ? "OK" : "Not Implemented");
    }
  });

  // REGISTER and wait for its final answer
  const tag = randomId(10);
  const branch = `z9hG4bK-rawreg${randomId(10)}`;
  const reg = build(`REGISTER sip:${domain} SIP/2.0`, [
    `Via: SIP/2.0/UDP ${sipAddr};branch=${branch};rport`, "Max-Forwards: 70",
    `From: <${opts.aor}>;tag=${tag}`, `To: <${opts.aor}>`, `Call-ID: rawreg-${tag}@127.0.0.1`,
    "CSeq: 1 REGISTER", `Contact: ${contact}`, `Expires: ${opts.expires ?? 300}`,
  ]);
  const st = await request(branch, reg);
  if (st !== 200) { me.close(); throw new Error(`raw member ${opts.aor}: REGISTER answered ${st || "nothing"}`); }
  return me;
}
