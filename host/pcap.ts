// `chat --pcap FILE`: this agent's own traffic as a classic pcap file for Wireshark/tshark.
// The sockets report every send and receive with both real addresses (SocketHost.packets, a
// TapPacket each); this file wraps each one in synthetic IP + UDP/TCP headers and appends it.
//
// Format: libpcap 2.4, microsecond timestamps, LINKTYPE_RAW (101: the packet starts with the
// IPv4 or IPv6 header; the version nibble tells which). No Ethernet header, no fake MACs.
// - IPv4 (RFC 791): 20-byte header, DF, TTL 64, a running Identification, header checksum.
//   IPv6 (RFC 8200): 40-byte header, hop limit 64. An IPv4 end facing an IPv6 one is written
//   as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
// - UDP (RFC 768) and TCP (RFC 9293) checksums are computed over the pseudo-header (RFC 768,
//   RFC 8200 §8.1), so Wireshark's checksum validation, when switched on, finds nothing to flag.
// - TCP: the sockets show bytes, not segments. Each connection (4-tuple) gets a synthetic
//   three-way handshake at its first packet (the side that sends first is taken as the one that
//   connected: SIP and MSRP clients speak first), then one ACK|PSH segment per write or read,
//   with seq/ack tracked per direction so Wireshark reassembles SIP and MSRP across segments.
//   Segments are cut at message ends: each SIP or MSRP message gets a segment of its own (a
//   message that came in pieces waits until it is whole; a read that held several is split).
//   Wireshark's MSRP dissector (4.0) reads one message per segment and does not reassemble, so
//   a capture of the real segments would hide coalesced MSRP messages; this one shows them all.
//   A message larger than one IP packet is cut into segments of at most 65000 bytes.
//   Connection ends are not seen by the tap: no FIN is written.
// Writes are synchronous (one write per packet): what was captured is on disk even if the
// process is killed.
import { openSync, writeSync, closeSync } from "node:fs";
import net from "node:net";
import { messageLength, type TapPacket } from "./wiretap.ts";
import { splitAddr } from "./shim.ts";

export const LINKTYPE_RAW = 101;
const SNAPLEN = 262144;
const MAX_SEG = 65000;
/** A partial message longer than this is written as it is (not SIP/MSRP, or never ending). */
const MAX_HOLD = 1 << 20;
const TCP_ACK = 0x10, TCP_PSH = 0x08, TCP_SYN = 0x02;

/** 4 or 16 bytes of an IP address text ("127.0.0.1", "::1", "::ffff:127.0.0.1"). */
export function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  if (!net.isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let s = ip.replace(/%.*$/, "");
  // an IPv4 tail ("::ffff:1.2.3.4") becomes two hex groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1].split(".").map(Number);
    s = s.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail.length > 0 ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

/** Ones'-complement sum of 16-bit words (RFC 1071), not yet complemented. */
function sum16(b: Buffer, acc = 0): number {
  let i = 0;
  for (; i + 1 < b.length; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < b.length) acc += b[i] << 8;
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}
const fold = (acc: number) => { while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16); return acc; };

interface Flow {
  seq: number; ack: number;
  src: { host: string; port: number }; dst: { host: string; port: number };
  /** Bytes of a message not yet whole, per direction. */
  held: { out: Buffer; in: Buffer };
  proto: "sip" | "msrp";
}

export class PcapWriter {
  private fd: number | undefined;
  private ipId = 1;
  /** Per connection, keyed "local|remote": our next seq, the peer's next seq. */
  private readonly flows = new Map<string, Flow>();
  packets = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, "w");
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);   // microsecond timestamps, written little-endian
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);             // thiszone: UTC
    h.writeUInt32LE(0, 12);           // sigfigs
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(LINKTYPE_RAW, 20);
    writeSync(this.fd, h);
  }

  /** One send or receive of the agent (SocketHost.packets). */
  packet(p: TapPacket): void {
    if (this.fd === undefined) return;
    const l = splitAddr(p.local), r = splitAddr(p.remote);
    // "src" is whoever sent these bytes
    const [src, dst] = p.dir === "out" ? [l, r] : [r, l];
    if (p.transport === "udp") { this.ip(src.host, dst.host, 17, this.udp(src.port, dst.port, src.host, dst.host, p.bytes)); return; }
    const key = `${p.local}|${p.remote}`;
    let f = this.flows.get(key);
    if (!f) {
      // first sight: a handshake from the side that speaks first (src)
      const isnS = (Math.random() * 0xffffffff) >>> 0, isnD = (Math.random() * 0xffffffff) >>> 0;
      this.tcp(src, dst, isnS, 0, TCP_SYN, Buffer.alloc(0));
      this.tcp(dst, src, isnD, (isnS + 1) >>> 0, TCP_SYN | TCP_ACK, Buffer.alloc(0));
      this.tcp(src, dst, (isnS + 1) >>> 0, (isnD + 1) >>> 0, TCP_ACK, Buffer.alloc(0));
      // seq: ours (local); ack: the peer's
      const seq = p.dir === "out" ? { seq: (isnS + 1) >>> 0, ack: (isnD + 1) >>> 0 } : { seq: (isnD + 1) >>> 0, ack: (isnS + 1) >>> 0 };
      f = { ...seq, src: l, dst: r, held: { out: Buffer.alloc(0), in: Buffer.alloc(0) }, proto: p.proto };
      this.flows.set(key, f);
    }
    // one segment per whole message; a partial one waits for the rest
    let buf = f.held[p.dir].length > 0 ? Buffer.concat([f.held[p.dir], p.bytes]) : p.bytes;
    for (let guard = 0; buf.length > 0 && guard < 1_000_000; guard++) {
      let n = messageLength(f.proto, buf);
      if (n < 0) { if (buf.length <= MAX_HOLD) break; n = buf.length; }
      this.data(f, p.dir, buf.subarray(0, n));
      buf = buf.subarray(n);
    }
    f.held[p.dir] = Buffer.from(buf);
  }

  /** Bytes of one direction of a flow as ACK|PSH segments (src/dst per direction). */
  private data(f: Flow, dir: "out" | "in", bytes: Buffer): void {
    const [src, dst] = dir === "out" ? [f.src, f.dst] : [f.dst, f.src];
    for (let off = 0; off < bytes.length; off += MAX_SEG) {
      const seg = bytes.subarray(off, Math.min(bytes.length, off + MAX_SEG));
      if (dir === "out") { this.tcp(src, dst, f.seq, f.ack, TCP_ACK | TCP_PSH, seg); f.seq = (f.seq + seg.length) >>> 0; }
      else { this.tcp(src, dst, f.ack, f.seq, TCP_ACK | TCP_PSH, seg); f.ack = (f.ack + seg.length) >>> 0; }
    }
  }

  private tcp(src: { host: string; port: number }, dst: { host: string; port: number }, seq: number, ack: number, flags: number, data: Buffer): void {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(src.port, 0);
    h.writeUInt16BE(dst.port, 2);
    h.writeUInt32BE(seq >>> 0, 4);
    h.writeUInt32BE(flags & TCP_ACK ? ack >>> 0 : 0, 8);
    h[12] = 5 << 4;                   // data offset: 5 words, no options
    h[13] = flags;
    h.writeUInt16BE(65535, 14);       // window
    const seg = Buffer.concat([h, data]);
    seg.writeUInt16BE(this.l4sum(src.host, dst.host, 6, seg), 16);
    this.ip(src.host, dst.host, 6, seg);
  }

  private udp(sp: number, dp: number, sh: string, dh: string, data: Buffer): Buffer {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(sp, 0);
    h.writeUInt16BE(dp, 2);
    h.writeUInt16BE(8 + data.length, 4);
    const d = Buffer.concat([h, data]);
    const c = this.l4sum(sh, dh, 17, d);
    d.writeUInt16BE(c === 0 ? 0xffff : c, 6);   // RFC 768: a computed 0 is sent as all ones
    return d;
  }

  /** Both ends as the same IP version: IPv6 if either is. */
  private pair(a: string, b: string): [Buffer, Buffer] {
    const v6 = net.isIPv6(a) || net.isIPv6(b);
    const conv = (x: string) => (v6 && net.isIPv4(x) ? ipBytes(`::ffff:${x}`) : ipBytes(x));
    return [conv(a), conv(b)];
  }

  private l4sum(sh: string, dh: string, proto: number, seg: Buffer): number {
    const [s, d] = this.pair(sh, dh);
    const pseudo = s.length === 4 ? Buffer.alloc(12) : Buffer.alloc(40);
    s.copy(pseudo, 0);
    d.copy(pseudo, s.length);
    if (s.length === 4) { pseudo[9] = proto; pseudo.writeUInt16BE(seg.length, 10); }
    else { pseudo.writeUInt32BE(seg.length, 32); pseudo[39] = proto; }
    return ~fold(sum16(seg, sum16(pseudo))) & 0xffff;
  }

  private ip(sh: string, dh: string, proto: number, payload: Buffer): void {
    const [s, d] = this.pair(sh, dh);
    let h: Buffer;
    if (s.length === 4) {
      h = Buffer.alloc(20);
      h[0] = 0x45;
      h.writeUInt16BE(20 + payload.length, 2);
      h.writeUInt16BE(this.ipId, 4);
      this.ipId = (this.ipId + 1) & 0xffff;
      h.writeUInt16BE(0x4000, 6);     // DF
      h[8] = 64;
      h[9] = proto;
      s.copy(h, 12);
      d.copy(h, 16);
      h.writeUInt16BE(~sum16(h) & 0xffff, 10);
    } else {
      h = Buffer.alloc(40);
      h.writeUInt32BE(0x60000000, 0);
      h.writeUInt16BE(payload.length, 4);
      h[6] = proto;
      h[7] = 64;
      s.copy(h, 8);
      d.copy(h, 24);
    }
    this.write(Buffer.concat([h, payload]));
  }

  private write(pkt: Buffer): void {
    const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    const n = Math.min(pkt.length, SNAPLEN);
    rec.writeUInt32LE(n, 8);
    rec.writeUInt32LE(pkt.length, 12);
    writeSync(this.fd!, Buffer.concat([rec, pkt.subarray(0, n)]));
    this.packets++;
  }

  /** Writes what is held (partial messages) and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    for (const f of this.flows.values()) {
      for (const dir of ["out", "in"] as const) if (f.held[dir].length > 0) { this.data(f, dir, f.held[dir]); f.held[dir] = Buffer.alloc(0); }
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Opens FILE for writing (truncates) and returns the writer; hook it to SocketHost.packets. */
export function openPcap(file: string): PcapWriter {
  return new PcapWriter(file);
}
