// A hand-written SIP user agent for the integration tests: plain node:dgram / node:net
// sockets, messages written as text, a tiny parser (start line, headers, Content-Length body).
// Deliberately no SIP stack: this is the "any client with plain sockets" of issue 4.
import dgram from "node:dgram";
import net from "node:net";

export interface Msg {
  raw: string;
  first: string;
  isRequest: boolean;
  method: string;
  ruri: string;
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

const COMPACT: Record<string, string> = { v: "via", f: "from", t: "to", i: "call-id", m: "contact", l: "content-length", c: "content-type" };

export function parseMsg(raw: string): Msg {
  const he = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, he);
  const lines = head.split("\r\n");
  const first = lines[0];
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    let n = l.slice(0, i).trim().toLowerCase();
    n = COMPACT[n] ?? n;
    headers.push([n, l.slice(i + 1).trim()]);
  }
  const isRequest = !first.startsWith("SIP/2.0 ");
  const parts = first.split(" ");
  return {
    raw, first, isRequest, headers, body: raw.slice(he + 4),
    method: isRequest ? parts[0] : (headers.find(([n]) => n === "cseq")?.[1].split(/\s+/)[1] ?? ""),
    ruri: isRequest ? parts[1] : "",
    status: isRequest ? 0 : Number(parts[1]),
  };
}

export function hdr(m: Msg, name: string): string | undefined { return m.headers.find(([n]) => n === name)?.[1]; }
export function hdrs(m: Msg, name: string): string[] { return m.headers.filter(([n]) => n === name).map(([, v]) => v); }
/** Every comma-separated value of a header (Via, Record-Route), in order. */
export function values(m: Msg, name: string): string[] {
  return hdrs(m, name).flatMap((v) => v.split(/,(?![^<]*>)/).map((x) => x.trim()));
}

/** Builds a message from a start line and header lines; Content-Length is computed. */
export function build(first: string, headers: string[], body = ""): string {
  return [first, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n");
}

export abstract class UA {
  readonly received: Msg[] = [];
  private waiters: Array<() => void> = [];
  abstract readonly transport: "UDP" | "TCP";
  abstract localPort(): number;
  abstract send(text: string): void;
  abstract close(): Promise<void>;

  protected deliver(m: Msg): void {
    this.received.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first not yet taken message matching pred; rejects after ms. */
  async wait(pred: (m: Msg) => boolean, what: string, ms = 3000): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${what}; have: ${this.received.map((m) => m.first).join(" | ")}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
  }

  /** Messages matching pred that arrive within ms (taken). */
  async collect(pred: (m: Msg) => boolean, ms: number): Promise<Msg[]> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.received.filter(pred);
    for (const m of out) this.received.splice(this.received.indexOf(m), 1);
    return out;
  }

  /** Sends a response to request req: Via/From/To/Call-ID/CSeq copied (+ Record-Route when rr). */
  respond(req: Msg, code: number, reason: string, extra: string[] = [], toTag?: string, rr = false): void {
    const to = hdr(req, "to")!;
    const h = [
      ...hdrs(req, "via").map((v) => `Via: ${v}`),
      `From: ${hdr(req, "from")}`,
      `To: ${toTag && !/;tag=/.test(to) ? `${to};tag=${toTag}` : to}`,
      `Call-ID: ${hdr(req, "call-id")}`,
      `CSeq: ${hdr(req, "cseq")}`,
      ...(rr ? hdrs(req, "record-route").map((v) => `Record-Route: ${v}`) : []),
      ...extra,
    ];
    this.send(build(`SIP/2.0 ${code} ${reason}`, h));
  }
}

export class UdpUA extends UA {
  readonly transport = "UDP" as const;
  private constructor(private readonly sock: dgram.Socket, private readonly server: { host: string; port: number }) {
    super();
    sock.on("message", (b) => this.deliver(parseMsg(b.toString("latin1"))));
  }
  static async open(server: { host: string; port: number }): Promise<UdpUA> {
    const s = dgram.createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return new UdpUA(s, server);
  }
  localPort(): number { return this.sock.address().port; }
  send(text: string): void { this.sock.send(Buffer.from(text, "latin1"), this.server.port, this.server.host); }
  async close(): Promise<void> { await new Promise<void>((r) => this.sock.close(() => r())); }
}

export class TcpUA extends UA {
  readonly transport = "TCP" as const;
  private buf = Buffer.alloc(0);
  private constructor(private readonly sock: net.Socket) {
    super();
    sock.on("data", (d) => { this.buf = Buffer.concat([this.buf, d]); this.frame(); });
    sock.on("error", () => {});
  }
  static async open(server: { host: string; port: number }): Promise<TcpUA> {
    const s = net.connect({ host: server.host, port: server.port });
    await new Promise<void>((res, rej) => { s.once("connect", () => res()); s.once("error", rej); });
    return new TcpUA(s);
  }
  private frame(): void {
    for (;;) {
      const s = this.buf.toString("latin1");
      const he = s.indexOf("\r\n\r\n");
      if (he < 0) return;
      const m = /\r\n(?:content-length|l)\s*:\s*(\d+)/i.exec(s.slice(0, he + 2));
      const total = he + 4 + (m ? Number(m[1]) : 0);
      if (this.buf.length < total) return;
      this.deliver(parseMsg(s.slice(0, total)));
      this.buf = this.buf.subarray(total);
    }
  }
  localPort(): number { return this.sock.localPort!; }
  send(text: string): void { this.sock.write(Buffer.from(text, "latin1")); }
  async close(): Promise<void> {
    if (this.sock.destroyed) return;
    await new Promise<void>((r) => { this.sock.once("close", () => r()); this.sock.destroy(); });
  }
}
