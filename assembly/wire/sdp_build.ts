// Builds the SDP body of an MSRP offer or answer (RFC 4566 §5, RFC 4975 §8, RFC 6135/4145)
// into a caller-given fixed buffer:
//   v=0 / o=<user> <sess-id> <sess-version> IN IP4|IP6 <addr> / s=- / c=IN IP4|IP6 <addr> / t=0 0 /
//   m=message <port> TCP/MSRP|TCP/TLS/MSRP * / a=accept-types / [a=accept-wrapped-types] /
//   [a=max-size] / a=path / [a=setup] / [a=connection] / [a=fingerprint]
// The result parses with parseSdp to the same values (tests/assembly/wire/sdp_build.spec.ts).
//
// Every write is bounds-checked against cap; on overflow or a bad argument the builder returns -1
// (and the bytes before cap must not be sent). Span arguments are checked for CR/LF/NUL so a value
// can never start a new SDP line (RFC 4566 §5: a record ends at CRLF).

import { putAscii, putU64 } from "../mem/bytes";
import { SdpSetup, SdpConn } from "./sdp";

/** Inputs of buildMsrpSdp. Spans are absolute pointers + lengths; a len of 0 means "omit" for optional ones. */
// @ts-ignore: decorator
@unmanaged
export class SdpBuildParams {
  userPtr: usize; userLen: i32;
  sessId: u64; sessVersion: u64;
  /** 1: IN IP6, else IN IP4. */
  ipv6: i32;
  addrPtr: usize; addrLen: i32;
  port: i32;
  /** 1: TCP/TLS/MSRP (msrps path), else TCP/MSRP. */
  tls: i32;
  acceptPtr: usize; acceptLen: i32;
  wrappedPtr: usize; wrappedLen: i32;
  /** 0: no a=max-size. */
  maxSize: u64;
  /** SP-separated MSRP URIs. */
  pathPtr: usize; pathLen: i32;
  /** SdpSetup, None = omit. */
  setup: i32;
  /** SdpConn, None = omit. */
  connection: i32;
  fpPtr: usize; fpLen: i32;
}

/** A bounded writer over [buf, buf+cap); failure is sticky (pos = -1). Shared with cpim_build. */
// @ts-ignore: decorator
@unmanaged
export class BodyWriter {
  buf: usize;
  cap: i32;
  pos: i32;
}

export function bwStart(w: BodyWriter, buf: usize, cap: i32): void { w.buf = buf; w.cap = cap; w.pos = cap < 0 ? -1 : 0; }

export function bwStr(w: BodyWriter, s: string): void {
  if (w.pos < 0) return;
  if (s.length > w.cap - w.pos) { w.pos = -1; return; }
  w.pos += putAscii(w.buf + w.pos, s);
}

/** Copies a span that must stay on one line (no CR, LF or NUL). */
export function bwSpan(w: BodyWriter, p: usize, len: i32): void {
  if (w.pos < 0) return;
  if (len < 0 || len > w.cap - w.pos) { w.pos = -1; return; }
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + i);
    if (c == 13 || c == 10 || c == 0) { w.pos = -1; return; }
  }
  memory.copy(w.buf + w.pos, p, len);
  w.pos += len;
}

/** Copies raw bytes (a body). */
export function bwRaw(w: BodyWriter, p: usize, len: i32): void {
  if (w.pos < 0) return;
  if (len < 0 || len > w.cap - w.pos) { w.pos = -1; return; }
  memory.copy(w.buf + w.pos, p, len);
  w.pos += len;
}

export function bwU64(w: BodyWriter, v: u64): void {
  if (w.pos < 0) return;
  if (20 > w.cap - w.pos) { w.pos = -1; return; }
  w.pos += putU64(w.buf + w.pos, v);
}

const W = changetype<BodyWriter>(memory.data(offsetof<BodyWriter>(), 8));

/** Writes the MSRP SDP body at dst (at most cap bytes). Returns its length, or -1. */
export function buildMsrpSdp(dst: usize, cap: i32, a: SdpBuildParams): i32 {
  // mandatory values (RFC 4566 §5.2, §5.7; RFC 4975 §8 accept-types and path)
  if (a.userLen <= 0 || a.addrLen <= 0 || a.acceptLen <= 0 || a.pathLen <= 0) return -1;
  if (a.port < 0 || a.port > 65535) return -1;
  const w = W;
  bwStart(w, dst, cap);
  bwStr(w, "v=0\r\no=");
  bwSpan(w, a.userPtr, a.userLen);
  bwStr(w, " "); bwU64(w, a.sessId); bwStr(w, " "); bwU64(w, a.sessVersion);
  bwStr(w, a.ipv6 == 1 ? " IN IP6 " : " IN IP4 ");
  bwSpan(w, a.addrPtr, a.addrLen);
  bwStr(w, "\r\ns=-\r\nc=");
  bwStr(w, a.ipv6 == 1 ? "IN IP6 " : "IN IP4 ");
  bwSpan(w, a.addrPtr, a.addrLen);
  bwStr(w, "\r\nt=0 0\r\nm=message ");
  bwU64(w, <u64>a.port);
  bwStr(w, a.tls == 1 ? " TCP/TLS/MSRP *\r\na=accept-types:" : " TCP/MSRP *\r\na=accept-types:");
  bwSpan(w, a.acceptPtr, a.acceptLen);
  bwStr(w, "\r\n");
  if (a.wrappedLen > 0) {
    bwStr(w, "a=accept-wrapped-types:"); bwSpan(w, a.wrappedPtr, a.wrappedLen); bwStr(w, "\r\n");
  }
  if (a.maxSize > 0) {
    bwStr(w, "a=max-size:"); bwU64(w, a.maxSize); bwStr(w, "\r\n");
  }
  bwStr(w, "a=path:"); bwSpan(w, a.pathPtr, a.pathLen); bwStr(w, "\r\n");
  switch (a.setup) {
    case SdpSetup.None: break;
    case SdpSetup.ActPass: bwStr(w, "a=setup:actpass\r\n"); break;
    case SdpSetup.Active: bwStr(w, "a=setup:active\r\n"); break;
    case SdpSetup.Passive: bwStr(w, "a=setup:passive\r\n"); break;
    case SdpSetup.HoldConn: bwStr(w, "a=setup:holdconn\r\n"); break;
    default: return -1;
  }
  switch (a.connection) {
    case SdpConn.None: break;
    case SdpConn.New: bwStr(w, "a=connection:new\r\n"); break;
    case SdpConn.Existing: bwStr(w, "a=connection:existing\r\n"); break;
    default: return -1;
  }
  if (a.fpLen > 0) {
    bwStr(w, "a=fingerprint:"); bwSpan(w, a.fpPtr, a.fpLen); bwStr(w, "\r\n");
  }
  return w.pos;
}
