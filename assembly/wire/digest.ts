// HTTP Digest for MSRP relay AUTH (RFC 4976 §5.1: a relay answers AUTH with 401 and a
// WWW-Authenticate: Digest challenge; the client repeats AUTH with Authorization; the digest is
// RFC 2617's with method "AUTH" and digest-uri = the relay's URI from the AUTH To-Path).
//
//   digestParseChallenge(c, p, len) -> DigestErr   WWW-Authenticate value "Digest k=v, ..."
//       fills c with spans into [p, p+len): realm, nonce, opaque; qopAuth = 1 when the qop
//       list offers "auth" (RFC 2617 §3.2.1); stale = 1 for stale=true.
//   digestBuildAuthorization(dst, cap, c, p, user, pass, method, uri, cnonce, nc) -> length or -1
//       The Authorization value (after "Authorization: "): RFC 2617 §3.2.2
//         HA1 = MD5(user ":" realm ":" password)           (algorithm MD5, §3.2.2.2)
//         HA2 = MD5(method ":" digest-uri)                  (qop auth or none, §3.2.2.3)
//         response = MD5(HA1 ":" nonce ":" nc ":" cnonce ":" "auth" ":" HA2)   with qop=auth
//                  = MD5(HA1 ":" nonce ":" HA2)                                without qop (RFC 2069)
//
// Pure: spans in, bytes out to a caller-given buffer; one fixed scratch buffer for the hash
// inputs. Quoted strings are taken verbatim between the quotes (a quoted-pair '\x' is skipped
// over, not unescaped: realms and nonces in practice hold none, and the same bytes go back).

import { isClass, C_TOKEN, eqNoCase } from "../mem/bytes";
import { md5Hex } from "./md5";

export const enum DigestErr {
  Ok = 0,
  /** Not "Digest" or malformed auth-params. */
  BadChallenge = 1,
  /** No realm or no nonce (RFC 2617 §3.2.1: both are required). */
  MissingParam = 2,
  /** algorithm other than MD5 (MD5-sess is not supported). */
  BadAlgorithm = 3,
  /** qop offered without "auth" (auth-int only). */
  BadQop = 4,
}

export function digestErrReason(e: i32): string {
  switch (e) {
    case DigestErr.Ok: return "ok";
    case DigestErr.BadChallenge: return "malformed Digest challenge";
    case DigestErr.MissingParam: return "Digest challenge without realm or nonce";
    case DigestErr.BadAlgorithm: return "Digest algorithm not supported";
    case DigestErr.BadQop: return "Digest qop not supported";
  }
  return "error";
}

// @ts-ignore: decorator
@unmanaged
export class DigestChallenge {
  realmOff: i32; realmLen: i32;
  nonceOff: i32; nonceLen: i32;
  opaqueOff: i32; opaqueLen: i32;
  /** 1 when opaque was present (it must be echoed even when empty). */
  hasOpaque: i32;
  /** 1 when qop was present; qopAuth = 1 when it lists "auth". */
  hasQop: i32;
  qopAuth: i32;
  stale: i32;
}

export const DIGEST_CHALLENGE_SIZE: i32 = offsetof<DigestChallenge>();

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): u32 { return <u32>load<u8>(p + <usize>i); }

/** True when the comma/space separated list [p+off, +len) holds the token "auth". */
function listHasAuth(p: usize, off: i32, len: i32): bool {
  let i = off;
  const end = off + len;
  while (i < end) {
    while (i < end && (at(p, i) == 0x20 || at(p, i) == 0x2c || at(p, i) == 0x09)) i++;
    const t0 = i;
    while (i < end && at(p, i) != 0x20 && at(p, i) != 0x2c && at(p, i) != 0x09) i++;
    if (i > t0 && eqNoCase(p + <usize>t0, i - t0, "auth")) return true;
  }
  return false;
}

/** Parses a WWW-Authenticate value; spans in c are offsets into p. */
export function digestParseChallenge(c: DigestChallenge, p: usize, len: i32): i32 {
  c.realmOff = 0; c.realmLen = -1; c.nonceOff = 0; c.nonceLen = -1; c.opaqueOff = 0; c.opaqueLen = 0;
  c.hasOpaque = 0; c.hasQop = 0; c.qopAuth = 0; c.stale = 0;
  let i = 0;
  while (i < len && (at(p, i) == 0x20 || at(p, i) == 0x09)) i++;
  if (len - i < 6 || !eqNoCase(p + <usize>i, 6, "Digest")) return DigestErr.BadChallenge;
  i += 6;
  if (i >= len || (at(p, i) != 0x20 && at(p, i) != 0x09)) return DigestErr.BadChallenge;
  let algOk = true;
  // auth-param *( "," auth-param ); every pass consumes at least one byte (bounded by len)
  while (i < len) {
    while (i < len && (at(p, i) == 0x20 || at(p, i) == 0x09 || at(p, i) == 0x2c)) i++;
    if (i >= len) break;
    const n0 = i;
    while (i < len && isClass(at(p, i), C_TOKEN)) i++;
    const nLen = i - n0;
    if (nLen == 0) return DigestErr.BadChallenge;
    while (i < len && (at(p, i) == 0x20 || at(p, i) == 0x09)) i++;
    if (i >= len || at(p, i) != 0x3d) return DigestErr.BadChallenge;
    i++;
    while (i < len && (at(p, i) == 0x20 || at(p, i) == 0x09)) i++;
    let v0 = i, vLen = 0;
    if (i < len && at(p, i) == 0x22) {
      i++;
      v0 = i;
      while (i < len && at(p, i) != 0x22) { if (at(p, i) == 0x5c) i++; i++; }
      if (i >= len) return DigestErr.BadChallenge;   // unterminated quoted-string
      vLen = i - v0;
      i++;
    } else {
      while (i < len && isClass(at(p, i), C_TOKEN)) i++;
      vLen = i - v0;
      if (vLen == 0) return DigestErr.BadChallenge;
    }
    const np = p + <usize>n0;
    if (eqNoCase(np, nLen, "realm")) { c.realmOff = v0; c.realmLen = vLen; }
    else if (eqNoCase(np, nLen, "nonce")) { c.nonceOff = v0; c.nonceLen = vLen; }
    else if (eqNoCase(np, nLen, "opaque")) { c.opaqueOff = v0; c.opaqueLen = vLen; c.hasOpaque = 1; }
    else if (eqNoCase(np, nLen, "qop")) { c.hasQop = 1; c.qopAuth = listHasAuth(p, v0, vLen) ? 1 : 0; }
    else if (eqNoCase(np, nLen, "stale")) { c.stale = eqNoCase(p + <usize>v0, vLen, "true") ? 1 : 0; }
    else if (eqNoCase(np, nLen, "algorithm")) { algOk = eqNoCase(p + <usize>v0, vLen, "MD5"); }
    // domain and unknown auth-params are ignored (§3.2.1)
  }
  if (c.realmLen < 0 || c.nonceLen <= 0) return DigestErr.MissingParam;
  if (!algOk) return DigestErr.BadAlgorithm;
  if (c.hasQop != 0 && c.qopAuth == 0) return DigestErr.BadQop;
  return DigestErr.Ok;
}

const SCRATCH_CAP: i32 = 768;
const SCR: usize = memory.data(768, 8);
const HA1: usize = memory.data(32, 8);
const HA2: usize = memory.data(32, 8);
const RESP: usize = memory.data(32, 8);
const NC: usize = memory.data(8, 8);

function cat(w: i32, p: usize, n: i32): i32 {
  if (w < 0 || n < 0 || n > SCRATCH_CAP - w) return -1;
  memory.copy(SCR + <usize>w, p, <usize>n);
  return w + n;
}
function catS(w: i32, s: string): i32 {
  if (w < 0 || s.length > SCRATCH_CAP - w) return -1;
  for (let i = 0; i < s.length; i++) store<u8>(SCR + <usize>(w + i), <u8>s.charCodeAt(i));
  return w + s.length;
}
function colon(w: i32): i32 {
  if (w < 0 || w >= SCRATCH_CAP) return -1;
  store<u8>(SCR + <usize>w, 0x3a);
  return w + 1;
}
function wr(dst: usize, cap: i32, w: i32, p: usize, n: i32): i32 {
  if (w < 0 || n < 0 || n > cap - w) return -1;
  memory.copy(dst + <usize>w, p, <usize>n);
  return w + n;
}
function wrS(dst: usize, cap: i32, w: i32, s: string): i32 {
  if (w < 0 || s.length > cap - w) return -1;
  for (let i = 0; i < s.length; i++) store<u8>(dst + <usize>(w + i), <u8>s.charCodeAt(i));
  return w + s.length;
}

/** nc as 8 hex digits (RFC 2617 §3.2.2: nonce-count = 8LHEX). */
function putNc(nc: u32): void {
  for (let i = 0; i < 8; i++) {
    const d = (nc >> (<u32>(28 - 4 * i))) & 15;
    store<u8>(NC + <usize>i, <u8>(d < 10 ? 48 + d : 87 + d));
  }
}

/**
 * The Authorization header value answering challenge c (spans into p) for user/pass, request
 * method and digest-uri, with client nonce cnonce and nonce count nc (used with qop=auth).
 * Returns the length written at dst, or -1 when it does not fit (or inputs are too long).
 */
export function digestBuildAuthorization(dst: usize, cap: i32, c: DigestChallenge, p: usize,
  userPtr: usize, userLen: i32, passPtr: usize, passLen: i32, method: string,
  uriPtr: usize, uriLen: i32, cnoncePtr: usize, cnonceLen: i32, nc: u32): i32 {
  if (c.realmLen < 0 || c.nonceLen <= 0) return -1;
  const realm = p + <usize>c.realmOff, nonce = p + <usize>c.nonceOff;
  // HA1 = MD5(user:realm:password)
  let w = cat(0, userPtr, userLen); w = colon(w); w = cat(w, realm, c.realmLen); w = colon(w); w = cat(w, passPtr, passLen);
  if (w < 0) return -1;
  md5Hex(SCR, w, HA1);
  // HA2 = MD5(method:digest-uri)
  w = catS(0, method); w = colon(w); w = cat(w, uriPtr, uriLen);
  if (w < 0) return -1;
  md5Hex(SCR, w, HA2);
  // response
  const qop = c.qopAuth != 0;
  putNc(nc);
  w = cat(0, HA1, 32); w = colon(w); w = cat(w, nonce, c.nonceLen); w = colon(w);
  if (qop) {
    w = cat(w, NC, 8); w = colon(w); w = cat(w, cnoncePtr, cnonceLen); w = colon(w);
    w = catS(w, "auth:");
  }
  w = cat(w, HA2, 32);
  if (w < 0) return -1;
  md5Hex(SCR, w, RESP);
  // Digest username="", realm="", nonce="", uri="", response=""[, qop=auth, nc=, cnonce=""][, opaque=""]
  let o = wrS(dst, cap, 0, "Digest username=\"");
  o = wr(dst, cap, o, userPtr, userLen);
  o = wrS(dst, cap, o, "\", realm=\"");
  o = wr(dst, cap, o, realm, c.realmLen);
  o = wrS(dst, cap, o, "\", nonce=\"");
  o = wr(dst, cap, o, nonce, c.nonceLen);
  o = wrS(dst, cap, o, "\", uri=\"");
  o = wr(dst, cap, o, uriPtr, uriLen);
  o = wrS(dst, cap, o, "\", response=\"");
  o = wr(dst, cap, o, RESP, 32);
  o = wrS(dst, cap, o, "\", algorithm=MD5");
  if (qop) {
    o = wrS(dst, cap, o, ", qop=auth, nc=");
    o = wr(dst, cap, o, NC, 8);
    o = wrS(dst, cap, o, ", cnonce=\"");
    o = wr(dst, cap, o, cnoncePtr, cnonceLen);
    o = wrS(dst, cap, o, "\"");
  }
  if (c.hasOpaque != 0) {
    o = wrS(dst, cap, o, ", opaque=\"");
    o = wr(dst, cap, o, p + <usize>c.opaqueOff, c.opaqueLen);
    o = wrS(dst, cap, o, "\"");
  }
  return o;
}

/** Test hook: the response digest of the last digestBuildAuthorization (32 hex digits). */
export function digestLastResponsePtr(): usize { return RESP; }
