// Transport bookkeeping of the embedded IM server (RFC 3261 §18): the server's identity
// (domain, listen address), stream connections with their SipStream receive buffers, the
// UDP peer table, and "send to a peer" as outbox records. No socket is touched here: the
// host performs the records (assembly/mem/outbox.ts).
//
//   §18.1.1  a request larger than 1300 bytes (MTU 1500 - 200) goes over TCP
//   §18.2.2  a response goes back over the connection the request came on (stream), or to
//            the source address (RFC 3581 rport: the address the datagram came from)
//   §18.3    streams are framed by Content-Length (SipStream); a framing error closes the conn
//   RFC 5923 idea: an open connection to host:port is reused instead of opening another
//
// Peer ids (the u32 the transaction layer carries): bit 31 set = stream connection
// (bits 8..30 = connection generation, bits 0..7 = index), else an index into the UDP peer
// table. A stale connection peer (closed since) is detected by its generation.

import {
  CONN_MAX, CONN_RX_CAP, SRV_DOMAIN_CAP, SRV_ADDR_CAP, SRV_UDP_PEER_MAX,
} from "../mem/limits";
import { eqNoCase, eqSpan, lower } from "../mem/bytes";
import { SipStream, sipStreamAt, sipStreamReset } from "../wire/sip";
import { SipUri, HostKind } from "../wire/sip_uri";
import { outPush, OUT_SEND_DGRAM, OUT_SEND_STREAM, OUT_CONNECT, OUT_CLOSE } from "../mem/outbox";

export const PEER_NONE: u32 = 0xffffffff;
const PEER_TCP: u32 = 0x80000000;

// ---- identity ----------------------------------------------------------------------------

export const DOMAIN: usize = memory.data(SRV_DOMAIN_CAP, 8);
export let domainLen: i32 = 0;
/** Listen address text "ip:port" ("[v6]:port"), used in Via sent-by and Record-Route. */
export const LISTEN: usize = memory.data(SRV_ADDR_CAP, 8);
export let listenLen: i32 = 0;
/** Host part of LISTEN (brackets kept for IPv6) and the port. */
export let listenHostLen: i32 = 0;
export let listenPort: i32 = 5060;

/** Splits "host:port" / "[v6]:port" text: sets splitHostLen/splitPort; false when malformed. */
export let splitHostLen: i32 = 0;
export let splitPort: i32 = -1;
export function splitAddr(p: usize, n: i32): bool {
  let colon = -1;
  for (let i = n - 1; i >= 0; i--) {
    const c = load<u8>(p + <usize>i);
    if (c == 58) { colon = i; break; }
    if (c == 93) break;
  }
  if (colon <= 0 || colon == n - 1) return false;
  let v = 0;
  for (let i = colon + 1; i < n; i++) {
    const d = <i32>load<u8>(p + <usize>i) - 48;
    if (d < 0 || d > 9) return false;
    v = v * 10 + d;
    if (v > 65535) return false;
  }
  splitHostLen = colon; splitPort = v;
  return true;
}

/** Sets domain and listen address (copied). False when the listen text is not "ip:port". */
export function netConfigure(domPtr: usize, domLen: i32, lisPtr: usize, lisLen: i32): bool {
  if (lisLen <= 0 || lisLen > SRV_ADDR_CAP || !splitAddr(lisPtr, lisLen)) return false;
  memory.copy(LISTEN, lisPtr, <usize>lisLen);
  listenLen = lisLen; listenHostLen = splitHostLen; listenPort = splitPort;
  if (domLen <= 0 || domLen > SRV_DOMAIN_CAP) {
    // no domain: the listen host serves as the domain (sip:bob@127.0.0.1)
    memory.copy(DOMAIN, LISTEN, <usize>listenHostLen); domainLen = listenHostLen;
  } else {
    memory.copy(DOMAIN, domPtr, <usize>domLen); domainLen = domLen;
  }
  return true;
}

/** host[:port] names this server's transport address (listen host and port). Port -1 = 5060. */
export function isUsAddr(b: usize, hostOff: i32, hostLen: i32, port: i32): bool {
  const p = port < 0 ? 5060 : port;
  if (p != listenPort) return false;
  if (eqSpan(b + <usize>hostOff, hostLen, LISTEN, listenHostLen, true)) return true;
  return eqSpan(b + <usize>hostOff, hostLen, DOMAIN, domainLen, true);
}

/** A URI whose host is our domain (any port when the domain is a name; our port when it is our listen host). */
export function isOurDomain(b: usize, u: SipUri): bool {
  if (!eqSpan(b + <usize>u.hostOff, u.hostLen, DOMAIN, domainLen, true)) return false;
  if (u.hostKind == HostKind.Name) return u.port < 0 || u.port == listenPort;
  return (u.port < 0 ? 5060 : u.port) == listenPort;
}

// ---- stream connections -----------------------------------------------------------------

const C_FREE: i32 = 0;
const C_OPEN: i32 = 1;

// @ts-ignore: decorator
@unmanaged
class Conn {
  state: i32;
  gen: u32;
  addrLen: i32;
  pad: i32;
}
const CONN_HDR: i32 = 16;
const CONN_SLOT: i32 = (CONN_HDR + SRV_ADDR_CAP + 64 + 15) & ~15;   // header, addr, SipStream (<= 64)
const CONNS: usize = memory.data(CONN_MAX * ((16 + SRV_ADDR_CAP + 64 + 15) & ~15), 16);
const RXBUF: usize = memory.data(CONN_MAX * CONN_RX_CAP, 16);

// @ts-ignore: decorator
@inline function connAt(i: i32): Conn { return changetype<Conn>(CONNS + <usize>(i * CONN_SLOT)); }
// @ts-ignore: decorator
@inline function connAddr(i: i32): usize { return CONNS + <usize>(i * CONN_SLOT + CONN_HDR); }
export function connStream(i: i32): SipStream { return sipStreamAt(CONNS + <usize>(i * CONN_SLOT + CONN_HDR + SRV_ADDR_CAP)); }

export function connValid(i: i32): bool { return i >= 0 && i < CONN_MAX && connAt(i).state == C_OPEN; }
export function connPeer(i: i32): u32 { return PEER_TCP | ((connAt(i).gen & 0x7fffff) << 8) | <u32>i; }
export function connAddrPtr(i: i32): usize { return connAddr(i); }
export function connAddrLen(i: i32): i32 { return connAt(i).addrLen; }

function connAlloc(addrPtr: usize, addrLen: i32): i32 {
  if (addrLen <= 0 || addrLen > SRV_ADDR_CAP) return -1;
  for (let i = 0; i < CONN_MAX; i++) {
    const c = connAt(i);
    if (c.state != C_FREE) continue;
    c.state = C_OPEN;
    c.gen = (c.gen + 1) & 0x7fffff;
    c.addrLen = addrLen;
    memory.copy(connAddr(i), addrPtr, <usize>addrLen);
    sipStreamReset(connStream(i), RXBUF + <usize>(i * CONN_RX_CAP), CONN_RX_CAP);
    return i;
  }
  return -1;
}

/** The host accepted a connection from addr: its id, or -1 (table full: the host closes it). */
export function connAccept(addrPtr: usize, addrLen: i32): i32 { return connAlloc(addrPtr, addrLen); }

/** Frees a connection (closed by the peer, or by us after queuing CLOSE). */
export function connFree(i: i32): void {
  if (i < 0 || i >= CONN_MAX) return;
  connAt(i).state = C_FREE;
}

/** We close a connection (framing lost, §18.3): CLOSE record, slot free at once. */
export function connClose(i: i32): void {
  if (!connValid(i)) return;
  outPush(OUT_CLOSE, i, 0, 0, 0, 0);
  connFree(i);
}

/** Open connection whose remote address text equals addr (caseless), or -1. */
export function connFind(addrPtr: usize, addrLen: i32): i32 {
  for (let i = 0; i < CONN_MAX; i++) {
    const c = connAt(i);
    if (c.state == C_OPEN && eqSpan(connAddr(i), c.addrLen, addrPtr, addrLen, true)) return i;
  }
  return -1;
}

/** Reuses or opens (CONNECT record) a stream connection to addr; its peer id or PEER_NONE. */
export function connTo(addrPtr: usize, addrLen: i32): u32 {
  let i = connFind(addrPtr, addrLen);
  if (i < 0) {
    i = connAlloc(addrPtr, addrLen);
    if (i < 0) return PEER_NONE;
    if (!outPush(OUT_CONNECT, i, addrPtr, addrLen, 0, 0)) { connFree(i); return PEER_NONE; }
  }
  return connPeer(i);
}

// ---- UDP peers ------------------------------------------------------------------------------

const UDP_SLOT: i32 = (8 + SRV_ADDR_CAP + 7) & ~7;   // sock i32, len i32, text
const UDP: usize = memory.data(SRV_UDP_PEER_MAX * ((8 + SRV_ADDR_CAP + 7) & ~7), 8);
let udpNext: i32 = 0;
let udpCount: i32 = 0;
/** The socket replies and new UDP targets use (the host's first UDP socket by default). */
export let udpSock: i32 = 0;

/** Peer id for a UDP address (interned; the oldest entry is reused when the table is full). */
export function udpPeer(sock: i32, addrPtr: usize, addrLen: i32): u32 {
  if (addrLen <= 0 || addrLen > SRV_ADDR_CAP) return PEER_NONE;
  for (let i = 0; i < udpCount; i++) {
    const e = UDP + <usize>(i * UDP_SLOT);
    if (load<i32>(e) == sock && eqSpan(e + 8, load<i32>(e, 4), addrPtr, addrLen, true)) return <u32>i;
  }
  // Gap: a reused entry may still be the peer of a live transaction (64 entries, round-robin).
  const i = udpNext;
  udpNext = (udpNext + 1) % SRV_UDP_PEER_MAX;
  if (udpCount < SRV_UDP_PEER_MAX) udpCount++;
  const e = UDP + <usize>(i * UDP_SLOT);
  store<i32>(e, sock); store<i32>(e, addrLen, 4);
  memory.copy(e + 8, addrPtr, <usize>addrLen);
  return <u32>i;
}

export function noteUdpSock(sock: i32): void { udpSock = sock; }

export function peerIsStream(peer: u32): bool { return peer != PEER_NONE && (peer & PEER_TCP) != 0; }

/** Connection index of a live stream peer, or -1 (stale or not a stream). */
export function peerConn(peer: u32): i32 {
  if (!peerIsStream(peer)) return -1;
  const i = <i32>(peer & 0xff);
  if (!connValid(i) || ((connAt(i).gen & 0x7fffff) << 8 | <u32>i | PEER_TCP) != peer) return -1;
  return i;
}

/** Address text of a peer (UDP entry or connection remote address); 0 length when unknown. */
export let peerAddrLen: i32 = 0;
export function peerAddrPtr(peer: u32): usize {
  peerAddrLen = 0;
  if (peer == PEER_NONE) return 0;
  if (peerIsStream(peer)) {
    const i = peerConn(peer);
    if (i < 0) return 0;
    peerAddrLen = connAt(i).addrLen;
    return connAddr(i);
  }
  if (<i32>peer >= udpCount) return 0;
  const e = UDP + <usize>(<i32>peer * UDP_SLOT);
  peerAddrLen = load<i32>(e, 4);
  return e + 8;
}

/** Queues bytes for a peer; false when the peer is gone or the outbox is full. */
export function peerSend(peer: u32, p: usize, n: i32): bool {
  if (peer == PEER_NONE || n <= 0) return false;
  if (peerIsStream(peer)) {
    const i = peerConn(peer);
    if (i < 0) return false;
    return outPush(OUT_SEND_STREAM, i, 0, 0, p, n);
  }
  if (<i32>peer >= udpCount) return false;
  const e = UDP + <usize>(<i32>peer * UDP_SLOT);
  return outPush(OUT_SEND_DGRAM, load<i32>(e), e + 8, load<i32>(e, 4), p, n);
}

// ---- target addresses -----------------------------------------------------------------------

/** Address text built by addrText (host ":" port), valid until the next call. */
export const ADDR: usize = memory.data(SRV_ADDR_CAP + 16, 8);
export let addrLen: i32 = 0;

/** "host:port" text into ADDR; IPv6 hosts get brackets when they lack them. False when too long. */
export function addrText(b: usize, hostOff: i32, hostLen: i32, port: i32): bool {
  addrLen = 0;
  if (hostLen <= 0 || hostLen + 8 > SRV_ADDR_CAP) return false;
  const hp = b + <usize>hostOff;
  let o = 0;
  let v6 = false;
  if (load<u8>(hp) != 91) {
    for (let i = 0; i < hostLen; i++) if (load<u8>(hp + <usize>i) == 58) { v6 = true; break; }
  }
  if (v6) { store<u8>(ADDR, 91); o = 1; }
  for (let i = 0; i < hostLen; i++) store<u8>(ADDR + <usize>(o + i), <u8>lower(load<u8>(hp + <usize>i)));
  o += hostLen;
  if (v6) { store<u8>(ADDR + <usize>o, 93); o++; }
  store<u8>(ADDR + <usize>o, 58); o++;
  const pt = port < 0 ? 5060 : port;
  let d = 10000, started = false;
  for (let k = 0; k < 5; k++) {
    const digit = (pt / d) % 10;
    if (digit != 0 || started || d == 1) { store<u8>(ADDR + <usize>o, <u8>(48 + digit)); o++; started = true; }
    d /= 10;
  }
  addrLen = o;
  return true;
}

/** Peer for a URI target: TCP (reuse or connect) when tcp, else UDP. PEER_NONE when unusable. */
export function targetPeer(b: usize, u: SipUri, tcp: bool): u32 {
  if (!addrText(b, u.hostOff, u.hostLen, u.port)) return PEER_NONE;
  if (tcp) return connTo(ADDR, addrLen);
  return udpPeer(udpSock, ADDR, addrLen);
}

/** Resets every table (serverInit). */
export function netReset(): void {
  for (let i = 0; i < CONN_MAX; i++) connAt(i).state = C_FREE;
  udpNext = 0; udpCount = 0; udpSock = 0;
}

