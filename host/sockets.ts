// The node:dgram / node:net side shared by every role (IM server, UA): one UDP socket, one
// TCP listener, the TCP connections, and the outbox handlers that move the core's bytes
// onto them. No SIP here: what to send, where, when to connect or close is the core's.
import dgram from "node:dgram";
import net from "node:net";
import type { Core } from "./loader.ts";
import { Shim, splitAddr, addrText } from "./shim.ts";

export class SocketHost {
  readonly conns = new Map<number, net.Socket>();
  readonly shim: Shim;
  udp?: dgram.Socket;
  tcp?: net.Server;

  constructor(core: Core, onEvent?: (ev: Record<string, unknown>) => void) {
    this.shim = new Shim(core, {
      sendDgram: (_sock, addr, bytes) => {
        const a = splitAddr(addr);
        this.udp?.send(bytes, a.port, a.host, () => { /* a lost datagram is SIP's to repair */ });
      },
      sendStream: (conn, bytes) => { this.conns.get(conn)?.write(bytes); },
      connect: (conn, addr) => {
        const a = splitAddr(addr);
        const sock = net.connect({ host: a.host, port: a.port });
        sock.setNoDelay(true);
        this.attach(conn, sock);
      },
      close: (conn) => {
        const s = this.conns.get(conn);
        this.conns.delete(conn);
        s?.destroy();
      },
      event: (json) => {
        let ev: Record<string, unknown>;
        try { ev = JSON.parse(json); } catch { return; }
        onEvent?.(ev);
      },
    });
  }

  /** Tracks a connection under the core's id; its bytes and its close go to the core. */
  attach(id: number, sock: net.Socket): void {
    this.conns.set(id, sock);
    sock.on("data", (chunk: Buffer) => { if (this.conns.get(id) === sock) this.shim.stream(id, chunk); });
    sock.on("error", () => { /* 'close' follows */ });
    sock.on("close", () => {
      if (this.conns.get(id) !== sock) return;     // the core closed it (CLOSE) and may reuse the id
      this.conns.delete(id);
      this.shim.streamClosed(id);
    });
  }

  /** Feeds every datagram of a bound UDP socket to the core (socket id 0). */
  serveUdp(u: dgram.Socket): void {
    this.udp = u;
    u.on("message", (msg, rinfo) => this.shim.datagram(0, addrText(rinfo.address, rinfo.port), msg));
    u.on("error", () => { /* ICMP errors etc.: nothing to do, transactions time out */ });
  }

  /** Hands every accepted TCP connection to the core, which assigns its id (or refuses it). */
  serveTcp(srv: net.Server): void {
    this.tcp = srv;
    srv.on("connection", (sock) => {
      sock.setNoDelay(true);
      const id = this.shim.streamOpen(addrText(sock.remoteAddress ?? "", sock.remotePort ?? 0));
      if (id < 0) { sock.destroy(); return; }
      this.attach(id, sock);
    });
  }

  async close(): Promise<void> {
    this.shim.stop();
    for (const s of this.conns.values()) s.destroy();
    this.conns.clear();
    const tcp = this.tcp, udp = this.udp;
    if (tcp) await new Promise<void>((res) => tcp.close(() => res()));
    if (udp) await new Promise<void>((res) => udp.close(() => res()));
  }
}

export function bindUdp(u: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise<void>((res, rej) => { u.once("error", rej); u.bind(port, host, () => { u.off("error", rej); res(); }); });
}

export function listenTcp(srv: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((res, rej) => { srv.once("error", rej); srv.listen(port, host, () => { srv.off("error", rej); res(); }); });
}
