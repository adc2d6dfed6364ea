// Host side of the UA role: one UDP socket (udp) or one TCP listener plus the connections the
// core asks for (tcp), bytes in and out of the core through the Shim. No SIP here: the core
// decides what to send, where, when to connect (assembly/ua/agent_ua.ts); the app talks to it
// with commands (call/hangup/accept/reject) and gets JSON events back. Several calls may be up at
// once (the core's UA_CALL_MAX): call() returns a handle, events carry it as "call", and
// hangup/accept/reject take one (default: the most recent call that can take the command).
import dgram from "node:dgram";
import net from "node:net";
import { loadCore, type Core } from "./loader.ts";
import { type Shim, splitAddr, addrText } from "./shim.ts";
import { SocketHost, bindUdp, listenTcp } from "./sockets.ts";

export interface UaOptions {
  /** Our AOR, "sip:alice@example.test". */
  aor: string;
  /** The IM server "ip:port" (registrar and proxy). */
  server: string;
  /** Local "ip:port" to bind (port 0: any). */
  listen: string;
  transport?: "udp" | "tcp";
  /** REGISTER interval to ask for (seconds; default: the core's). */
  expires?: number;
  /** SIP digest password (RFC 3261 §22): a 401/407 is answered with credentials. */
  password?: string;
  /** Digest username (default: the AOR's user part). */
  authUser?: string;
  onEvent?: (ev: Record<string, unknown>) => void;
  wasmFile?: string;
}

interface UaExports {
  uaInit(aorLen: number, srvLen: number, lisLen: number, transport: number, expires: number, seedLo: number, seedHi: number, now: number): number;
  uaCommand(op: number, aLen: number, bLen: number, now: number): number;
  uaCommandCall(op: number, call: number, aLen: number, bLen: number, now: number): number;
  uaLastCall(): number;
  uaState(): number;
  uaStateOf(call: number): number;
  uaCalls(): number;
  uaIsRegistered(): number;
  uaSetCredentials(userLen: number, passLen: number): number;
}

export const UA_CMD = { call: 1, hangup: 2, accept: 3, reject: 4, unregister: 5 } as const;

export interface RunningUa {
  /** Actual local "ip:port". */
  local: string;
  core: Core;
  shim: Shim;
  /** Starts a call: its handle (>= 0), or -UaErr (-3: every call slot is busy). */
  call(target: string, sdp: string): number;
  /** BYE / CANCEL / 486 per the call's state; 0 or a UaErr. Default: the most recent call. */
  hangup(call?: number): number;
  /** 200 with the SDP answer to a ringing call (default: the most recent one); 0 or a UaErr. */
  accept(sdp: string, call?: number): number;
  /** 300-699 to a ringing call (default: the most recent one); 0 or a UaErr. */
  reject(code: number, call?: number): number;
  unregister(): number;
  /** State of the most recent live call (0 none). */
  state(): number;
  /** State of one call: 1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending; -1 ended. */
  stateOf(call: number): number;
  /** Live calls. */
  calls(): number;
  close(): Promise<void>;
}

const enc = (s: string) => Buffer.from(s, "latin1");

export async function startUa(opt: UaOptions): Promise<RunningUa> {
  const { host, port: wantPort } = splitAddr(opt.listen);
  if (!net.isIP(host)) throw new Error(`listen needs ip:port, got ${opt.listen}`);
  const useTcp = opt.transport === "tcp";
  const core = loadCore(opt.wasmFile ?? process.env.SIMPLE_IM_AGENT_WASM ?? undefined);
  const x = core.exports as unknown as UaExports;
  const v6 = net.isIPv6(host);
  const io = new SocketHost(core, opt.onEvent);
  const shim = io.shim;

  let local: string;
  if (useTcp) {
    const srv = net.createServer({ noDelay: true });
    await listenTcp(srv, wantPort, host);
    local = addrText(host, (srv.address() as net.AddressInfo).port);
    io.serveTcp(srv);
  } else {
    const u = dgram.createSocket({ type: v6 ? "udp6" : "udp4" });
    await bindUdp(u, wantPort, host);
    local = addrText(host, u.address().port);
    io.serveUdp(u);
  }

  const seed = crypto.getRandomValues(new Uint32Array(2));
  const r = shim.invoke([enc(opt.aor), enc(opt.server), enc(local)],
    ([a, s, l], now) => x.uaInit(a, s, l, useTcp ? 1 : 0, opt.expires ?? 0, seed[0], seed[1], now));
  if (r !== 0) throw new Error(`uaInit refused (${r})`);
  if (opt.password !== undefined) {
    // the first REGISTER is out; its 401 arrives through the event loop, after this
    const c = shim.invoke([enc(opt.authUser ?? ""), enc(opt.password)], ([u, p]) => x.uaSetCredentials(u, p));
    if (c !== 0) { await io.close(); throw new Error(`uaSetCredentials refused (${c})`); }
  }

  const cmd = (op: number, parts: Uint8Array[], aLen?: number, call?: number) =>
    shim.invoke(parts, (lens, now) => call === undefined
      ? x.uaCommand(op, aLen ?? lens[0] ?? 0, lens[1] ?? 0, now)
      : x.uaCommandCall(op, call, aLen ?? lens[0] ?? 0, lens[1] ?? 0, now));

  return {
    local, core, shim,
    call: (target, sdp) => {
      const r = cmd(UA_CMD.call, [enc(target), enc(sdp)]);
      return r === 0 ? x.uaLastCall() : -r;
    },
    hangup: (call) => cmd(UA_CMD.hangup, [], undefined, call),
    accept: (sdp, call) => cmd(UA_CMD.accept, [enc(sdp)], undefined, call),
    reject: (code, call) => cmd(UA_CMD.reject, [], code, call),
    unregister: () => cmd(UA_CMD.unregister, []),
    state: () => x.uaState(),
    stateOf: (call) => x.uaStateOf(call),
    calls: () => x.uaCalls(),
    close: () => io.close(),
  };
}
