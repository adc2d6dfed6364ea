// Host side of the embedded IM server: one UDP socket and one TCP listener on the same
// address, bytes in and out of the core through the Shim. No SIP here: what to send, where,
// and when to connect or close is decided by the core (outbox records).
import dgram from "node:dgram";
import net from "node:net";
import { loadCore, type Core } from "./loader.ts";
import { type Shim, splitAddr, addrText } from "./shim.ts";
import { SocketHost, bindUdp, listenTcp } from "./sockets.ts";
import type { TapPoint } from "./wiretap.ts";

export interface ServerOptions {
  /** "127.0.0.1:5060", "[::1]:5060"; port 0 picks a free port (the same for UDP and TCP). */
  listen: string;
  /** Served domain (AORs sip:user@domain); default: the listen host. */
  domain?: string;
  /** Called with every app event the core emits (parsed JSON), e.g. registration changes. */
  onEvent?: (ev: Record<string, unknown>) => void;
  /** Wasm file to load (default: $SIMPLE_IM_AGENT_WASM, else build/agent.wasm). */
  wasmFile?: string;
  /** Record every send in a WireTap under this name (ladder, tests). */
  wire?: TapPoint;
}

export interface RunningServer {
  /** Actual "ip:port" (after port 0 was resolved). */
  sip: string;
  host: string;
  port: number;
  core: Core;
  shim: Shim;
  close(): Promise<void>;
}

export async function startServer(opt: ServerOptions): Promise<RunningServer> {
  const { host, port: wantPort } = splitAddr(opt.listen);
  if (!net.isIP(host) || !Number.isInteger(wantPort) || wantPort < 0 || wantPort > 65535) {
    throw new Error(`--listen needs ip:port, got ${opt.listen}`);
  }
  const core = loadCore(opt.wasmFile ?? process.env.SIMPLE_IM_AGENT_WASM ?? undefined);
  const v6 = net.isIPv6(host);
  const io = new SocketHost(core, opt.onEvent);
  io.wire = opt.wire;
  const shim = io.shim;

  // UDP first (port 0 -> the kernel picks), then TCP on the same port; retry on a clash.
  let port = wantPort;
  let udp!: dgram.Socket;
  let tcp!: net.Server;
  for (let attempt = 0; ; attempt++) {
    udp = dgram.createSocket({ type: v6 ? "udp6" : "udp4" });
    await bindUdp(udp, port, host);
    port = udp.address().port;
    tcp = net.createServer({ noDelay: true });
    try {
      await listenTcp(tcp, port, host);
      break;
    } catch (err) {
      udp.close();
      if (wantPort !== 0 || attempt >= 20) throw err;
      port = 0;
    }
  }
  const sip = addrText(host, port);
  opt.wire?.tap.name(sip, opt.wire.me);
  if (shim.init(opt.domain ?? "", sip) !== 0) throw new Error(`core refused listen address ${sip}`);
  io.serveUdp(udp);
  io.serveTcp(tcp);

  return {
    sip, host, port, core, shim,
    close: () => io.close(),
  };
}
