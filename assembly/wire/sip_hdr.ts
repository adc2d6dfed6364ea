// SIP header value parsers (RFC 3261 §7.3, §20, §25.1). Every function reads a span
// [off, off+len) of `base` in place and fills an @unmanaged view with offsets into `base`.
// LWS inside values may contain folded CRLF (the framer keeps the raw bytes, §7.3.1), so
// here "whitespace" is SP / HTAB / CR / LF.
//
// Exported API (all return SipErr.Ok = 0 or the SipErr of the header):
//   listElemEnd(b, pos, end): i32              top-level ',' of a comma list (honours "..." and <...>)
//   viaParse(b, off, len, via: SipVia)          one via-parm: protocol, transport, sent-by, branch/received/rport/maddr/ttl
//   viaTop(b, off, len, via)                    viaParse of the first element of a Via value (top Via)
//   nameAddrParse(b, off, len, na, flags, err)  From/To/Contact/Route/Record-Route element (tag, expires, '*'); err = SipErr to report
//   cseqParse(b, off, len, cs: SipCSeq)         number <= 2^31-1 (§8.1.1.5) and method
//   callIdOk(b, off, len): bool                 callid = word [ "@" word ]
//   scalarParse(b, off, len, max): i64          1*DIGIT <= max with surrounding LWS (Max-Forwards, Expires), -1 if bad
//   mediaTypeParse(b, off, len, mt: SipMediaType)  type "/" subtype *(";" param)
//   tokenListCheck(b, off, len): bool           option-tag lists (Require, Supported, Proxy-Require)
//   paramFind(b, off, len, name): i64           generic ";name[=value]" lookup: (valOff<<32)|valLen or -1
//   methodOf(b, off, len): i32                  Method enum (case-sensitive, §7.1)
//   quotedEnd(b, i, end): i32                   index after the closing quote, -1 if unterminated

import { isClass, C_TOKEN, C_DIGIT, eqNoCase, eqExact } from "../mem/bytes";
import { SipErr } from "./sip_err";
import { Method } from "./sip_msg";
import { uriScheme, uriParse, uriAbsoluteOk, UriScheme, SipUri, hostKindOf, HostKind } from "./sip_uri";

// @ts-ignore: decorator
@inline function at(b: usize, i: i32): u32 { return <u32>load<u8>(b + <usize>i); }
// @ts-ignore: decorator
@inline export function isLws(c: u32): bool { return c == 32 || c == 9 || c == 13 || c == 10; }
// @ts-ignore: decorator
@inline function isTok(c: u32): bool { return isClass(c, C_TOKEN); }

// Value char classes (one load per byte, as mem/bytes.ts CLASS): LWS here includes CR/LF
// (folded lines stay in the raw value), gen-value adds the host bytes ':' '[' ']' to token.
const H_LWS: u32 = 1;     // SP / HTAB / CR / LF
const H_TOK: u32 = 2;     // token (§25.1)
const H_GEN: u32 = 4;     // token / ":" / "[" / "]" (gen-value without quoted-string)
const H_VSTOP: u32 = 8;   // ends a Via sent-by host: ":" / ";" / LWS
// @ts-ignore: decorator
@lazy const HCLS: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  9, 6, 0, 0, 0, 6, 0, 6, 0, 0, 6, 6, 0, 6, 6, 0,
  6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 12, 8, 0, 0, 0, 0,
  0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
  6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4, 0, 4, 0, 6,
  6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
  6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0, 0, 0, 6, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]);
// @ts-ignore: decorator
@inline function hc(c: u32): u32 { return <u32>load<u8>(HCLS + <usize>c); }

// Inlined forms used by the parsers below (the exported ones are for other modules).
// @ts-ignore: decorator
@inline function lwsSkip(b: usize, i: i32, end: i32): i32 {
  while (i < end && (hc(at(b, i)) & H_LWS) != 0) i++;
  return i;
}
// @ts-ignore: decorator
@inline function lwsTrim(b: usize, off: i32, end: i32): i32 {
  while (end > off && (hc(at(b, end - 1)) & H_LWS) != 0) end--;
  return end;
}
export function skipLws(b: usize, i: i32, end: i32): i32 { return lwsSkip(b, i, end); }
export function trimLwsEnd(b: usize, off: i32, end: i32): i32 { return lwsTrim(b, off, end); }
// @ts-ignore: decorator
@inline function tokenEnd(b: usize, i: i32, end: i32): i32 {
  while (i < end && isTok(at(b, i))) i++;
  return i;
}
// Caseless tests of parameter names against lowercase letters, 1/2/4/8 bytes at a time
// (little-endian words): c | 0x20 equals a lowercase letter only for that letter or its
// capital, so this is exactly eqNoCase for all-letter names. Callers check the length first,
// so every load stays inside the name.
// @ts-ignore: decorator
@inline function lc(b: usize, i: i32): u32 { return at(b, i) | 0x20; }
// @ts-ignore: decorator
@inline function lc2(b: usize, i: i32): u32 { return <u32>load<u16>(b + <usize>i) | 0x2020; }
// @ts-ignore: decorator
@inline function lc4(b: usize, i: i32): u32 { return load<u32>(b + <usize>i) | 0x20202020; }
// @ts-ignore: decorator
@inline function lc8(b: usize, i: i32): u64 { return load<u64>(b + <usize>i) | 0x2020202020202020; }

/** quoted-string starting at i (a '"'): index after the closing '"', or -1 (§25.1 quoted-pair excludes CR/LF). */
export function quotedEnd(b: usize, i: i32, end: i32): i32 {
  i++;
  while (i < end) {
    const c = at(b, i);
    if (c == 34) return i + 1;
    if (c == 92) {
      if (i + 1 >= end) return -1;
      const d = at(b, i + 1);
      if (d == 13 || d == 10) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

// SWAR filters (eight bytes in one u64, as in glibc's strlen): exact as to whether any byte
// matches, used only to skip runs that hold no byte of interest.
const SW_ONES: u64 = 0x0101010101010101;
const SW_HIGH: u64 = 0x8080808080808080;
/** Some byte of x is zero. */
// @ts-ignore: decorator
@inline function swZero(x: u64): bool { return ((x - SW_ONES) & ~x & SW_HIGH) != 0; }
/** Some byte of x is below n (n <= 128). */
// @ts-ignore: decorator
@inline function swLess(x: u64, n: u64): bool { return ((x - n * SW_ONES) & ~x & SW_HIGH) != 0; }
/** Some byte of x equals k. */
// @ts-ignore: decorator
@inline function swHas(x: u64, k: u64): bool { return swZero(x ^ (k * SW_ONES)); }
/** Some byte of x is '"', ',', '<' or '>' ('<' | 2 == '>'). */
// @ts-ignore: decorator
@inline function hasListByte(x: u64): bool {
  return swHas(x, 34) || swHas(x, 44) || swHas(x | (2 * SW_ONES), 62);
}

/** End of the list element starting at pos: the next ',' outside quotes and <> (or end). */
export function listElemEnd(b: usize, pos: i32, end: i32): i32 {
  let i = pos;
  let angle = false;
  while (i < end) {
    // eight bytes at a time while none of them is '"' ',' '<' '>' (the load stays inside [pos, end))
    if (i + 8 <= end && !hasListByte(load<u64>(b + <usize>i))) { i += 8; continue; }
    const c = at(b, i);
    if (c == 34) {
      const q = quotedEnd(b, i, end);
      if (q < 0) return end;       // unterminated: the element parser reports it
      i = q; continue;
    }
    if (c == 60) angle = true;
    else if (c == 62) angle = false;
    else if (c == 44 && !angle) return i;
    i++;
  }
  return end;
}

/** gen-value = token / host / quoted-string (§25.1); returns the end or -1. */
function genValueEnd(b: usize, i: i32, end: i32): i32 {
  if (i >= end) return -1;
  if (at(b, i) == 34) return quotedEnd(b, i, end);
  const s = i;
  while (i < end && (hc(at(b, i)) & H_GEN) != 0) i++;   // host adds ':' '[' ']' (IPv6, RFC 5118 §4.5)
  return i > s ? i : -1;
}

// Param callback results (module statics: no closures).
let pNameOff: i32 = 0, pNameLen: i32 = 0, pValOff: i32 = -1, pValLen: i32 = 0;

/**
 * One generic-param at i (just after ';' and LWS): token [ LWS "=" LWS gen-value ].
 * Fills pNameOff/Len and pValOff/Len; returns the index after it, or -1.
 */
function paramAt(b: usize, i: i32, end: i32): i32 {
  const ne = tokenEnd(b, i, end);
  if (ne == i) return -1;
  pNameOff = i; pNameLen = ne - i; pValOff = -1; pValLen = 0;
  let j = lwsSkip(b, ne, end);
  if (j < end && at(b, j) == 61) {
    j = lwsSkip(b, j + 1, end);
    const ve = genValueEnd(b, j, end);
    if (ve < 0) return -1;
    pValOff = j; pValLen = ve - j;
    return ve;
  }
  return ne;
}

/** Generic ";name[=value]" lookup over a params span (as stored in the views); (valOff<<32)|valLen or -1. */
export function paramFind(b: usize, off: i32, len: i32, name: string): i64 {
  const end = off + len;
  let i = lwsSkip(b, off, end);
  for (let guard = 0; guard < len + 1 && i < end; guard++) {
    if (at(b, i) == 59) i = lwsSkip(b, i + 1, end);
    const e = paramAt(b, i, end);
    if (e < 0) return -1;
    if (eqNoCase(b + pNameOff, pNameLen, name)) return (<i64>(pValOff < 0 ? e : pValOff) << 32) | <i64>pValLen;
    i = lwsSkip(b, e, end);
    if (i >= end || at(b, i) != 59) break;
  }
  return -1;
}

/** 1*DIGIT <= max surrounded by LWS; -1 when malformed or too large. */
export function scalarParse(b: usize, off: i32, len: i32, max: u64): i64 {
  const end = lwsTrim(b, off, off + len);
  const s = lwsSkip(b, off, end);
  if (s >= end) return -1;
  let v: u64 = 0;
  for (let i = s; i < end; i++) {
    const d = at(b, i) - 48;
    if (d >= 10) return -1;
    v = v * 10 + <u64>d;
    if (v > max) return -1;
  }
  return <i64>v;
}

// ---------------------------------------------------------------- Via (§20.42, §18.2.2)

// @ts-ignore: decorator
@unmanaged
export class SipVia {
  protoOff: i32; protoLen: i32;
  verOff: i32; verLen: i32;
  transOff: i32; transLen: i32;
  hostOff: i32; hostLen: i32;
  /** sent-by port, -1 when absent. */
  port: i32;
  /** params after sent-by (from the first ';'), off = -1 when none. */
  paramsOff: i32; paramsLen: i32;
  branchOff: i32; branchLen: i32;
  receivedOff: i32; receivedLen: i32;
  /** -1 absent, 0 present without value (RFC 3581), else the port. */
  rport: i32;
  maddrOff: i32; maddrLen: i32;
  /** -1 when absent. */
  ttl: i32;
}
export function sipViaAt(store: usize): SipVia { return changetype<SipVia>(store); }

/** via-parm = sent-protocol LWS sent-by *( SEMI via-params ); SLASH = SWS "/" SWS. */
export function viaParse(b: usize, off: i32, len: i32, v: SipVia): i32 {
  const end = off + len;
  v.port = -1; v.paramsOff = -1; v.paramsLen = 0; v.branchOff = -1; v.branchLen = 0;
  v.receivedOff = -1; v.receivedLen = 0; v.rport = -1; v.maddrOff = -1; v.maddrLen = 0; v.ttl = -1;
  let i = lwsSkip(b, off, end);
  let e = tokenEnd(b, i, end);
  if (e == i) return SipErr.Via;
  v.protoOff = i; v.protoLen = e - i;
  i = lwsSkip(b, e, end);
  if (i >= end || at(b, i) != 47) return SipErr.Via;
  i = lwsSkip(b, i + 1, end);
  e = tokenEnd(b, i, end);
  if (e == i) return SipErr.Via;
  v.verOff = i; v.verLen = e - i;
  i = lwsSkip(b, e, end);
  if (i >= end || at(b, i) != 47) return SipErr.Via;
  i = lwsSkip(b, i + 1, end);
  e = tokenEnd(b, i, end);
  if (e == i) return SipErr.Via;
  v.transOff = i; v.transLen = e - i;
  i = lwsSkip(b, e, end);
  if (i == e) return SipErr.Via;          // LWS required before sent-by
  // sent-by = host [ COLON port ]
  const hs = i;
  if (i < end && at(b, i) == 91) {
    while (i < end && at(b, i) != 93) i++;
    if (i >= end) return SipErr.Via;
    i++;
  } else {
    while (i < end && (hc(at(b, i)) & H_VSTOP) == 0) i++;   // up to ':' ';' or LWS
  }
  if (hostKindOf(b, hs, i - hs) == HostKind.None) return SipErr.Via;
  v.hostOff = hs; v.hostLen = i - hs;
  i = lwsSkip(b, i, end);
  if (i < end && at(b, i) == 58) {
    i = lwsSkip(b, i + 1, end);
    const ps = i;
    let p = 0;
    while (i < end && isClass(at(b, i), C_DIGIT)) { p = p * 10 + <i32>(at(b, i) - 48); i++; if (p > 65535) return SipErr.Via; }
    if (i == ps) return SipErr.Via;
    v.port = p;
    i = lwsSkip(b, i, end);
  }
  if (i < end) {
    if (at(b, i) != 59) return SipErr.Via;
    v.paramsOff = i; v.paramsLen = end - i;
  }
  // via-params: ttl / maddr / received / branch / extension (§20.42); empty params are errors (RFC 4475 badinv01)
  while (i < end) {
    if (at(b, i) != 59) return SipErr.Via;
    i = lwsSkip(b, i + 1, end);
    const pe = paramAt(b, i, end);
    if (pe < 0) return SipErr.Via;
    // dispatch on the length, then compare the name as words (no string compare per param)
    const po = pNameOff, nl = pNameLen;
    if (nl == 6 && lc4(b, po) == 0x6e617262 && lc2(b, po + 4) == 0x6863) {              // "branch"
      if (pValOff < 0) return SipErr.Via;
      v.branchOff = pValOff; v.branchLen = pValLen;
    } else if (nl == 8 && lc8(b, po) == 0x6465766965636572) {                            // "received"
      if (pValOff < 0) return SipErr.Via;
      v.receivedOff = pValOff; v.receivedLen = pValLen;
    } else if (nl == 5 && lc4(b, po) == 0x726f7072 && lc(b, po + 4) == 116) {           // "rport"
      if (pValOff < 0) v.rport = 0;
      else {
        const r = scalarParse(b, pValOff, pValLen, 65535);
        if (r < 0) return SipErr.Via;
        v.rport = <i32>r;
      }
    } else if (nl == 5 && lc4(b, po) == 0x6464616d && lc(b, po + 4) == 114) {           // "maddr"
      if (pValOff < 0) return SipErr.Via;
      v.maddrOff = pValOff; v.maddrLen = pValLen;
    } else if (nl == 3 && lc2(b, po) == 0x7474 && lc(b, po + 2) == 108) {                // "ttl"
      if (pValOff < 0) return SipErr.Via;
      const t = scalarParse(b, pValOff, pValLen, 255);
      if (t < 0) return SipErr.Via;
      v.ttl = <i32>t;
    }
    i = lwsSkip(b, pe, end);
  }
  return SipErr.Ok;
}

/** Parses the first via-parm of a Via header value (the top Via for transaction matching, §17.2.3). */
export function viaTop(b: usize, off: i32, len: i32, v: SipVia): i32 {
  const e = listElemEnd(b, off, off + len);
  return viaParse(b, off, e - off, v);
}

// ---------------------------------------------------------------- name-addr (§20.10, §20.20, §20.39, §20.34, §20.30)

export const NA_ALLOW_STAR: i32 = 1;    // Contact: "*" (§10.2.2)
export const NA_NEED_ANGLE: i32 = 2;    // Route / Record-Route: name-addr only

// @ts-ignore: decorator
@unmanaged
export class SipNameAddr {
  /** 1 when the value is Contact "*". */
  star: i32;
  /** display-name (quotes included when quoted), off = -1 when absent. */
  dispOff: i32; dispLen: i32;
  uriOff: i32; uriLen: i32;
  /** UriScheme of the URI. */
  scheme: i32;
  /** 1 when written in <> (name-addr), 0 for addr-spec. */
  angle: i32;
  /** header params after the URI (from the first ';'), off = -1 when none. */
  paramsOff: i32; paramsLen: i32;
  tagOff: i32; tagLen: i32;
  /** Contact expires param, -1 when absent. */
  expires: i64;
}
export function sipNameAddrAt(store: usize): SipNameAddr { return changetype<SipNameAddr>(store); }

const NA_URI = changetype<SipUri>(memory.data(offsetof<SipUri>(), 8));

/** URI check used inside From/To/Contact/Route: sip/sips strictly, any other scheme as absoluteURI. */
function uriKind(b: usize, off: i32, len: i32): i32 {
  // uriParse finds the scheme once and checks non-sip schemes as absoluteURI itself
  return uriParse(b, off, len, NA_URI) ? NA_URI.scheme : UriScheme.None;
}

/**
 * ( name-addr / addr-spec ) *( SEMI param ):
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, display-name = *(token LWS) / quoted-string
 * No LWS just inside <> (RFC 4475 badaspec). In addr-spec form the URI ends at ';' or LWS and
 * may not hold ',', ';' or '?' (§20.10: those need <>; RFC 4475 regbadct).
 */
export function nameAddrParse(b: usize, off: i32, len: i32, na: SipNameAddr, flags: i32, err: i32): i32 {
  const end = lwsTrim(b, off, off + len);
  na.star = 0; na.dispOff = -1; na.dispLen = 0; na.uriOff = -1; na.uriLen = 0; na.scheme = 0; na.angle = 0;
  na.paramsOff = -1; na.paramsLen = 0; na.tagOff = -1; na.tagLen = 0; na.expires = -1;
  let i = lwsSkip(b, off, end);
  if (i >= end) return err;
  let c = at(b, i);
  if (c == 42 && (flags & NA_ALLOW_STAR) != 0 && lwsSkip(b, i + 1, end) == end) { na.star = 1; return SipErr.Ok; }
  let lt = -1;
  if (c == 34) {
    const q = quotedEnd(b, i, end);
    if (q < 0) return err;                     // RFC 4475 quotbal
    na.dispOff = i; na.dispLen = q - i;
    lt = lwsSkip(b, q, end);
    if (lt >= end || at(b, lt) != 60) return err;
  } else {
    let j = i;
    while (j < end) {
      const d = at(b, j);
      if ((hc(d) & (H_TOK | H_LWS)) == 0) break;   // token / LWS
      j++;
    }
    if (j < end && at(b, j) == 60) {
      lt = j;
      const de = lwsTrim(b, i, j);
      if (de > i) { na.dispOff = i; na.dispLen = de - i; }
    }
  }
  if (lt >= 0) {
    const us = lt + 1;
    let gt = us;
    while (gt < end) {
      // eight bytes at a time while none is '>' or below 33 (LWS is 9, 10, 13, 32)
      if (gt + 8 <= end) { const x = load<u64>(b + <usize>gt); if (!swLess(x, 33) && !swHas(x, 62)) { gt += 8; continue; } }
      const d = at(b, gt);
      if (d == 62) break;
      if (isLws(d)) return err;
      gt++;
    }
    if (gt >= end || gt == us) return err;
    na.uriOff = us; na.uriLen = gt - us; na.angle = 1;
    i = gt + 1;
  } else {
    if ((flags & NA_NEED_ANGLE) != 0) return err;
    const us = i;
    while (i < end) {
      c = at(b, i);
      if (c == 59 || isLws(c)) break;
      if (c == 63 || c == 44 || c == 60 || c == 62 || c == 34) return err;
      i++;
    }
    na.uriOff = us; na.uriLen = i - us;
  }
  na.scheme = uriKind(b, na.uriOff, na.uriLen);
  if (na.scheme == UriScheme.None) return err;
  // *( SEMI param )
  i = lwsSkip(b, i, end);
  if (i < end) { na.paramsOff = i; na.paramsLen = end - i; }
  while (i < end) {
    if (at(b, i) != 59) return err;
    i = lwsSkip(b, i + 1, end);
    const pe = paramAt(b, i, end);
    if (pe < 0) return err;                    // empty param: RFC 4475 badinv01 Contact ";;;;"
    const po = pNameOff, nl = pNameLen;   // length first, then the name as words (as in viaParse)
    if (nl == 3 && lc2(b, po) == 0x6174 && lc(b, po + 2) == 103) {                      // "tag"
      if (pValOff < 0) return err;
      na.tagOff = pValOff; na.tagLen = pValLen;
    } else if (nl == 7 && lc4(b, po) == 0x69707865 && lc2(b, po + 4) == 0x6572 && lc(b, po + 6) == 115) {   // "expires"
      if (pValOff < 0) return err;
      const x = scalarParse(b, pValOff, pValLen, 4294967295);   // delta-seconds, §20.10 / RFC 4475 scalar02
      if (x < 0) return err;
      na.expires = x;
    }
    i = lwsSkip(b, pe, end);
  }
  return SipErr.Ok;
}

// ---------------------------------------------------------------- CSeq (§20.16, §8.1.1.5)

// @ts-ignore: decorator
@unmanaged
export class SipCSeq {
  num: u32;
  method: i32;
  methodOff: i32; methodLen: i32;
}
export function sipCSeqAt(store: usize): SipCSeq { return changetype<SipCSeq>(store); }

/** CSeq = 1*DIGIT LWS Method; the number must be < 2^31 (§8.1.1.5, RFC 4475 scalar02/scalarlg). */
export function cseqParse(b: usize, off: i32, len: i32, cs: SipCSeq): i32 {
  const end = lwsTrim(b, off, off + len);
  let i = lwsSkip(b, off, end);
  const ns = i;
  let v: u64 = 0;
  while (i < end && isClass(at(b, i), C_DIGIT)) {
    v = v * 10 + <u64>(at(b, i) - 48);
    if (v > 2147483647) return SipErr.CSeq;
    i++;
  }
  if (i == ns) return SipErr.CSeq;
  const ms = lwsSkip(b, i, end);
  if (ms == i) return SipErr.CSeq;
  const me = tokenEnd(b, ms, end);
  if (me == ms || me != end) return SipErr.CSeq;
  cs.num = <u32>v; cs.methodOff = ms; cs.methodLen = me - ms; cs.method = methodOf(b, ms, me - ms);
  return SipErr.Ok;
}

/** Method enum of a token (methods are case-sensitive, §7.1). */
export function methodOf(b: usize, off: i32, len: i32): i32 {
  const p = b + <usize>off;
  switch (len) {
    case 3:
      if (eqExact(p, 3, "ACK")) return Method.ACK;
      if (eqExact(p, 3, "BYE")) return Method.BYE;
      break;
    case 4:
      if (eqExact(p, 4, "INFO")) return Method.INFO;
      break;
    case 5:
      if (eqExact(p, 5, "PRACK")) return Method.PRACK;
      if (eqExact(p, 5, "REFER")) return Method.REFER;
      break;
    case 6:
      if (eqExact(p, 6, "INVITE")) return Method.INVITE;
      if (eqExact(p, 6, "CANCEL")) return Method.CANCEL;
      if (eqExact(p, 6, "UPDATE")) return Method.UPDATE;
      if (eqExact(p, 6, "NOTIFY")) return Method.NOTIFY;
      break;
    case 7:
      if (eqExact(p, 7, "OPTIONS")) return Method.OPTIONS;
      if (eqExact(p, 7, "MESSAGE")) return Method.MESSAGE;
      if (eqExact(p, 7, "PUBLISH")) return Method.PUBLISH;
      break;
    case 8:
      if (eqExact(p, 8, "REGISTER")) return Method.REGISTER;
      break;
    case 9:
      if (eqExact(p, 9, "SUBSCRIBE")) return Method.SUBSCRIBE;
      break;
  }
  return Method.Unknown;
}

// ---------------------------------------------------------------- Call-ID (§20.8, §25.1)

/** word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
function wordChar(c: u32): bool {
  return isTok(c) || c == 40 || c == 41 || c == 60 || c == 62 || c == 58 || c == 92 || c == 34 ||
    c == 47 || c == 91 || c == 93 || c == 63 || c == 123 || c == 125;
}
export function callIdOk(b: usize, off: i32, len: i32): bool {
  const end = lwsTrim(b, off, off + len);
  const s = lwsSkip(b, off, end);
  let ats = 0, atPos = -1;
  for (let i = s; i < end; i++) {
    const c = at(b, i);
    if (c == 64) { ats++; atPos = i; continue; }
    if (!wordChar(c)) return false;
  }
  if (s >= end || ats > 1) return false;
  if (ats == 1 && (atPos == s || atPos == end - 1)) return false;
  return true;
}

// ---------------------------------------------------------------- media types (§20.15, §20.1)

// @ts-ignore: decorator
@unmanaged
export class SipMediaType {
  typeOff: i32; typeLen: i32;
  subOff: i32; subLen: i32;
  /** params from the first ';', off = -1 when none. */
  paramsOff: i32; paramsLen: i32;
}
export function sipMediaTypeAt(store: usize): SipMediaType { return changetype<SipMediaType>(store); }

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter); also media-range ("*" is a token char). */
export function mediaTypeParse(b: usize, off: i32, len: i32, mt: SipMediaType): i32 {
  const end = lwsTrim(b, off, off + len);
  let i = lwsSkip(b, off, end);
  let e = tokenEnd(b, i, end);
  if (e == i) return SipErr.ContentType;
  mt.typeOff = i; mt.typeLen = e - i;
  i = lwsSkip(b, e, end);
  if (i >= end || at(b, i) != 47) return SipErr.ContentType;
  i = lwsSkip(b, i + 1, end);
  e = tokenEnd(b, i, end);
  if (e == i) return SipErr.ContentType;
  mt.subOff = i; mt.subLen = e - i;
  mt.paramsOff = -1; mt.paramsLen = 0;
  i = lwsSkip(b, e, end);
  if (i < end) { mt.paramsOff = i; mt.paramsLen = end - i; }
  while (i < end) {
    if (at(b, i) != 59) return SipErr.ContentType;
    i = lwsSkip(b, i + 1, end);
    const pe = paramAt(b, i, end);
    if (pe < 0) return SipErr.ContentType;
    i = lwsSkip(b, pe, end);
  }
  return SipErr.Ok;
}

/** option-tag *(COMMA option-tag) (§20.32, §20.37); an empty value is allowed for Supported only (caller). */
export function tokenListCheck(b: usize, off: i32, len: i32): bool {
  const end = off + len;
  let p = off;
  for (let guard = 0; guard <= len; guard++) {
    const e = listElemEnd(b, p, end);
    const te = lwsTrim(b, p, e);
    const ts = lwsSkip(b, p, te);
    if (ts >= te || tokenEnd(b, ts, te) != te) return false;
    if (e >= end) return true;
    p = e + 1;
  }
  return false;
}
