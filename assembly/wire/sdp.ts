// SDP parser for MSRP chat media: a zero-copy view (offsets into the body) of one
// session description, with the attributes an MSRP endpoint needs pulled out.
//
// RFCs and sections:
//   RFC 4566 §5     "<type>=<value>" records, one letter type, no SP around "=", lines end
//                   in CRLF ("parsers SHOULD be tolerant" of a bare LF: opt-in SDP_LENIENT_LF);
//                   fixed line order (v o s i u e p c b t r z k a, then m i c b k a per media);
//                   a type letter we do not understand makes the whole description unusable.
//   RFC 4566 §5.1   v=0;  §5.2 o= has six fields;  §5.3 s= is not empty;
//                   §5.7 c=<nettype> <addrtype> <address>, needed at session level or in
//                   every media section;  §5.9 t=<start> <stop>;  §5.14 m=<media> <port>[/n] <proto> <fmt>...
//   RFC 4975 §8     m=message <port> TCP/MSRP|TCP/TLS/MSRP *, a=accept-types (mandatory),
//                   a=accept-wrapped-types, a=max-size, a=path (mandatory, SP-separated URIs)
//   RFC 4975 §9     MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport *(";" URI-parameter)
//                   format-entry = "*" / type "/" subtype / type "/" "*"
//   RFC 6135, RFC 4145 §4/§5  a=setup:active|passive|actpass|holdconn, a=connection:new|existing
//   RFC 4572 §5     a=fingerprint:<hash-func> SP 2UHEX *(":" 2UHEX)
//   RFC 3264 §6     a media section with port 0 is declined: MSRP attributes are not required there.
//
// The body is complete when we are called (SIP Content-Length framed it), so the parser is
// not incremental: parseSdp returns the body length or BAD with view.err set (never NEED_MORE).
// An MSRP section that misses a=path or a=accept-types, or has a bad path URI, is rejected:
// the SIP layer answers 488 Not Acceptable Here (sdpErrCode).

import { SDP_ATTR_MAX, SDP_MEDIA_MAX, SDP_PATH_MAX } from "../mem/limits";
import { BAD } from "../mem/result";
import { eqNoCase, eqExact, isClass, isDigit, C_TOKEN, C_UNRESERVED, C_HEX, C_ALPHA, C_DIGIT } from "../mem/bytes";

/** parse flag: accept records ended by a bare LF (RFC 4566 §5 "SHOULD be tolerant"). Off by default. */
export const SDP_LENIENT_LF: i32 = 2;

export const enum SdpErr {
  Ok = 0, Empty = 1, LineEnd = 2, LineSyntax = 3, UnknownType = 4, Order = 5, MissingLine = 6,
  Version = 7, Origin = 8, SessionName = 9, Connection = 10, Timing = 11, Media = 12,
  AttrSyntax = 13, TooManyMedia = 14, TooManyAttrs = 15, NoConnection = 16, BadByte = 17,
  MsrpNoPath = 18, MsrpNoAcceptTypes = 19, MsrpBadPath = 20, MsrpBadAcceptTypes = 21,
  MsrpBadMaxSize = 22, BadSetup = 23, BadConnectionAttr = 24, BadFingerprint = 25,
  DuplicateAttr = 26, TooLarge = 27, Count = 28
}

/** a=setup roles (RFC 4145 §4). */
export const enum SdpSetup { None = 0, ActPass = 1, Active = 2, Passive = 3, HoldConn = 4 }
/** a=connection values (RFC 4145 §5). */
export const enum SdpConn { None = 0, New = 1, Existing = 2 }

/** Reply code for an error: the SIP layer answers 488 to an unusable offer (RFC 3261 §21.4.26). */
export function sdpErrCode(e: i32): i32 {
  if (e == SdpErr.Ok) return 0;
  if (e == SdpErr.TooLarge) return 413;
  return 488;
}

export function sdpErrReason(e: i32): string {
  switch (e) {
    case SdpErr.Ok: return "ok";
    case SdpErr.Empty: return "empty SDP";
    case SdpErr.LineEnd: return "SDP line not ended by CRLF";
    case SdpErr.LineSyntax: return "SDP line is not type=value";
    case SdpErr.UnknownType: return "unknown SDP line type";
    case SdpErr.Order: return "SDP line out of order";
    case SdpErr.MissingLine: return "missing v=, o=, s= or t= line";
    case SdpErr.Version: return "bad v= line";
    case SdpErr.Origin: return "bad o= line";
    case SdpErr.SessionName: return "bad s= line";
    case SdpErr.Connection: return "bad c= line";
    case SdpErr.Timing: return "bad t= line";
    case SdpErr.Media: return "bad m= line";
    case SdpErr.AttrSyntax: return "bad a= line";
    case SdpErr.TooManyMedia: return "too many media sections";
    case SdpErr.TooManyAttrs: return "too many attributes";
    case SdpErr.NoConnection: return "media without connection address";
    case SdpErr.BadByte: return "NUL in SDP";
    case SdpErr.MsrpNoPath: return "MSRP media without a=path";
    case SdpErr.MsrpNoAcceptTypes: return "MSRP media without a=accept-types";
    case SdpErr.MsrpBadPath: return "bad MSRP URI in a=path";
    case SdpErr.MsrpBadAcceptTypes: return "bad accept-types";
    case SdpErr.MsrpBadMaxSize: return "bad max-size";
    case SdpErr.BadSetup: return "bad a=setup";
    case SdpErr.BadConnectionAttr: return "bad a=connection";
    case SdpErr.BadFingerprint: return "bad a=fingerprint";
    case SdpErr.DuplicateAttr: return "duplicate attribute";
    case SdpErr.TooLarge: return "SDP body too large";
  }
  return "SDP error";
}

/** One media section (RFC 4566 §5.14 and the MSRP attributes of RFC 4975 §8). Offsets are into the body. */
// @ts-ignore: decorator
@unmanaged
export class SdpMedia {
  /** m= value span. */
  lineOff: i32; lineLen: i32;
  typeOff: i32; typeLen: i32;
  port: i32;
  /** "/<number of ports>", 0 when absent. */
  portCount: i32;
  protoOff: i32; protoLen: i32;
  /** fmt list span (all formats, SP-separated). */
  fmtOff: i32; fmtLen: i32;
  /** 1 for m=message with TCP/MSRP or TCP/TLS/MSRP. */
  isMsrp: i32;
  /** 1 for TCP/TLS/MSRP. */
  isTls: i32;
  /** c= of this section: 0 none, 4 IP4, 6 IP6. */
  cAddrType: i32; cAddrOff: i32; cAddrLen: i32;
  /** a=path value span and the number of URIs in it. */
  pathOff: i32; pathLen: i32; pathCount: i32;
  acceptOff: i32; acceptLen: i32;
  wrappedOff: i32; wrappedLen: i32;
  /** a=max-size, -1 when absent. */
  maxSize: i64;
  setup: i32;
  connection: i32;
  fpOff: i32; fpLen: i32;
  /** This section's entries in the attribute table. */
  attrFirst: i32; attrCount: i32;
}

/** Attribute table entry: media index (-1 session level), name span, value span (valLen -1: property attribute). */
export const SDP_ATTR_STRIDE: i32 = 20;

// @ts-ignore: decorator
@unmanaged
export class SdpView {
  base: usize;
  len: i32;
  flags: i32;
  err: i32;
  /** Offset of the line that failed (or -1). */
  errOff: i32;
  /** o= fields (RFC 4566 §5.2). */
  oUserOff: i32; oUserLen: i32;
  oSessIdOff: i32; oSessIdLen: i32;
  oVersionOff: i32; oVersionLen: i32;
  oAddrType: i32; oAddrOff: i32; oAddrLen: i32;
  sOff: i32; sLen: i32;
  /** Session-level c=: 0 none, 4 IP4, 6 IP6. */
  cAddrType: i32; cAddrOff: i32; cAddrLen: i32;
  /** First t= value span and the number of t= lines. */
  tOff: i32; tLen: i32; tCount: i32;
  /** Session-level a=setup / a=connection / a=fingerprint (RFC 4145 and RFC 4572 allow them there). */
  setup: i32; connection: i32;
  fpOff: i32; fpLen: i32;
  mediaCount: i32;
  attrCount: i32;
  attrs: usize;
  media: usize;

  // @ts-ignore: decorator
  @inline m(i: i32): SdpMedia { return changetype<SdpMedia>(this.media + <usize>(i * offsetof<SdpMedia>())); }
  // @ts-ignore: decorator
  @inline attrMedia(i: i32): i32 { return load<i32>(this.attrs + <usize>(i * SDP_ATTR_STRIDE)); }
  // @ts-ignore: decorator
  @inline attrNameOff(i: i32): i32 { return load<i32>(this.attrs + <usize>(i * SDP_ATTR_STRIDE), 4); }
  // @ts-ignore: decorator
  @inline attrNameLen(i: i32): i32 { return load<i32>(this.attrs + <usize>(i * SDP_ATTR_STRIDE), 8); }
  // @ts-ignore: decorator
  @inline attrValOff(i: i32): i32 { return load<i32>(this.attrs + <usize>(i * SDP_ATTR_STRIDE), 12); }
  // @ts-ignore: decorator
  @inline attrValLen(i: i32): i32 { return load<i32>(this.attrs + <usize>(i * SDP_ATTR_STRIDE), 16); }
}

/**
 * Binds a view to its storage (one memory.data segment per call site, so each owner reserves its own):
 *   const SDP = sdpViewAt(memory.data(offsetof<SdpView>(), 8),
 *                         memory.data(SDP_ATTR_MAX * SDP_ATTR_STRIDE, 8),
 *                         memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
 */
export function sdpViewAt(store: usize, attrs: usize, media: usize): SdpView {
  const v = changetype<SdpView>(store);
  v.attrs = attrs;
  v.media = media;
  return v;
}

// Line-order ranks (RFC 4566 §5). Session: v o s i u e p c b t/r z k a; media: m i c b k a.
// A line may follow one of lower rank, or one of equal rank when the type repeats (b t r a).
// -1: the type letter is not allowed at that level.
// @ts-ignore: decorator
@inline function sessionRank(t: u32): i32 {
  switch (t) {
    case 0x76: return 0;  // v
    case 0x6f: return 1;  // o
    case 0x73: return 2;  // s
    case 0x69: return 3;  // i
    case 0x75: return 4;  // u
    case 0x65: return 5;  // e
    case 0x70: return 6;  // p
    case 0x63: return 7;  // c
    case 0x62: return 8;  // b
    case 0x74: return 9;  // t
    case 0x72: return 9;  // r (after a t, checked below)
    case 0x7a: return 10; // z
    case 0x6b: return 11; // k
    case 0x61: return 12; // a
  }
  return -1;
}
// @ts-ignore: decorator
@inline function mediaRank(t: u32): i32 {
  switch (t) {
    case 0x69: return 1;  // i
    case 0x63: return 2;  // c
    case 0x62: return 3;  // b
    case 0x6b: return 4;  // k
    case 0x61: return 5;  // a
  }
  return -1;
}
// @ts-ignore: decorator
@inline function repeats(t: u32): bool { return t == 0x62 || t == 0x74 || t == 0x72 || t == 0x61; }

/** End of the SP-free field starting at i (bounded by end). */
// @ts-ignore: decorator
@inline function fieldEnd(p: usize, i: i32, end: i32): i32 {
  while (i < end && load<u8>(p + i) != 32) i++;
  return i;
}

/** 1*DIGIT over [off, off+len). */
function allDigits(p: usize, off: i32, len: i32): bool {
  if (len <= 0) return false;
  for (let i = 0; i < len; i++) if (!isDigit(load<u8>(p + off + i))) return false;
  return true;
}

/** Visible, SP-free bytes we accept in an address (FQDN, IPv4, IPv6, multicast "/ttl"). */
function addrOk(p: usize, off: i32, len: i32): bool {
  if (len <= 0) return false;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + off + i);
    if (!isClass(c, C_ALPHA | C_DIGIT) && c != 0x2e && c != 0x2d && c != 0x3a && c != 0x2f) return false;
  }
  return true;
}

/**
 * RFC 4975 §9 MSRP URI at [off, off+len), checked without copying. We speak TCP only, so the
 * transport must be "tcp" (the ABNF also allows other ALPHANUM transports, none registered).
 */
export function msrpUriOk(p: usize, off: i32, len: i32): bool {
  let i = off;
  const end = off + len;
  // msrp-scheme = "msrp" / "msrps" (ABNF strings are case-insensitive, RFC 5234 §2.3)
  if (len >= 7 && eqNoCase(p + i, 7, "msrp://")) i += 7;
  else if (len >= 8 && eqNoCase(p + i, 8, "msrps://")) i += 8;
  else return false;
  // authority = [userinfo "@"] host [":" port] (RFC 3986 §3.2); the authority ends at "/" or ";"
  let aEnd = i;
  while (aEnd < end) {
    const c = load<u8>(p + aEnd);
    if (c == 0x2f || c == 0x3b) break;
    aEnd++;
  }
  let at = -1;
  for (let k = i; k < aEnd; k++) if (load<u8>(p + k) == 0x40) at = k;
  if (at >= 0) {
    if (at == i) return false;
    for (let k = i; k < at; k++) {
      const c = <u32>load<u8>(p + k);
      // userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
      if (!isClass(c, C_UNRESERVED) && c != 0x25 && c != 0x3a && c != 0x26 && c != 0x3d &&
          c != 0x2b && c != 0x24 && c != 0x2c && c != 0x3b) return false;
    }
    i = at + 1;
  }
  if (i >= aEnd) return false;
  if (load<u8>(p + i) == 0x5b) {
    // IP-literal "[" IPv6address "]"
    let k = i + 1;
    while (k < aEnd && load<u8>(p + k) != 0x5d) {
      const c = <u32>load<u8>(p + k);
      if (!isClass(c, C_HEX) && c != 0x3a && c != 0x2e) return false;
      k++;
    }
    if (k >= aEnd || k == i + 1) return false;
    i = k + 1;
  } else {
    // reg-name or IPv4address: alphanum / "-" / "."
    const h = i;
    while (i < aEnd) {
      const c = <u32>load<u8>(p + i);
      if (c == 0x3a) break;
      if (!isClass(c, C_ALPHA | C_DIGIT) && c != 0x2d && c != 0x2e) return false;
      i++;
    }
    if (i == h) return false;
  }
  if (i < aEnd) {
    if (load<u8>(p + i) != 0x3a) return false;
    i++;
    const pLen = aEnd - i;
    if (pLen > 5 || !allDigits(p, i, pLen)) return false;
    let port = 0;
    for (let k = 0; k < pLen; k++) port = port * 10 + <i32>load<u8>(p + i + k) - 48;
    if (port > 65535) return false;
    i = aEnd;
  }
  // ["/" session-id], session-id = 1*( unreserved / "+" / "=" / "/" )
  if (i < end && load<u8>(p + i) == 0x2f) {
    i++;
    const s = i;
    while (i < end) {
      const c = <u32>load<u8>(p + i);
      if (c == 0x3b) break;
      if (!isClass(c, C_UNRESERVED) && c != 0x2b && c != 0x3d && c != 0x2f) return false;
      i++;
    }
    if (i == s) return false;
  }
  // ";" transport
  if (i >= end || load<u8>(p + i) != 0x3b) return false;
  i++;
  const t = i;
  while (i < end && load<u8>(p + i) != 0x3b) i++;
  if (!eqNoCase(p + t, i - t, "tcp")) return false;
  // *( ";" URI-parameter ), URI-parameter = token ["=" token]
  while (i < end) {
    i++; // the ";"
    const s = i;
    let eq = 0;
    while (i < end && load<u8>(p + i) != 0x3b) {
      const c = <u32>load<u8>(p + i);
      if (c == 0x3d) {
        if (eq != 0 || i == s) return false;
        eq = 1;
      } else if (!isClass(c, C_TOKEN)) return false;
      i++;
    }
    if (i == s || load<u8>(p + i - 1) == 0x3d) return false;
  }
  return true;
}

/** RFC 4975 §9 format-list: SP-separated "*" / type "/" subtype / type "/" "*". */
export function formatListOk(p: usize, off: i32, len: i32): bool {
  if (len <= 0) return false;
  let i = off;
  const end = off + len;
  while (i < end) {
    const s = i;
    let slash = -1;
    while (i < end && load<u8>(p + i) != 32) {
      const c = <u32>load<u8>(p + i);
      if (c == 0x2f) {
        if (slash >= 0) return false;
        slash = i;
      } else if (!isClass(c, C_TOKEN)) return false;
      i++;
    }
    const n = i - s;
    if (n == 0) return false;                                 // empty entry (double SP, leading/trailing SP)
    if (slash < 0) {
      if (n != 1 || load<u8>(p + s) != 0x2a) return false;   // a bare entry must be "*"
    } else {
      if (slash == s || slash == i - 1) return false;        // empty type or subtype
      if (load<u8>(p + s) == 0x2a && slash == s + 1) return false; // "*/x" is not a format
    }
    if (i < end) {
      i++; // SP
      if (i == end) return false;
    }
  }
  return true;
}

/** RFC 4572 §5: hash-func SP fingerprint, fingerprint = 2UHEX *(":" 2UHEX). */
function fingerprintOk(p: usize, off: i32, len: i32): bool {
  const end = off + len;
  let i = off;
  while (i < end && isClass(load<u8>(p + i), C_TOKEN)) i++;
  if (i == off || i >= end || load<u8>(p + i) != 32) return false;
  i++;
  let groups = 0;
  while (i < end) {
    if (groups > 0) {
      if (load<u8>(p + i) != 0x3a) return false;
      i++;
    }
    if (i + 2 > end) return false;
    for (let k = 0; k < 2; k++) {
      const c = <u32>load<u8>(p + i + k);
      if (!isDigit(c) && (c < 0x41 || c > 0x46)) return false;   // UHEX: upper case only
    }
    i += 2;
    groups++;
    if (groups > 64) return false;
  }
  return groups > 0;
}

/** Counts SP-separated MSRP URIs of an a=path value, or -1 when one is bad. */
function pathCount(p: usize, off: i32, len: i32): i32 {
  if (len <= 0) return -1;
  let i = off;
  const end = off + len;
  let n = 0;
  while (i < end) {
    const e = fieldEnd(p, i, end);
    if (e == i || !msrpUriOk(p, i, e - i)) return -1;
    n++;
    if (n > SDP_PATH_MAX) return -1;
    i = e;
    if (i < end) {
      i++;
      if (i == end) return -1;   // trailing SP
    }
  }
  return n;
}

/** c=<nettype> SP <addrtype> SP <address>: fills type/off/len through the out pointer (3 i32). */
function parseConn(p: usize, off: i32, end: i32, out: usize): bool {
  const a = fieldEnd(p, off, end);
  if (!eqExact(p + off, a - off, "IN") || a >= end) return false;
  const b = fieldEnd(p, a + 1, end);
  let t = 0;
  if (eqExact(p + a + 1, b - a - 1, "IP4")) t = 4;
  else if (eqExact(p + a + 1, b - a - 1, "IP6")) t = 6;
  else return false;
  if (b >= end) return false;
  const c = fieldEnd(p, b + 1, end);
  if (c != end || !addrOk(p, b + 1, c - b - 1)) return false;
  store<i32>(out, t);
  store<i32>(out, b + 1, 4);
  store<i32>(out, c - b - 1, 8);
  return true;
}

const CONN_TMP: usize = memory.data(12, 4);

function fail(v: SdpView, e: i32, lineOff: i32): i32 {
  v.err = e;
  v.errOff = lineOff;
  return BAD;
}

/** Closes media section mi: RFC 4975 §8 mandatory attributes, RFC 4566 §5.7 connection address. */
function closeMedia(v: SdpView, mi: i32): i32 {
  const m = v.m(mi);
  if (m.cAddrType == 0 && v.cAddrType == 0) return SdpErr.NoConnection;
  if (m.isMsrp != 0 && m.port != 0) {
    if (m.pathLen < 0) return SdpErr.MsrpNoPath;
    if (m.acceptLen < 0) return SdpErr.MsrpNoAcceptTypes;
  }
  return SdpErr.Ok;
}

/** a=setup / a=connection values (ABNF literals: case-insensitive). */
function setupOf(p: usize, off: i32, len: i32): i32 {
  if (eqNoCase(p + off, len, "actpass")) return SdpSetup.ActPass;
  if (eqNoCase(p + off, len, "active")) return SdpSetup.Active;
  if (eqNoCase(p + off, len, "passive")) return SdpSetup.Passive;
  if (eqNoCase(p + off, len, "holdconn")) return SdpSetup.HoldConn;
  return SdpSetup.None;
}
function connOf(p: usize, off: i32, len: i32): i32 {
  if (eqNoCase(p + off, len, "new")) return SdpConn.New;
  if (eqNoCase(p + off, len, "existing")) return SdpConn.Existing;
  return SdpConn.None;
}

function resetMedia(m: SdpMedia): void {
  m.lineOff = 0; m.lineLen = 0; m.typeOff = 0; m.typeLen = 0; m.port = 0; m.portCount = 0;
  m.protoOff = 0; m.protoLen = 0; m.fmtOff = 0; m.fmtLen = 0; m.isMsrp = 0; m.isTls = 0;
  m.cAddrType = 0; m.cAddrOff = 0; m.cAddrLen = 0;
  m.pathOff = 0; m.pathLen = -1; m.pathCount = 0;
  m.acceptOff = 0; m.acceptLen = -1; m.wrappedOff = 0; m.wrappedLen = -1;
  m.maxSize = -1; m.setup = SdpSetup.None; m.connection = SdpConn.None;
  m.fpOff = 0; m.fpLen = -1; m.attrFirst = 0; m.attrCount = 0;
}

/** m=<media> SP <port>["/"<n>] SP <proto> 1*(SP <fmt>) (RFC 4566 §5.14). Returns SdpErr. */
function parseMediaLine(v: SdpView, m: SdpMedia, off: i32, end: i32): i32 {
  const p = v.base;
  m.lineOff = off; m.lineLen = end - off;
  const a = fieldEnd(p, off, end);
  if (a == off || a >= end) return SdpErr.Media;
  for (let k = off; k < a; k++) if (!isClass(load<u8>(p + k), C_TOKEN)) return SdpErr.Media;
  m.typeOff = off; m.typeLen = a - off;
  const b = fieldEnd(p, a + 1, end);
  if (b >= end) return SdpErr.Media;
  let slash = a + 1;
  while (slash < b && load<u8>(p + slash) != 0x2f) slash++;
  const portLen = slash - a - 1;
  if (portLen > 5 || !allDigits(p, a + 1, portLen)) return SdpErr.Media;
  let port = 0;
  for (let k = 0; k < portLen; k++) port = port * 10 + <i32>load<u8>(p + a + 1 + k) - 48;
  if (port > 65535) return SdpErr.Media;
  m.port = port;
  if (slash < b) {
    const cl = b - slash - 1;
    if (cl > 5 || !allDigits(p, slash + 1, cl)) return SdpErr.Media;
    let cnt = 0;
    for (let k = 0; k < cl; k++) cnt = cnt * 10 + <i32>load<u8>(p + slash + 1 + k) - 48;
    if (cnt == 0) return SdpErr.Media;
    m.portCount = cnt;
  }
  const c = fieldEnd(p, b + 1, end);
  if (c == b + 1 || c >= end) return SdpErr.Media;
  for (let k = b + 1; k < c; k++) {
    const ch = <u32>load<u8>(p + k);
    if (!isClass(ch, C_TOKEN) && ch != 0x2f) return SdpErr.Media;
  }
  m.protoOff = b + 1; m.protoLen = c - b - 1;
  // fmt list: 1*(SP fmt), fmt = token
  let i = c + 1;
  if (i >= end) return SdpErr.Media;
  m.fmtOff = i; m.fmtLen = end - i;
  while (i < end) {
    const e = fieldEnd(p, i, end);
    if (e == i) return SdpErr.Media;
    for (let k = i; k < e; k++) if (!isClass(load<u8>(p + k), C_TOKEN)) return SdpErr.Media;
    i = e;
    if (i < end) {
      i++;
      if (i == end) return SdpErr.Media;
    }
  }
  // RFC 4975 §8: MSRP media is "message" over TCP/MSRP or TCP/TLS/MSRP
  if (eqExact(p + m.typeOff, m.typeLen, "message")) {
    if (eqExact(p + m.protoOff, m.protoLen, "TCP/MSRP")) m.isMsrp = 1;
    else if (eqExact(p + m.protoOff, m.protoLen, "TCP/TLS/MSRP")) { m.isMsrp = 1; m.isTls = 1; }
  }
  return SdpErr.Ok;
}

/** One a= line at media mi (-1 session). Returns SdpErr. */
function parseAttr(v: SdpView, mi: i32, off: i32, end: i32): i32 {
  const p = v.base;
  // attribute = (att-field ":" att-value) / att-field, att-field = token (RFC 4566 §9)
  let i = off;
  while (i < end && load<u8>(p + i) != 0x3a) {
    if (!isClass(load<u8>(p + i), C_TOKEN)) return SdpErr.AttrSyntax;
    i++;
  }
  const nLen = i - off;
  if (nLen == 0) return SdpErr.AttrSyntax;
  let vOff = 0, vLen = -1;
  if (i < end) {
    vOff = i + 1; vLen = end - i - 1;
    if (vLen == 0) return SdpErr.AttrSyntax;   // att-value = byte-string, at least one byte
  }
  if (v.attrCount >= SDP_ATTR_MAX) return SdpErr.TooManyAttrs;
  const e = v.attrs + <usize>(v.attrCount * SDP_ATTR_STRIDE);
  store<i32>(e, mi); store<i32>(e, off, 4); store<i32>(e, nLen, 8); store<i32>(e, vOff, 12); store<i32>(e, vLen, 16);
  v.attrCount++;
  const n = p + off;
  if (eqExact(n, nLen, "setup")) {
    const s = vLen > 0 ? setupOf(p, vOff, vLen) : SdpSetup.None;
    if (s == SdpSetup.None) return SdpErr.BadSetup;
    if (mi < 0) {
      if (v.setup != SdpSetup.None) return SdpErr.DuplicateAttr;
      v.setup = s;
    } else {
      const m = v.m(mi);
      if (m.setup != SdpSetup.None) return SdpErr.DuplicateAttr;
      m.setup = s;
    }
    return SdpErr.Ok;
  }
  if (eqExact(n, nLen, "connection")) {
    const s = vLen > 0 ? connOf(p, vOff, vLen) : SdpConn.None;
    if (s == SdpConn.None) return SdpErr.BadConnectionAttr;
    if (mi < 0) {
      if (v.connection != SdpConn.None) return SdpErr.DuplicateAttr;
      v.connection = s;
    } else {
      const m = v.m(mi);
      if (m.connection != SdpConn.None) return SdpErr.DuplicateAttr;
      m.connection = s;
    }
    return SdpErr.Ok;
  }
  if (eqExact(n, nLen, "fingerprint")) {
    if (vLen <= 0 || !fingerprintOk(p, vOff, vLen)) return SdpErr.BadFingerprint;
    // RFC 8122 §5 allows several fingerprints; the first one is kept in the view
    if (mi < 0) {
      if (v.fpLen < 0) { v.fpOff = vOff; v.fpLen = vLen; }
    } else {
      const m = v.m(mi);
      if (m.fpLen < 0) { m.fpOff = vOff; m.fpLen = vLen; }
    }
    return SdpErr.Ok;
  }
  if (mi < 0) return SdpErr.Ok;
  const m = v.m(mi);
  if (m.isMsrp == 0) return SdpErr.Ok;
  // RFC 4975 §8 media attributes
  if (eqExact(n, nLen, "path")) {
    if (m.pathLen >= 0) return SdpErr.DuplicateAttr;
    const c = vLen > 0 ? pathCount(p, vOff, vLen) : -1;
    if (c < 0) return SdpErr.MsrpBadPath;
    m.pathOff = vOff; m.pathLen = vLen; m.pathCount = c;
  } else if (eqExact(n, nLen, "accept-types")) {
    if (m.acceptLen >= 0) return SdpErr.DuplicateAttr;
    if (vLen <= 0 || !formatListOk(p, vOff, vLen)) return SdpErr.MsrpBadAcceptTypes;
    m.acceptOff = vOff; m.acceptLen = vLen;
  } else if (eqExact(n, nLen, "accept-wrapped-types")) {
    if (m.wrappedLen >= 0) return SdpErr.DuplicateAttr;
    if (vLen <= 0 || !formatListOk(p, vOff, vLen)) return SdpErr.MsrpBadAcceptTypes;
    m.wrappedOff = vOff; m.wrappedLen = vLen;
  } else if (eqExact(n, nLen, "max-size")) {
    if (m.maxSize >= 0) return SdpErr.DuplicateAttr;
    if (vLen <= 0 || vLen > 18 || !allDigits(p, vOff, vLen)) return SdpErr.MsrpBadMaxSize;
    let s: i64 = 0;
    for (let k = 0; k < vLen; k++) s = s * 10 + <i64>(load<u8>(p + vOff + k) - 48);
    m.maxSize = s;
  }
  return SdpErr.Ok;
}

/**
 * Parses the SDP body [base, base+len) into v. Returns len, or BAD with v.err (SdpErr) and
 * v.errOff (offset of the failing line). flags: SDP_LENIENT_LF.
 */
export function parseSdp(v: SdpView, base: usize, len: i32, flags: i32): i32 {
  v.base = base; v.len = len; v.flags = flags; v.err = SdpErr.Ok; v.errOff = -1;
  v.oUserOff = 0; v.oUserLen = 0; v.oSessIdOff = 0; v.oSessIdLen = 0; v.oVersionOff = 0; v.oVersionLen = 0;
  v.oAddrType = 0; v.oAddrOff = 0; v.oAddrLen = 0; v.sOff = 0; v.sLen = 0;
  v.cAddrType = 0; v.cAddrOff = 0; v.cAddrLen = 0; v.tOff = 0; v.tLen = 0; v.tCount = 0;
  v.setup = SdpSetup.None; v.connection = SdpConn.None; v.fpOff = 0; v.fpLen = -1;
  v.mediaCount = 0; v.attrCount = 0;
  if (len <= 0) return fail(v, SdpErr.Empty, 0);
  const p = base;
  let pos = 0;
  let rank = -1;        // rank of the last line in the current section
  let mi = -1;          // current media section, -1 while at session level
  let lastType: u32 = 0;
  let seen = 0;         // bits: 1 v, 2 o, 4 s, 8 t
  // every iteration consumes at least one byte (the line end), so at most len lines
  while (pos < len) {
    const lineOff = pos;
    // find the record end: CRLF, or a bare LF under SDP_LENIENT_LF; a lone CR is never valid
    let j = pos;
    while (j < len) {
      const c = load<u8>(p + j);
      if (c == 10) break;
      if (c == 0) return fail(v, SdpErr.BadByte, lineOff);
      j++;
    }
    if (j >= len) return fail(v, SdpErr.LineEnd, lineOff);
    let end = j;
    if (end > pos && load<u8>(p + end - 1) == 13) end--;
    else if ((flags & SDP_LENIENT_LF) == 0) return fail(v, SdpErr.LineEnd, lineOff);
    for (let k = pos; k < end; k++) if (load<u8>(p + k) == 13) return fail(v, SdpErr.LineEnd, lineOff);
    pos = j + 1;
    // <type>=<value>: one lower-case letter, "=", no SP either side (RFC 4566 §5)
    if (end - lineOff < 2 || load<u8>(p + lineOff + 1) != 0x3d) return fail(v, SdpErr.LineSyntax, lineOff);
    const t = <u32>load<u8>(p + lineOff);
    if (t < 0x61 || t > 0x7a) return fail(v, SdpErr.LineSyntax, lineOff);
    const vo = lineOff + 2;
    if (end > vo && load<u8>(p + vo) == 32 && t != 0x73) return fail(v, SdpErr.LineSyntax, lineOff);
    if (t == 0x6d) {
      // m= starts a media section; the session part must be complete (v o s t seen)
      if (seen != 15) return fail(v, SdpErr.MissingLine, lineOff);
      if (mi >= 0) {
        const e = closeMedia(v, mi);
        if (e != SdpErr.Ok) return fail(v, e, v.m(mi).lineOff);
      }
      if (v.mediaCount >= SDP_MEDIA_MAX) return fail(v, SdpErr.TooManyMedia, lineOff);
      mi = v.mediaCount;
      const m = v.m(mi);
      resetMedia(m);
      v.mediaCount++;
      m.attrFirst = v.attrCount;
      const e = parseMediaLine(v, m, vo, end);
      if (e != SdpErr.Ok) return fail(v, e, lineOff);
      rank = 0;
      lastType = t;
      continue;
    }
    let r = mi < 0 ? sessionRank(t) : mediaRank(t);
    if (r < 0) {
      // a letter RFC 4566 defines at the other level is an order error; any other is unknown
      const other = mi < 0 ? mediaRank(t) : sessionRank(t);
      return fail(v, other >= 0 ? SdpErr.Order : SdpErr.UnknownType, lineOff);
    }
    if (r < rank || (r == rank && !repeats(t))) return fail(v, SdpErr.Order, lineOff);
    if (t == 0x72 && lastType != 0x74 && lastType != 0x72) return fail(v, SdpErr.Order, lineOff);
    if (mi < 0) {
      // v= first, then o=, then s= (RFC 4566 §5); t= before anything ranked after it
      if (r >= 1 && (seen & 1) == 0) return fail(v, SdpErr.MissingLine, lineOff);
      if (r >= 2 && (seen & 2) == 0) return fail(v, SdpErr.MissingLine, lineOff);
      if (r >= 3 && (seen & 4) == 0) return fail(v, SdpErr.MissingLine, lineOff);
      if (r >= 10 && (seen & 8) == 0) return fail(v, SdpErr.MissingLine, lineOff);
    }
    rank = r;
    lastType = t;
    const vl = end - vo;
    switch (t) {
      case 0x76: { // v=0 (RFC 4566 §5.1)
        if (!eqExact(p + vo, vl, "0")) return fail(v, SdpErr.Version, lineOff);
        seen |= 1;
        break;
      }
      case 0x6f: { // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
        const a = fieldEnd(p, vo, end);
        if (a == vo || a >= end) return fail(v, SdpErr.Origin, lineOff);
        const b = fieldEnd(p, a + 1, end);
        if (b >= end || !allDigits(p, a + 1, b - a - 1)) return fail(v, SdpErr.Origin, lineOff);
        const c = fieldEnd(p, b + 1, end);
        if (c >= end || !allDigits(p, b + 1, c - b - 1)) return fail(v, SdpErr.Origin, lineOff);
        v.oUserOff = vo; v.oUserLen = a - vo;
        v.oSessIdOff = a + 1; v.oSessIdLen = b - a - 1;
        v.oVersionOff = b + 1; v.oVersionLen = c - b - 1;
        if (!parseConn(p, c + 1, end, CONN_TMP)) return fail(v, SdpErr.Origin, lineOff);
        v.oAddrType = load<i32>(CONN_TMP); v.oAddrOff = load<i32>(CONN_TMP, 4); v.oAddrLen = load<i32>(CONN_TMP, 8);
        seen |= 2;
        break;
      }
      case 0x73: { // s=<session name>, "s= " when there is none (RFC 4566 §5.3)
        if (vl <= 0) return fail(v, SdpErr.SessionName, lineOff);
        v.sOff = vo; v.sLen = vl;
        seen |= 4;
        break;
      }
      case 0x63: { // c=IN IP4|IP6 <address> (RFC 4566 §5.7)
        if (!parseConn(p, vo, end, CONN_TMP)) return fail(v, SdpErr.Connection, lineOff);
        if (mi < 0) {
          v.cAddrType = load<i32>(CONN_TMP); v.cAddrOff = load<i32>(CONN_TMP, 4); v.cAddrLen = load<i32>(CONN_TMP, 8);
        } else {
          const m = v.m(mi);
          m.cAddrType = load<i32>(CONN_TMP); m.cAddrOff = load<i32>(CONN_TMP, 4); m.cAddrLen = load<i32>(CONN_TMP, 8);
        }
        break;
      }
      case 0x74: { // t=<start-time> SP <stop-time> (RFC 4566 §5.9)
        const a = fieldEnd(p, vo, end);
        if (!allDigits(p, vo, a - vo) || a >= end || !allDigits(p, a + 1, end - a - 1)) return fail(v, SdpErr.Timing, lineOff);
        if (v.tCount == 0) { v.tOff = vo; v.tLen = vl; }
        v.tCount++;
        seen |= 8;
        break;
      }
      case 0x61: {
        const e = parseAttr(v, mi, vo, end);
        if (e != SdpErr.Ok) return fail(v, e, lineOff);
        if (mi >= 0) v.m(mi).attrCount++;
        break;
      }
      default: { // i u e p b r z k: text we keep only as the line itself
        if (vl <= 0) return fail(v, SdpErr.LineSyntax, lineOff);
        break;
      }
    }
  }
  if (seen != 15) return fail(v, SdpErr.MissingLine, len);
  if (mi >= 0) {
    const e = closeMedia(v, mi);
    if (e != SdpErr.Ok) return fail(v, e, v.m(mi).lineOff);
  }
  return len;
}
