// The embedded IM server core (registrar + stateful proxy), sans-I/O: bytes, peer address text
// and `now` come in through assembly/agent.ts; actions leave as outbox records
// (assembly/mem/outbox.ts). This file frames input (one datagram = one message, §18.3; a stream
// through its connection's SipStream) and dispatches requests and responses.

import { INBOX_CAP, CONN_MAX } from "../mem/limits";
import { BAD } from "../mem/result";
import { sipParse, sipStreamFeed, sipStreamNext, sipStreamConsume, SipStream } from "../wire/sip";
import { sipErrCode, sipErrReason } from "../wire/sip_err";
import { Method } from "../wire/sip_msg";
import { txnReset, txnOnTimer, txnNextDeadline } from "../sip/transaction";
import { locReset, locExpire, locNextExpiry, locForgetConn } from "./location";
import { outboxClear } from "../mem/outbox";
import { MSG, rngSeed, replyStateless } from "./common";
import {
  netConfigure, netReset, connAccept, connFree, connValid, connClose, connStream, connPeer,
  udpPeer, noteUdpSock, connAddrPtr, connAddrLen, PEER_NONE,
} from "./net";
import { handleRequest, handleResponse, setSource, proxyOnTimer, proxyReset, drain } from "./proxy";
import { emitLocEvents } from "./registrar";

let ready = false;

/** Configures and resets everything. Returns 0, or 1 when the listen address is malformed. */
export function serverStart(domPtr: usize, domLen: i32, lisPtr: usize, lisLen: i32, seedLo: u32, seedHi: u32): i32 {
  ready = false;
  netReset();
  if (!netConfigure(domPtr, domLen, lisPtr, lisLen)) return 1;
  txnReset(); locReset(); proxyReset(); outboxClear();
  rngSeed(seedLo, seedHi);
  ready = true;
  return 0;
}

function dispatch(now: f64): void {
  if (MSG.isRequest != 0) handleRequest(MSG, now);
  else handleResponse(MSG, now);
}

/** One datagram at [base+fromLen, +len) from the address text at [base, +fromLen) on socket sock. */
export function serverDatagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  if (!ready || fromLen <= 0 || len <= 0 || fromLen + len > INBOX_CAP) return -1;
  noteUdpSock(sock);
  const peer = udpPeer(sock, base, fromLen);
  if (peer == PEER_NONE) return -1;
  setSource(peer, -1, base, fromLen);
  const d = base + <usize>fromLen;
  // §7.5 / RFC 5626: a keep-alive of CRLFs is not a message
  let k = 0;
  while (k < len && (load<u8>(d + <usize>k) == 13 || load<u8>(d + <usize>k) == 10)) k++;
  if (k == len) return 0;
  const r = sipParse(d, len, MSG, true);
  if (r == BAD) {
    // §16.3 step 1 / §8.2: a broken request is answered (when it has a Via to answer by); a broken response is dropped
    if (MSG.isRequest != 0 && MSG.firstVia >= 0 && MSG.method != Method.ACK) {
      const code = sipErrCode(MSG.err);
      if (code > 0) replyStateless(MSG, peer, code, sipErrReason(MSG.err), false);
    }
    return 1;
  }
  if (r > 0) dispatch(now);
  return 0;
}

/** The host accepted a stream connection from the address text at [base, +addrLen): its id or -1. */
export function serverStreamOpen(base: usize, addrLen: i32): i32 {
  if (!ready) return -1;
  return connAccept(base, addrLen);
}

/** Stream bytes [base, +len) on connection conn (§18.3 framing). 0 ok, 1 framing lost (closed), -1 bad call. */
export function serverStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  if (!ready || !connValid(conn) || len < 0 || len > INBOX_CAP) return -1;
  const s: SipStream = connStream(conn);
  let off = 0;
  // each pass takes bytes or consumes a message; bounded by len + messages (each >= 1 byte)
  for (let g = 0; g <= len + 2; g++) {
    if (off < len) off += sipStreamFeed(s, base + <usize>off, len - off);
    const r = sipStreamNext(s, MSG);
    if (r > 0) {
      setSource(connPeer(conn), conn, connAddrPtr(conn), connAddrLen(conn));
      dispatch(now);
      if (!connValid(conn)) return 1;
      sipStreamConsume(s, r);
      continue;
    }
    if (r == BAD) {
      // §18.3: framing is lost; a request whose header section parsed is answered first
      if (MSG.isRequest != 0 && MSG.firstVia >= 0 && MSG.hdrCount > 0) {
        const code = sipErrCode(MSG.err);
        if (code > 0) replyStateless(MSG, connPeer(conn), code, sipErrReason(MSG.err), false);
      }
      locForgetConn(<u32>conn);
      connClose(conn);
      return 1;
    }
    if (off >= len) return 0;              // NEED_MORE and nothing left to feed
  }
  return 0;
}

/** The host saw connection conn close (or fail to connect). */
export function serverStreamClosed(conn: i32): void {
  if (conn < 0 || conn >= CONN_MAX) return;
  // RFC 5626 §4.5 idea: bindings stay but lose their flow; transactions on it time out (408)
  locForgetConn(<u32>conn);
  connFree(conn);
}

/** Timers: transactions (§17) and binding expiry (§10.2.1). */
export function serverTimer(now: f64): void {
  if (!ready) return;
  txnOnTimer(now);
  proxyOnTimer(now);
  locExpire(now);
  emitLocEvents();
}

/** Earliest deadline (ms) of a transaction timer or a binding expiry; -1 when none. */
export function serverNextDeadline(): f64 {
  const a = txnNextDeadline();
  const b = locNextExpiry();
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

export function serverDrain(now: f64): void { drain(now); }
