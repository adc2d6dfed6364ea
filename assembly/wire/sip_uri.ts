// SIP/SIPS/tel URI parsing (RFC 3261 §19.1.1, §25.1; RFC 3966 for tel; RFC 5118 for IPv6).
// The URI is read in place: every component is an offset/length into `base` (zero copy).
// Escapes (%HEX HEX) are validated, never decoded: RFC 4475 §3.1.1.4 (escnull) wants %00
// kept, so comparisons that need unescaping are the caller's business.
//
// Exported API:
//   uriScheme(base, off, len): i32            -> UriScheme.* (0 = not a scheme at all)
//   uriSchemeLen(base, off, len): i32         -> length of "scheme" before ':' or -1
//   uriParse(base, off, len, uri): bool       -> fills an @unmanaged SipUri; false if malformed
//   uriAbsoluteOk(base, off, len): bool       -> RFC 3261 absoluteURI (any scheme) check
//   uriCheck(base, off, len): i32             -> scheme kind if well formed (sip/sips strict), 0 if not
//   uriParamFind(base, off, len, name): i64   -> (valOff << 32 | valLen) of ";name[=val]" or -1
//   sipUriAt(store): SipUri                   -> binds a view to memory.data storage

import { isClass, C_TOKEN, C_UNRESERVED, C_HEX, C_ALPHA, C_DIGIT, eqNoCase } from "../mem/bytes";

export const enum UriScheme { None = 0, Sip = 1, Sips = 2, Tel = 3, Other = 4 }
export const enum HostKind { None = 0, Name = 1, Ipv4 = 2, Ipv6 = 3 }

// @ts-ignore: decorator
@unmanaged
export class SipUri {
  scheme: i32;
  /** user / password: off = -1 when absent. */
  userOff: i32; userLen: i32;
  passOff: i32; passLen: i32;
  /** host (for IPv6 the brackets are included, RFC 3261 §19.1.1 IPv6reference). */
  hostOff: i32; hostLen: i32; hostKind: i32;
  /** port, -1 when absent. */
  port: i32;
  /** uri-parameters after the first ';' of the hostport (without it); off = -1 when absent. */
  paramsOff: i32; paramsLen: i32;
  /** headers after '?' (without it); off = -1 when absent. */
  headersOff: i32; headersLen: i32;
}

export function sipUriAt(store: usize): SipUri { return changetype<SipUri>(store); }

// @ts-ignore: decorator
@inline function at(b: usize, i: i32): u32 { return <u32>load<u8>(b + <usize>i); }

/** Length of the scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")) before ':' or -1 (§25.1). */
export function uriSchemeLen(b: usize, off: i32, len: i32): i32 {
  if (len < 2 || !isClass(at(b, off), C_ALPHA)) return -1;
  for (let i = 1; i < len; i++) {
    const c = at(b, off + i);
    if (c == 58) return i;
    if ((ucls(c) & U_SCHEME) == 0) return -1;
  }
  return -1;
}

// @ts-ignore: decorator
@inline function lc(b: usize, i: i32): u32 { return at(b, i) | 0x20; }   // exact caseless test against a lowercase letter

export function uriScheme(b: usize, off: i32, len: i32): i32 {
  const n = uriSchemeLen(b, off, len);
  if (n < 0) return UriScheme.None;
  // schemes are caseless (§19.1.4); compared bytewise against lowercase letters
  if (n == 3) {
    const c0 = lc(b, off), c1 = lc(b, off + 1), c2 = lc(b, off + 2);
    if (c0 == 115 && c1 == 105 && c2 == 112) return UriScheme.Sip;        // "sip"
    if (c0 == 116 && c1 == 101 && c2 == 108) return UriScheme.Tel;        // "tel"
  } else if (n == 4) {
    if (lc(b, off) == 115 && lc(b, off + 1) == 105 && lc(b, off + 2) == 112 && lc(b, off + 3) == 115) return UriScheme.Sips;
  }
  return UriScheme.Other;
}

// Character sets of §25.1 beyond unreserved: user-unreserved "&=+$,;?/", password "&=+$,",
// param-unreserved "[]/:&+$", hnv-unreserved "[]/?:+$", uric = reserved / unreserved (RFC 2396),
// plus the host and scheme sets. One 256-entry table, one bit per set (as mem/bytes.ts CLASS),
// so a span check is one load and one test per byte; '%' is in no set (escapes are checked apart).
const U_USER: u8 = 1;     // unreserved / user-unreserved
const U_PASS: u8 = 2;     // unreserved / "&" / "=" / "+" / "$" / ","
const U_PARAM: u8 = 4;    // unreserved / param-unreserved
const U_HNV: u8 = 8;      // unreserved / hnv-unreserved
const U_URIC: u8 = 16;    // reserved / unreserved (and '#', as before)
const U_HOST: u8 = 32;    // hostname bytes: alphanum / "-" / "."
const U_SCHEME: u8 = 64;  // scheme tail: alphanum / "+" / "-" / "."
const U_V4: u8 = 128;     // DIGIT / "."

// @ts-ignore: decorator
@lazy const UCLS: usize = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 31, 0, 16, 31, 0, 23, 31, 31, 31, 31, 95, 19, 127, 255, 29,
  255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 28, 17, 0, 19, 0, 25,
  16, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
  127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 28, 0, 28, 0, 31,
  0, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127,
  127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 0, 0, 0, 31, 0,
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
@inline function ucls(c: u32): u32 { return <u32>load<u8>(UCLS + <usize>c); }
// @ts-ignore: decorator
@inline function isHexAt(b: usize, i: i32): bool { return isClass(at(b, i), C_HEX); }

/**
 * Index of the first byte at or after i (before end) that is neither in set `mask` nor a
 * valid escape "%" HEX HEX lying wholly before end; end if none. -1 for a '%' that is not
 * a valid escape (escapes are validated, never decoded).
 */
// @ts-ignore: decorator
@inline function spanEnd(b: usize, i: i32, end: i32, mask: u32): i32 {
  while (i < end) {
    const c = at(b, i);
    if ((ucls(c) & mask) != 0) { i++; continue; }
    if (c != 37) return i;
    if (i + 2 >= end || !isHexAt(b, i + 1) || !isHexAt(b, i + 2)) return -1;
    i += 3;
  }
  return end;
}

// SWAR test (eight bytes in one u64): exact as to whether some byte equals k.
// @ts-ignore: decorator
@inline function swHas(x: u64, k: u64): bool {
  const y = x ^ (k * 0x0101010101010101);
  return ((y - 0x0101010101010101) & ~y & 0x8080808080808080) != 0;
}

/** Every byte of [off, end) is in set `mask` (U_*) or part of a valid escape. */
function spanOk(b: usize, off: i32, end: i32, mask: u32): bool {
  return spanEnd(b, off, end, mask) == end;
}

/** absoluteURI = scheme ":" 1*uric (hier-part / opaque-part folded into uric, §25.1). */
export function uriAbsoluteOk(b: usize, off: i32, len: i32): bool {
  const n = uriSchemeLen(b, off, len);
  if (n < 0 || n + 1 >= len) return false;
  return spanOk(b, off + n + 1, off + len, U_URIC);
}

/** IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255 ([off, end) is digits and dots). */
function ipv4Ok(b: usize, off: i32, end: i32): bool {
  let dots = 0, v = 0, nd = 0;
  for (let i = off; i < end; i++) {
    const c = at(b, i);
    if (c == 46) {
      if (nd == 0 || v > 255) return false;
      dots++; v = 0; nd = 0;
    } else {
      v = v * 10 + <i32>(c - 48); nd++;
      if (nd > 3) return false;
    }
  }
  return dots == 3 && nd != 0 && v <= 255;   // the last part ends the host
}

/**
 * hostname / IPv4address for [off, end), every byte already known to be in U_HOST;
 * `v4` is the AND of their classes, so U_V4 is set when all are digits and dots.
 */
// @ts-ignore: decorator
@inline function hostNameKind(b: usize, off: i32, end: i32, v4: u32): i32 {
  if (end <= off || !isClass(at(b, off), C_ALPHA | C_DIGIT)) return HostKind.None;
  if ((v4 & U_V4) != 0) return ipv4Ok(b, off, end) ? HostKind.Ipv4 : HostKind.None;
  return HostKind.Name;
}

/**
 * host = hostname / IPv4address / IPv6reference (§25.1). IPv6: hex, ':' and '.' inside
 * brackets; RFC 5118 §4.10 says tolerate the "2001:db8:::192.0.2.1" form, so we do not
 * count colons. Returns HostKind or None.
 */
export function hostKindOf(b: usize, off: i32, len: i32): i32 {
  if (len <= 0) return HostKind.None;
  if (at(b, off) == 91) {
    if (len < 4 || len > 47 || at(b, off + len - 1) != 93) return HostKind.None;
    let colons = 0;
    for (let i = off + 1; i < off + len - 1; i++) {
      const c = at(b, i);
      if (c == 58) colons++;
      else if (!(isClass(c, C_HEX) || c == 46)) return HostKind.None;
    }
    return colons >= 2 ? HostKind.Ipv6 : HostKind.None;
  }
  const end = off + len;
  let v4: u32 = U_HOST | U_V4;
  for (let i = off; i < end; i++) {
    const k = ucls(at(b, i));
    if ((k & U_HOST) == 0) return HostKind.None;
    v4 &= k;
  }
  return hostNameKind(b, off, end, v4);
}

/**
 * SIP-URI / SIPS-URI (§19.1.1, §25.1):
 *   sip: [ userinfo "@" ] hostport uri-parameters [ headers ]
 * userinfo may hold ';' '?' '/' (RFC 4475 §3.1.1.9 semiuri), so the '@' is found first:
 * neither host, params nor headers may contain a bare '@', hence the first one delimits.
 * One pass per part: the '@' search also notes the first ':', and each part is checked
 * against its character set while it is delimited (no rescans).
 */
export function uriParse(b: usize, off: i32, len: i32, u: SipUri): bool {
  u.scheme = UriScheme.None;
  u.userOff = -1; u.userLen = 0; u.passOff = -1; u.passLen = 0;
  u.hostOff = -1; u.hostLen = 0; u.hostKind = HostKind.None; u.port = -1;
  u.paramsOff = -1; u.paramsLen = 0; u.headersOff = -1; u.headersLen = 0;
  // "sip:" (caseless letters, exact ':') is what uriScheme would find; other schemes take the long way
  let sch = UriScheme.None;
  if (len >= 4 && (load<u32>(b + <usize>off) | 0x00202020) == 0x3a706973) sch = UriScheme.Sip;
  else sch = uriScheme(b, off, len);
  if (sch == UriScheme.None) return false;
  u.scheme = sch;
  const end = off + len;
  if (sch != UriScheme.Sip && sch != UriScheme.Sips) return uriAbsoluteOk(b, off, len);
  let i = off + (sch == UriScheme.Sip ? 4 : 5);
  // userinfo: the first '@', and the first ':' before it
  let atPos = -1, colon = -1;
  for (let k = i; k < end; k++) {
    // eight bytes at a time while none is '@' or ':' (SWAR; the load stays inside the URI)
    if (k + 8 <= end) {
      const x = load<u64>(b + <usize>k);
      if (!swHas(x, 64) && !swHas(x, 58)) { k += 7; continue; }
    }
    const c = at(b, k);
    if (c == 64) { atPos = k; break; }
    if (c == 58 && colon < 0) colon = k;
  }
  if (atPos >= 0) {
    const userEnd = colon >= 0 ? colon : atPos;
    if (userEnd == i || !spanOk(b, i, userEnd, U_USER)) return false;
    u.userOff = i; u.userLen = userEnd - i;
    if (colon >= 0) {
      if (!spanOk(b, colon + 1, atPos, U_PASS)) return false;
      u.passOff = colon + 1; u.passLen = atPos - colon - 1;
    }
    i = atPos + 1;
  }
  // host, up to ':' ';' '?' or the end
  const hs = i;
  let hk = HostKind.None;
  if (i < end && at(b, i) == 91) {
    while (i < end && at(b, i) != 93) i++;
    if (i >= end) return false;
    i++;
    hk = hostKindOf(b, hs, i - hs);
  } else {
    let v4: u32 = U_HOST | U_V4;
    while (i < end) {
      const c = at(b, i);
      const k = ucls(c);
      if ((k & U_HOST) != 0) { v4 &= k; i++; continue; }
      if (c == 58 || c == 59 || c == 63) break;
      return false;                      // not a host byte: hostKindOf would say None
    }
    hk = hostNameKind(b, hs, i, v4);
  }
  if (hk == HostKind.None) return false;
  u.hostOff = hs; u.hostLen = i - hs; u.hostKind = hk;
  // port
  if (i < end && at(b, i) == 58) {
    i++;
    let v = 0, nd = 0;
    while (i < end && isClass(at(b, i), C_DIGIT)) { v = v * 10 + <i32>(at(b, i) - 48); nd++; i++; if (nd > 5) return false; }
    if (nd == 0 || v > 65535) return false;
    u.port = v;
  }
  // uri-parameters: *( ";" pname [ "=" pvalue ] ), pname and pvalue nonempty paramchar runs
  if (i < end && at(b, i) == 59) {
    const ps = i + 1;
    while (i < end && at(b, i) == 59) {
      i++;
      const ns = i;
      i = spanEnd(b, i, end, U_PARAM);
      if (i <= ns) return false;         // empty name or bad escape (-1)
      if (i < end) {
        const c = at(b, i);
        if (c == 61) {
          i++;
          const vs = i;
          i = spanEnd(b, i, end, U_PARAM);
          if (i <= vs) return false;
          if (i < end) { const d = at(b, i); if (d != 59 && d != 63) return false; }
        } else if (c != 59 && c != 63) return false;
      }
    }
    u.paramsOff = ps; u.paramsLen = i - ps;
  }
  // headers: "?" header *( "&" header ), header = hname "=" hvalue
  if (i < end && at(b, i) == 63) {
    i++;
    const hs2 = i;
    if (i >= end) return false;
    while (i < end) {
      const ns = i;
      while (i < end && at(b, i) != 61 && at(b, i) != 38) i++;
      if (i == ns || i >= end || at(b, i) != 61 || !spanOk(b, ns, i, U_HNV)) return false;
      i++;
      const vs = i;
      while (i < end && at(b, i) != 38) i++;
      if (!spanOk(b, vs, i, U_HNV)) return false;
      if (i < end) { i++; if (i >= end) return false; }
    }
    u.headersOff = hs2; u.headersLen = i - hs2;
  }
  return i == end;
}

/** Scheme kind of a well-formed URI (sip/sips parsed strictly, others as absoluteURI), 0 if malformed. */
const CHECK_URI = changetype<SipUri>(memory.data(offsetof<SipUri>(), 8));
export function uriCheck(b: usize, off: i32, len: i32): i32 {
  return uriParse(b, off, len, CHECK_URI) ? CHECK_URI.scheme : UriScheme.None;
}

/** Finds ";name[=value]" in a uri-parameters span (caseless name); (valOff<<32)|valLen, or -1. */
export function uriParamFind(b: usize, off: i32, len: i32, name: string): i64 {
  const end = off + len;
  let i = off;
  if (i < end && at(b, i) == 59) i++;
  while (i < end) {
    const ns = i;
    while (i < end && at(b, i) != 59 && at(b, i) != 61 && at(b, i) != 63) i++;
    const nl = i - ns;
    let vs = i, vl = 0;
    if (i < end && at(b, i) == 61) {
      i++; vs = i;
      while (i < end && at(b, i) != 59 && at(b, i) != 63) i++;
      vl = i - vs;
    }
    if (eqNoCase(b + ns, nl, name)) return (<i64>vs << 32) | <i64>vl;
    if (i >= end || at(b, i) != 59) break;
    i++;
  }
  return -1;
}
