// The node:dgram / node:net side shared by every role (IM server, UA): one UDP socket, one
// TCP listener, the TCP connections, and the outbox handlers that move the core's bytes
// onto them. No SIP here: what to send, where, when to connect or close is the core's.
import dgram from "node:dgram";
import net from "node:net";
import type { Core } from "./loader.ts";
import { Shim, splitAddr, addrText } from "./shim.ts";
import type { TapPoint, TapPacket } from "./wiretap.ts";

export class SocketHost {
  readonly conns = new Map<number, net.Socket>();
  /** Address a CONNECT asked for (the socket's remote address is unknown until connected). */
  private readonly connTarget = new Map<number, string>();
  readonly shim: Shim;
  udp?: dgram.Socket;
  tcp?: net.Server;
  msrp?: net.Server;
  /** Bytes the core could not take yet (its relay queues were full): the socket is paused
   *  until the core's RESUME record for that connection. */
  private readonly pending = new Map<number, Buffer>();
  /** Optional record of every send, and of every receive when the tap takes them (host/wiretap.ts). */
  wire?: TapPoint;
  /** Optional raw packet hook: every send and receive with both real addresses (host/pcap.ts). */
  packets?: (p: TapPacket) => void;

  constructor(core: Core, onEvent?: (ev: Record<string, unknown>) => void, onData?: (id: number, bytes: Buffer) => void) {
    this.shim = new Shim(core, {
      sendDgram: (_sock, addr, bytes) => {
        const a = splitAddr(addr);
        this.wire?.tap.record(this.wire.me, addr, "sip", "udp", bytes);
        if (this.packets && this.udp) this.packets({ dir: "out", proto: "sip", transport: "udp", local: this.udpLocal(), remote: addr, bytes });
        this.udp?.send(bytes, a.port, a.host, () => { /* a lost datagram is SIP's to repair */ });
      },
      sendStream: (conn, bytes) => {
        const sock = this.conns.get(conn);
        if (!sock) return;
        if (this.wire) {
          const peer = addrText(sock.remoteAddress ?? this.connTarget.get(conn) ?? "", sock.remotePort ?? 0);
          this.wire.tap.record(this.wire.me, sock.remotePort ? peer : (this.connTarget.get(conn) ?? "?"),
            this.shim.connLabel(conn), "tcp", bytes, addrText(sock.localAddress ?? "", sock.localPort ?? 0));
        }
        if (this.packets) {
          // before 'connect' the local end is unknown: report the send once it is
          const emit = () => this.streamPacket("out", conn, sock, bytes);
          if (sock.connecting) sock.once("connect", emit); else emit();
        }
        sock.write(bytes);
      },
      connect: (conn, addr) => {
        const a = splitAddr(addr);
        const sock = net.connect({ host: a.host, port: a.port });
        sock.setNoDelay(true);
        this.connTarget.set(conn, addr);
        sock.once("connect", () => {
          if (this.wire) {
            this.wire.tap.nameConn(addrText(sock.localAddress ?? "", sock.localPort ?? 0),
              addrText(sock.remoteAddress ?? "", sock.remotePort ?? 0), this.wire.me);
          }
        });
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
      data: (id, bytes) => onData?.(id, bytes),
      resume: (conn) => this.resume(conn),
      sendReady: () => this.onSendReady?.(),
    });
  }

  /** The core's SEND_READY: an app message that was only partly taken may go on. */
  onSendReady?: () => void;

  private udpLocal(): string {
    const a = this.udp!.address();
    return addrText(a.address, a.port);
  }

  private streamPacket(dir: "out" | "in", id: number, sock: net.Socket, bytes: Buffer): void {
    if (!sock.localPort || !sock.remotePort) return;     // never connected: nothing went on the wire
    this.packets?.({ dir, proto: this.shim.connLabel(id), transport: "tcp",
      local: addrText(sock.localAddress ?? "", sock.localPort), remote: addrText(sock.remoteAddress ?? "", sock.remotePort), bytes });
  }

  /** Feeds a connection's bytes; what the core leaves waits (socket paused) until its RESUME. */
  private feed(id: number, sock: net.Socket, chunk: Buffer): void {
    const held = this.pending.get(id);
    if (held) { this.pending.set(id, Buffer.concat([held, chunk])); sock.pause(); return; }
    const took = this.shim.stream(id, chunk);
    if (took < chunk.length && this.conns.get(id) === sock) {
      this.pending.set(id, Buffer.from(chunk.subarray(took)));
      sock.pause();
    }
  }

  /** The core's RESUME for connection id: offer what it left, read on when it took it all.
   *  It arrives while a core call is being drained — possibly the very call whose leftover the
   *  caller is about to hold — so the bytes are offered once that call has returned. */
  private resume(id: number): void {
    queueMicrotask(() => {
      const sock = this.conns.get(id);
      if (!sock) { this.pending.delete(id); return; }
      const all = this.pending.get(id);
      if (!all) { sock.resume(); return; }
      this.pending.delete(id);
      const took = this.shim.stream(id, all);
      if (took < all.length && this.conns.get(id) === sock) {
        // bytes read meanwhile (none while paused) stay behind the leftover
        const more = this.pending.get(id);
        this.pending.set(id, more ? Buffer.concat([all.subarray(took), more]) : Buffer.from(all.subarray(took)));
      } else sock.resume();
    });
  }

  /** Tracks a connection under the core's id; its bytes and its close go to the core. */
  attach(id: number, sock: net.Socket): void {
    this.conns.set(id, sock);
    sock.on("data", (chunk: Buffer) => {
      if (this.conns.get(id) !== sock) return;
      if (this.wire?.tap.receives) {
        this.wire.tap.received(this.wire.me, addrText(sock.remoteAddress ?? "", sock.remotePort ?? 0),
          this.shim.connLabel(id), "tcp", chunk, sock, addrText(sock.localAddress ?? "", sock.localPort ?? 0));
      }
      if (this.packets) this.streamPacket("in", id, sock, chunk);
      this.feed(id, sock, chunk);
    });
    sock.on("error", () => { /* 'close' follows */ });
    sock.on("close", () => {
      this.wire?.tap.closed(sock);
      if (this.conns.get(id) !== sock) return;     // the core closed it (CLOSE) and may reuse the id
      this.conns.delete(id);
      this.connTarget.delete(id);
      this.pending.delete(id);
      this.shim.streamClosed(id);
    });
  }

  /** Feeds every datagram of a bound UDP socket to the core (socket id 0). */
  serveUdp(u: dgram.Socket): void {
    this.udp = u;
    u.on("message", (msg, rinfo) => {
      const from = addrText(rinfo.address, rinfo.port);
      this.wire?.tap.received(this.wire.me, from, "sip", "udp", msg);
      if (this.packets) this.packets({ dir: "in", proto: "sip", transport: "udp", local: this.udpLocal(), remote: from, bytes: msg });
      this.shim.datagram(0, from, msg);
    });
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

  /** Hands every accepted MSRP connection to the core (export onMsrpAccept assigns its id). */
  serveMsrp(srv: net.Server, accept: (addr: string) => number): void {
    this.msrp = srv;
    srv.on("connection", (sock) => {
      sock.setNoDelay(true);
      const id = accept(addrText(sock.remoteAddress ?? "", sock.remotePort ?? 0));
      if (id < 0) { sock.destroy(); return; }
      this.attach(id, sock);
    });
  }

  async close(): Promise<void> {
    this.pending.clear();
    this.shim.stop();
    for (const s of this.conns.values()) s.destroy();
    this.conns.clear();
    // idempotent: a second close (an app closing what a room already closed) is a no-op
    const tcp = this.tcp, udp = this.udp, msrp = this.msrp;
    this.tcp = undefined; this.udp = undefined; this.msrp = undefined;
    if (msrp) await new Promise<void>((res) => msrp.close(() => res()));
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
