// MSRP and MSRPS URIs and the SP-separated URI lists of To-Path, From-Path and Use-Path.
// RFC 4975 §6 (MSRP URIs), §6.1 (comparison), §9:
//   MSRP-URI    = msrp-scheme "://" authority ["/" session-id] ";" transport *( ";" URI-parameter )
//   msrp-scheme = "msrp" / "msrps"
//   session-id  = 1*( unreserved / "+" / "=" / "/" )
//   transport   = "tcp" / 1*ALPHANUM
//   URI-parameter = token ["=" token]
//   authority   = [ userinfo "@" ] host [ ":" port ]          (RFC 3986 §3.2)
//   To-Path     = "To-Path:" SP MSRP-URI *( SP MSRP-URI )
// RFC 4976 §5 (Use-Path has the same shape). Parsing is iterative and zero-copy: the view
// holds offsets into the caller's buffer (base p), nothing is copied.

import { isClass, C_ALPHA, C_DIGIT, C_TOKEN, C_UNRESERVED, C_HEX, eqSpan, lower } from "../mem/bytes";

// @ts-ignore: decorator
@unmanaged
export class MsrpUri {
  /** 1 for msrps (TLS), 0 for msrp. */
  secure: i32;
  /** userinfo before '@' (len 0 = absent). */
  userOff: i32; userLen: i32;
  /** host; an IPv6 reference keeps its brackets. */
  hostOff: i32; hostLen: i32;
  hostV6: i32;
  /** port number, 0 when absent. */
  port: i32;
  /** session-id (len 0 = absent: relay URIs in RFC 4976 AUTH carry none). */
  sessOff: i32; sessLen: i32;
  transOff: i32; transLen: i32;
  /** URI parameters after the transport, without the leading ';' (len 0 = none). */
  paramsOff: i32; paramsLen: i32;
  /** Offset just after the URI. */
  end: i32;
}

/** Bytes reserved for one MsrpUri view. */
export const MSRP_URI_SIZE: i32 = offsetof<MsrpUri>();

const SCRATCH: usize = memory.data(64, 8);

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): u32 { return <u32>load<u8>(p + <usize>i); }

/** RFC 3986 unreserved / sub-delims minus ';' (it starts the transport) — reg-name and userinfo. */
function isHostChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 0x25 /* % */ || c == 0x24 || c == 0x26 || c == 0x2b || c == 0x2c || c == 0x3d;
}

/** RFC 4975 §9 session-id char: unreserved / "+" / "=" / "/" (RFC 3986 unreserved: ALPHA DIGIT - . _ ~). */
function isSessChar(c: u32): bool {
  return isClass(c, C_ALPHA | C_DIGIT) || c == 0x2d || c == 0x2e || c == 0x5f || c == 0x7e || c == 0x2b || c == 0x3d || c == 0x2f;
}

/**
 * Parses one MSRP-URI starting at off, ending at the first SP or at end.
 * Fills u (offsets relative to p) and returns the offset after the URI, or -1.
 */
export function msrpUriParse(u: MsrpUri, p: usize, off: i32, end: i32): i32 {
  let i = off;
  // scheme: "msrp" / "msrps", caseless (RFC 3986 §3.1)
  if (end - i < 7) return -1;
  if (lower(at(p, i)) != 0x6d || lower(at(p, i + 1)) != 0x73 || lower(at(p, i + 2)) != 0x72 || lower(at(p, i + 3)) != 0x70) return -1;
  i += 4;
  u.secure = 0;
  if (i < end && lower(at(p, i)) == 0x73) { u.secure = 1; i++; }
  if (end - i < 3 || at(p, i) != 0x3a || at(p, i + 1) != 0x2f || at(p, i + 2) != 0x2f) return -1;
  i += 3;
  // userinfo "@": look ahead for '@' before the host ends (userinfo never holds '/' or SP)
  u.userOff = i; u.userLen = 0;
  let j = i;
  while (j < end) {
    const c = at(p, j);
    if (c == 0x40 || c == 0x2f || c == 0x20 || c == 0x5b) break;
    j++;
  }
  if (j < end && at(p, j) == 0x40) {
    for (let k = i; k < j; k++) {
      const c = at(p, k);
      if (!isHostChar(c) && c != 0x3a && c != 0x3b) return -1;
    }
    u.userLen = j - i;
    i = j + 1;
  }
  // host = IP-literal / IPv4address / reg-name (RFC 3986 §3.2.2)
  u.hostOff = i; u.hostV6 = 0;
  if (i < end && at(p, i) == 0x5b) {
    i++;
    const h0 = i;
    while (i < end && (isClass(at(p, i), C_HEX) || at(p, i) == 0x3a || at(p, i) == 0x2e)) i++;
    if (i == h0 || i >= end || at(p, i) != 0x5d) return -1;
    i++;
    u.hostV6 = 1;
  } else {
    while (i < end && isHostChar(at(p, i))) i++;
  }
  u.hostLen = i - u.hostOff;
  if (u.hostLen == 0) return -1;
  // port: 1*5DIGIT, at most 65535
  u.port = 0;
  if (i < end && at(p, i) == 0x3a) {
    i++;
    let v = 0, nd = 0;
    while (i < end && at(p, i) - 48 < 10 && nd < 6) { v = v * 10 + <i32>(at(p, i) - 48); i++; nd++; }
    if (nd == 0 || nd > 5 || v > 65535) return -1;
    u.port = v;
  }
  // ["/" session-id]
  u.sessOff = i; u.sessLen = 0;
  if (i < end && at(p, i) == 0x2f) {
    i++;
    u.sessOff = i;
    while (i < end && isSessChar(at(p, i))) i++;
    u.sessLen = i - u.sessOff;
    if (u.sessLen == 0) return -1;
  }
  // ";" transport: mandatory (§9)
  if (i >= end || at(p, i) != 0x3b) return -1;
  i++;
  u.transOff = i;
  while (i < end && isClass(at(p, i), C_ALPHA | C_DIGIT)) i++;
  u.transLen = i - u.transOff;
  if (u.transLen == 0) return -1;
  // *( ";" token ["=" token] )
  u.paramsOff = i; u.paramsLen = 0;
  if (i < end && at(p, i) == 0x3b) u.paramsOff = i + 1;
  while (i < end && at(p, i) == 0x3b) {
    i++;
    const t0 = i;
    while (i < end && isClass(at(p, i), C_TOKEN)) i++;
    if (i == t0) return -1;
    if (i < end && at(p, i) == 0x3d) {
      i++;
      const v0 = i;
      while (i < end && isClass(at(p, i), C_TOKEN)) i++;
      if (i == v0) return -1;
    }
    u.paramsLen = i - u.paramsOff;
  }
  if (i < end && at(p, i) != 0x20) return -1;
  u.end = i;
  return i;
}

/**
 * Walks the SP-separated URI list [off, off+len) and fills u with URI number idx (0-based;
 * idx < 0 = just validate). Returns the number of URIs, or -1 if any is malformed
 * (or idx is beyond the list).
 */
export function msrpPathNth(u: MsrpUri, p: usize, off: i32, len: i32, idx: i32): i32 {
  const end = off + len;
  let i = off;
  let n = 0;
  let found = idx < 0;
  // every pass consumes at least the 7-byte scheme, so the loop is bounded by len
  while (i < end) {
    const target = n == idx ? u : changetype<MsrpUri>(SCRATCH);
    const e = msrpUriParse(target, p, i, end);
    if (e < 0) return -1;
    if (n == idx) found = true;
    n++;
    i = e;
    if (i < end) {
      // one SP between URIs (§9 *( SP MSRP-URI )); a trailing SP is an error
      i++;
      if (i >= end) return -1;
    }
  }
  if (n == 0 || !found) return -1;
  return n;
}

/** Number of URIs in a path value, or -1 if malformed. */
export function msrpPathCount(p: usize, off: i32, len: i32): i32 {
  return msrpPathNth(changetype<MsrpUri>(SCRATCH), p, off, len, -1);
}

/**
 * RFC 4975 §6.1 URI comparison: scheme, host and transport caseless, port numeric,
 * session-id case-sensitive; userinfo and parameters are ignored.
 */
export function msrpUriEq(a: MsrpUri, pa: usize, b: MsrpUri, pb: usize): bool {
  if (a.secure != b.secure || a.port != b.port) return false;
  if (!eqSpan(pa + <usize>a.hostOff, a.hostLen, pb + <usize>b.hostOff, b.hostLen, true)) return false;
  if (!eqSpan(pa + <usize>a.sessOff, a.sessLen, pb + <usize>b.sessOff, b.sessLen, false)) return false;
  return eqSpan(pa + <usize>a.transOff, a.transLen, pb + <usize>b.transOff, b.transLen, true);
}
