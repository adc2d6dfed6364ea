// Host side of the chat role: one SIP socket (UDP, or a TCP listener), one MSRP TCP listener,
// the connections the core asks for, and a typed API over the core's chat commands. The
// protocol work (who connects, what to send, the relay, the roster) is the core's
// (assembly/chat/agent_chat.ts); this file moves bytes and joins DATA records into messages.
import dgram from "node:dgram";
import net from "node:net";
import { loadCore, type Core } from "./loader.ts";
import { splitAddr, addrText } from "./shim.ts";
import { SocketHost, bindUdp, listenTcp } from "./sockets.ts";
import type { TapPoint } from "./wiretap.ts";
import { openPcap } from "./pcap.ts";

/** Chat events (JSON lines of the `chat` CLI contract, plus extension fields). */
export type ChatEvent =
  | { event: "registered"; expires?: number }
  | { event: "invited"; from: string }
  | { event: "joined"; member: string }
  | { event: "message"; from: string; text: string; id?: number; bytes?: number; private?: boolean }
  | { event: "left"; member: string; reason?: string; code?: number }
  | { event: "ended"; reason?: string }
  | { event: "relay"; state: "ready"; usePath: string; expires: number }
  | { event: "error"; name?: string; code: number; reason: string; member?: string };

export interface ChatOptions {
  /** Our AOR, "sip:alice@example.test". */
  aor: string;
  /** The IM server "ip:port" (registrar and proxy). */
  server: string;
  /** Local SIP "ip:port" to bind (port 0: any). Default 127.0.0.1:0. */
  listen?: string;
  /** Local MSRP "ip:port" to listen on (port 0: any). Default: the SIP host, port 0. */
  msrpListen?: string;
  transport?: "udp" | "tcp";
  /** Create a chat and be its host (focus). */
  host?: boolean;
  /** With host: a server-hosted room (the focus is not a member; host/rooms.ts runs these). */
  room?: boolean;
  /** With host: offer without a=setup like a plain RFC 4975 endpoint (the host then connects
   *  after the answer) instead of RFC 6135 a=setup:passive (participants connect first). */
  offerNoSetup?: boolean;
  /** Participant: accept invitations without asking (default true). */
  autoAccept?: boolean;
  /** REGISTER interval to ask for, seconds (default: the core's). */
  expires?: number;
  /** Relay limits (ms): a member whose queue makes no progress this long is evicted (default
   *  10 000, assembly/mem/limits.ts MSRP_Q_STALL_MS); an incoming message whose next chunk does
   *  not come this long is aborted (MSRP_IN_IDLE_MS). */
  stallMs?: number;
  idleMs?: number;
  /** MSRP relay (RFC 4976) "msrp://HOST:PORT": every MSRP session goes through it (handsets
   *  behind NAT). startChat resolves once the relay accepted our AUTH (its Use-Path). */
  msrpRelay?: string;
  /** Digest credentials for the relay's AUTH challenge (RFC 4976 §5.1). */
  msrpRelayUser?: string;
  msrpRelayPassword?: string;
  /** SIP digest password (RFC 3261 §22): a 401/407 from the IM server is answered with credentials. */
  password?: string;
  /** SIP digest username (default: the AOR's user part). */
  authUser?: string;
  onEvent?: (ev: ChatEvent) => void;
  wasmFile?: string;
  /** Record every send in a WireTap under this agent's name (ladder, tests). */
  wire?: TapPoint;
  /** Write every packet this agent sends and receives to this pcap file (host/pcap.ts). */
  pcap?: string;
}

export interface ChatAgent {
  /** Actual local SIP "ip:port" and MSRP "ip:port". */
  readonly sip: string;
  readonly msrp: string;
  readonly core: Core;
  /** Host: INVITE a participant (seed step 2). Returns 0 or an error code. */
  invite(aor: string): number;
  /** Participant: accept / decline the pending invitation. */
  accept(): number;
  reject(code?: number): number;
  /** Send text to the room, or privately to one member (RFC 7701 §7). Resolves once the core took every byte. */
  send(text: string | Uint8Array, to?: string): Promise<void>;
  /**
   * Participant: ask the IM server's chat factory (default sip:chat@<our domain>) to create a
   * room and invite `members` (include yourself to be in it). Returns 0 or an error code.
   */
  requestRoom(members: string[], factory?: string): number;
  /** Participant: leave (BYE). Host: end the chat (BYE to everyone). */
  leave(): number;
  /** Members up: host = joined participants; participant = 1 when in a chat. */
  members(): number;
  close(): Promise<void>;
}

interface ChatExports {
  chatInit(a: number, s: number, l: number, m: number, transport: number, expires: number, flags: number, seedLo: number, seedHi: number, now: number): number;
  chatInviteAor(len: number, now: number): number;
  chatAcceptInvite(now: number): number;
  chatRejectInvite(code: number, now: number): number;
  chatLeaveChat(now: number): number;
  chatSendBegin(toLen: number, total: number, now: number): number;
  chatSendMore(len: number, now: number): number;
  chatSendRoomNow(): number;
  chatSendOpen(): number;
  onMsrpAccept(addrLen: number): number;
  chatJoined(): number;
  chatRoomRequest(factoryLen: number, listLen: number, now: number): number;
  chatSetMsrpRelay(uriLen: number, userLen: number, passLen: number, now: number): number;
  chatMsrpRelayState(): number;
  chatSetCredentials(userLen: number, passLen: number): number;
  chatLimits(stallMs: number, idleMs: number): void;
}

const enc = (s: string) => Buffer.from(s, "latin1");

export async function startChat(opt: ChatOptions): Promise<ChatAgent> {
  const listen = opt.listen ?? "127.0.0.1:0";
  const { host, port: wantPort } = splitAddr(listen);
  if (!net.isIP(host)) throw new Error(`listen needs ip:port, got ${listen}`);
  const m = splitAddr(opt.msrpListen ?? addrText(host, 0));
  if (!net.isIP(m.host)) throw new Error(`msrpListen needs ip:port, got ${opt.msrpListen}`);
  const useTcp = opt.transport === "tcp";
  const core = loadCore(opt.wasmFile ?? process.env.SIMPLE_IM_AGENT_WASM ?? undefined);
  const x = core.exports as unknown as ChatExports;

  // chat content arrives as DATA records, then the "message" event that completes it
  const parts = new Map<number, Buffer[]>();
  const onData = (id: number, bytes: Buffer) => {
    const l = parts.get(id);
    if (l) l.push(bytes); else parts.set(id, [bytes]);
  };
  // one-shot waiters for core events (relay ready / failed): no polling
  const waiters = new Set<(ev: Record<string, unknown>) => void>();
  const onEvent = (raw: Record<string, unknown>) => {
    for (const w of [...waiters]) w(raw);
    if (raw.event === "message" && typeof raw.id === "number") {
      const body = Buffer.concat(parts.get(raw.id) ?? []);
      parts.delete(raw.id);
      const ev: ChatEvent = { event: "message", from: String(raw.from), text: body.toString("utf8"), id: raw.id, bytes: Number(raw.bytes) };
      if (raw.private) ev.private = true;
      opt.onEvent?.(ev);
      return;
    }
    opt.onEvent?.(raw as unknown as ChatEvent);
  };
  const io = new SocketHost(core, onEvent, onData);
  // SEND_READY from the core: the app message waiting for room goes on
  let readyWait: (() => void) | undefined;
  io.onSendReady = () => { const w = readyWait; readyWait = undefined; w?.(); };
  io.wire = opt.wire;
  const pcap = opt.pcap ? openPcap(opt.pcap) : undefined;
  if (pcap) io.packets = (p) => pcap.packet(p);
  const shim = io.shim;

  let sip: string;
  if (useTcp) {
    const srv = net.createServer({ noDelay: true });
    await listenTcp(srv, wantPort, host);
    sip = addrText(host, (srv.address() as net.AddressInfo).port);
    io.serveTcp(srv);
  } else {
    const u = dgram.createSocket({ type: net.isIPv6(host) ? "udp6" : "udp4" });
    await bindUdp(u, wantPort, host);
    sip = addrText(host, u.address().port);
    io.serveUdp(u);
  }
  const ms = net.createServer({ noDelay: true });
  await listenTcp(ms, m.port, m.host);
  const msrp = addrText(m.host, (ms.address() as net.AddressInfo).port);
  opt.wire?.tap.name(sip, opt.wire.me);
  opt.wire?.tap.name(msrp, opt.wire.me);
  io.serveMsrp(ms, (addr) => shim.invoke([enc(addr)], ([al]) => x.onMsrpAccept(al)));

  const flags = (opt.host ? 1 : 0) | (opt.autoAccept === false ? 0 : 2) | (opt.host && opt.room ? 4 : 0) | (opt.host && opt.offerNoSetup ? 8 : 0);
  const seed = crypto.getRandomValues(new Uint32Array(2));
  const r = shim.invoke([enc(opt.aor), enc(opt.server), enc(sip), enc(msrp)],
    ([a, s, l, mm], now) => x.chatInit(a, s, l, mm, useTcp ? 1 : 0, opt.expires ?? 0, flags, seed[0], seed[1], now));
  if (r !== 0) { await io.close(); pcap?.close(); throw new Error(`chatInit refused (${r})`); }
  if (opt.stallMs !== undefined || opt.idleMs !== undefined) x.chatLimits(opt.stallMs ?? 0, opt.idleMs ?? 0);
  if (opt.password !== undefined) {
    const c = shim.invoke([enc(opt.authUser ?? ""), enc(opt.password)], ([u, p]) => x.chatSetCredentials(u, p));
    if (c !== 0) { await io.close(); pcap?.close(); throw new Error(`chatSetCredentials refused (${c})`); }
  }
  if (opt.msrpRelay !== undefined) {
    // RFC 4976 §5: connect to the relay and AUTH before any session is offered or answered
    const fail = async (why: string) => { await io.close(); pcap?.close(); return new Error(`MSRP relay ${opt.msrpRelay}: ${why}`); };
    // the core says how AUTH ended with an event: {"event":"relay",...} or an error (its own
    // timeout, 408, covers a relay that never answers)
    const outcome = new Promise<string | null>((res) => {
      const w = (ev: Record<string, unknown>) => {
        if (ev.event === "relay") { waiters.delete(w); res(null); }
        else if (ev.event === "error" && ev.name === "relay_failed") { waiters.delete(w); res(`AUTH failed (${ev.code})`); }
      };
      waiters.add(w);
    });
    const rr = shim.invoke([enc(opt.msrpRelay), enc(opt.msrpRelayUser ?? ""), enc(opt.msrpRelayPassword ?? "")],
      ([u, us, pw], now) => x.chatSetMsrpRelay(u, us, pw, now));
    if (rr !== 0) throw await fail(`refused (${rr})`);
    const why = x.chatMsrpRelayState() === 3 ? null : await outcome;
    if (why !== null) throw await fail(why);
  }

  let closed = false;
  let closedR: () => void = () => {};
  const closedP = new Promise<void>((res) => { closedR = res; });
  // one app message at a time goes into the core; later sends queue behind it
  let sending: Promise<void> = Promise.resolve();
  const sendOne = async (bytes: Uint8Array, to: string) => {
    for (;;) {
      const ready = new Promise<void>((res) => { readyWait = res; });
      const b = shim.invoke([enc(to)], ([tl], now) => x.chatSendBegin(tl, bytes.length, now));
      if (b === 0) break;
      // 12: every member's queue is full of messages in flight — the core says when (SEND_READY)
      if (b !== 12) { readyWait = undefined; throw new Error(`send refused (${b})`); }
      await Promise.race([ready, closedP]);
      if (closed) throw new Error("send aborted (agent closed)");
    }
    let off = 0;
    for (;;) {
      const piece = bytes.subarray(off, Math.min(bytes.length, off + core.inboxCap));
      const ready = new Promise<void>((res) => { readyWait = res; });
      const took = shim.invoke([piece], ([n], now) => x.chatSendMore(n, now));
      if (took < 0) {
        readyWait = undefined;
        if (off >= bytes.length) return;
        throw new Error("send aborted (the chat ended or every recipient failed)");
      }
      off += took;
      if (off >= bytes.length && x.chatSendOpen() === 0) { readyWait = undefined; return; }
      // the recipients' queues are full: the core sends SEND_READY when they have room (their
      // members' 200s), or evicts whoever stalls; the chat's end makes the next call fail
      if (took < piece.length) await Promise.race([ready, closedP]);
      if (closed) throw new Error("send aborted (agent closed)");
    }
  };

  return {
    sip, msrp, core,
    invite: (aor) => shim.invoke([enc(aor)], ([n], now) => x.chatInviteAor(n, now)),
    accept: () => shim.invoke([], (_l, now) => x.chatAcceptInvite(now)),
    reject: (code = 603) => shim.invoke([], (_l, now) => x.chatRejectInvite(code, now)),
    send: (text, to = "") => {
      const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
      const p = sending.then(() => sendOne(bytes, to));
      sending = p.catch(() => undefined);
      return p;
    },
    requestRoom: (list, factory) => {
      const f = factory ?? `sip:chat@${opt.aor.slice(opt.aor.indexOf("@") + 1)}`;
      return shim.invoke([enc(f), enc(list.join("\r\n") + "\r\n")], ([fl, ll], now) => x.chatRoomRequest(fl, ll, now));
    },
    leave: () => shim.invoke([], (_l, now) => x.chatLeaveChat(now)),
    members: () => x.chatJoined(),
    close: async () => { closed = true; closedR(); await io.close(); pcap?.close(); },
  };
}
