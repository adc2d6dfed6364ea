// Host side of the embedded IM server: one UDP socket and one TCP listener on the same
// address, bytes in and out of the core through the Shim. No SIP here: what to send, where,
// and when to connect or close is decided by the core (outbox records).
import dgram from "node:dgram";
import net from "node:net";
import { loadCore, type Core } from "./loader.ts";
import { Shim, splitAddr, addrText } from "./shim.ts";

export interface ServerOptions {
  /** "127.0.0.1:5060", "[::1]:5060"; port 0 picks a free port (the same for UDP and TCP). */
  listen: string;
  /** Served domain (AORs sip:user@domain); default: the listen host. */
  domain?: string;
  /** Called with every app event the core emits (parsed JSON), e.g. registration changes. */
  onEvent?: (ev: Record<string, unknown>) => void;
  /** Wasm file to load (default: $SIMPLE_IM_AGENT_WASM, else build/agent.wasm). */
  wasmFile?: string;
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
  const conns = new Map<number, net.Socket>();
  let udp!: dgram.Socket;
  let tcp!: net.Server;
  let shim!: Shim;

  const attach = (id: number, sock: net.Socket) => {
    conns.set(id, sock);
    sock.on("data", (chunk: Buffer) => { if (conns.get(id) === sock) shim.stream(id, chunk); });
    sock.on("error", () => { /* 'close' follows */ });
    sock.on("close", () => {
      if (conns.get(id) !== sock) return;     // the core closed it (CLOSE) and may reuse the id
      conns.delete(id);
      shim.streamClosed(id);
    });
  };

  shim = new Shim(core, {
    sendDgram(_sock, addr, bytes) {
      const a = splitAddr(addr);
      udp.send(bytes, a.port, a.host, () => { /* a lost datagram is SIP's to repair */ });
    },
    sendStream(conn, bytes) { conns.get(conn)?.write(bytes); },
    connect(conn, addr) {
      const a = splitAddr(addr);
      const sock = net.connect({ host: a.host, port: a.port });
      sock.setNoDelay(true);
      attach(conn, sock);
    },
    close(conn) {
      const s = conns.get(conn);
      conns.delete(conn);
      s?.destroy();
    },
    event(json) {
      let ev: Record<string, unknown>;
      try { ev = JSON.parse(json); } catch { return; }
      opt.onEvent?.(ev);
    },
  });

  // UDP first (port 0 -> the kernel picks), then TCP on the same port; retry on a clash.
  let port = wantPort;
  for (let attempt = 0; ; attempt++) {
    udp = dgram.createSocket({ type: v6 ? "udp6" : "udp4" });
    await new Promise<void>((res, rej) => { udp.once("error", rej); udp.bind(port, host, () => { udp.off("error", rej); res(); }); });
    port = udp.address().port;
    tcp = net.createServer({ noDelay: true });
    try {
      await new Promise<void>((res, rej) => { tcp.once("error", rej); tcp.listen(port, host, () => { tcp.off("error", rej); res(); }); });
      break;
    } catch (err) {
      udp.close();
      if (wantPort !== 0 || attempt >= 20) throw err;
      port = 0;
    }
  }
  const sip = addrText(host, port);
  if (shim.init(opt.domain ?? "", sip) !== 0) throw new Error(`core refused listen address ${sip}`);

  udp.on("message", (msg, rinfo) => shim.datagram(0, addrText(rinfo.address, rinfo.port), msg));
  udp.on("error", () => { /* ICMP errors etc.: nothing to do, transactions time out */ });
  tcp.on("connection", (sock) => {
    sock.setNoDelay(true);
    const id = shim.streamOpen(addrText(sock.remoteAddress ?? "", sock.remotePort ?? 0));
    if (id < 0) { sock.destroy(); return; }
    attach(id, sock);
  });

  return {
    sip, host, port, core, shim,
    async close() {
      shim.stop();
      for (const s of conns.values()) s.destroy();
      conns.clear();
      await new Promise<void>((res) => tcp.close(() => res()));
      await new Promise<void>((res) => udp.close(() => res()));
    },
  };
}
