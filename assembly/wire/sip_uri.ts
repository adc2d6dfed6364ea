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
    if (!(isClass(c, C_ALPHA | C_DIGIT) || c == 43 || c == 45 || c == 46)) return -1;
  }
  return -1;
}

export function uriScheme(b: usize, off: i32, len: i32): i32 {
  const n = uriSchemeLen(b, off, len);
  if (n < 0) return UriScheme.None;
  if (n == 3 && eqNoCase(b + off, 3, "sip")) return UriScheme.Sip;
  if (n == 4 && eqNoCase(b + off, 4, "sips")) return UriScheme.Sips;
  if (n == 3 && eqNoCase(b + off, 3, "tel")) return UriScheme.Tel;
  return UriScheme.Other;
}

// Character sets of §25.1 beyond unreserved: user-unreserved "&=+$,;?/", password "&=+$,",
// param-unreserved "[]/:&+$", hnv-unreserved "[]/?:+$".
function userChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 38 || c == 61 || c == 43 || c == 36 || c == 44 || c == 59 || c == 63 || c == 47;
}
function passChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 38 || c == 61 || c == 43 || c == 36 || c == 44;
}
function paramChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 91 || c == 93 || c == 47 || c == 58 || c == 38 || c == 43 || c == 36;
}
function hnvChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 91 || c == 93 || c == 47 || c == 63 || c == 58 || c == 43 || c == 36;
}
/** uric = reserved / unreserved / escaped (RFC 2396 via §25.1); '%' checked separately. */
function uricChar(c: u32): bool {
  return isClass(c, C_UNRESERVED) || c == 59 || c == 47 || c == 63 || c == 58 || c == 64 || c == 38 ||
    c == 61 || c == 43 || c == 36 || c == 44 || c == 91 || c == 93 || c == 35;
}

/** Every byte of [off, end) is in set `kind` (0 user, 1 password, 2 param, 3 hnv, 4 uric) or a valid escape. */
function spanOk(b: usize, off: i32, end: i32, kind: i32): bool {
  let i = off;
  while (i < end) {
    const c = at(b, i);
    if (c == 37) {
      if (i + 2 >= end) return false;   // '%' HEX HEX must fit
      if (!isClass(at(b, i + 1), C_HEX) || !isClass(at(b, i + 2), C_HEX)) return false;
      i += 3;
      continue;
    }
    let ok = false;
    if (kind == 0) ok = userChar(c);
    else if (kind == 1) ok = passChar(c);
    else if (kind == 2) ok = paramChar(c);
    else if (kind == 3) ok = hnvChar(c);
    else ok = uricChar(c);
    if (!ok) return false;
    i++;
  }
  return true;
}

/** absoluteURI = scheme ":" 1*uric (hier-part / opaque-part folded into uric, §25.1). */
export function uriAbsoluteOk(b: usize, off: i32, len: i32): bool {
  const n = uriSchemeLen(b, off, len);
  if (n < 0 || n + 1 >= len) return false;
  return spanOk(b, off + n + 1, off + len, 4);
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
  let digitsDots = true;
  for (let i = off; i < off + len; i++) {
    const c = at(b, i);
    if (!(isClass(c, C_ALPHA | C_DIGIT) || c == 45 || c == 46)) return HostKind.None;
    if (!(isClass(c, C_DIGIT) || c == 46)) digitsDots = false;
  }
  if (!isClass(at(b, off), C_ALPHA | C_DIGIT)) return HostKind.None;
  if (digitsDots) {
    // IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255
    let parts = 0, v = 0, nd = 0;
    for (let i = off; i <= off + len; i++) {
      const c = i < off + len ? at(b, i) : 46;
      if (c == 46) {
        if (nd == 0 || v > 255) return HostKind.None;
        parts++; v = 0; nd = 0;
      } else {
        v = v * 10 + <i32>(c - 48); nd++;
        if (nd > 3) return HostKind.None;
      }
    }
    return parts == 4 ? HostKind.Ipv4 : HostKind.None;
  }
  return HostKind.Name;
}

/**
 * SIP-URI / SIPS-URI (§19.1.1, §25.1):
 *   sip: [ userinfo "@" ] hostport uri-parameters [ headers ]
 * userinfo may hold ';' '?' '/' (RFC 4475 §3.1.1.9 semiuri), so the '@' is found first:
 * neither host, params nor headers may contain a bare '@', hence the first one delimits.
 */
export function uriParse(b: usize, off: i32, len: i32, u: SipUri): bool {
  u.scheme = UriScheme.None;
  u.userOff = -1; u.userLen = 0; u.passOff = -1; u.passLen = 0;
  u.hostOff = -1; u.hostLen = 0; u.hostKind = HostKind.None; u.port = -1;
  u.paramsOff = -1; u.paramsLen = 0; u.headersOff = -1; u.headersLen = 0;
  const sch = uriScheme(b, off, len);
  if (sch == UriScheme.None) return false;
  u.scheme = sch;
  const end = off + len;
  if (sch != UriScheme.Sip && sch != UriScheme.Sips) return uriAbsoluteOk(b, off, len);
  let i = off + (sch == UriScheme.Sip ? 4 : 5);
  // userinfo
  let atPos = -1;
  for (let k = i; k < end; k++) { if (at(b, k) == 64) { atPos = k; break; } }
  if (atPos >= 0) {
    let colon = -1;
    for (let k = i; k < atPos; k++) { if (at(b, k) == 58) { colon = k; break; } }
    const userEnd = colon >= 0 ? colon : atPos;
    if (userEnd == i || !spanOk(b, i, userEnd, 0)) return false;
    u.userOff = i; u.userLen = userEnd - i;
    if (colon >= 0) {
      if (!spanOk(b, colon + 1, atPos, 1)) return false;
      u.passOff = colon + 1; u.passLen = atPos - colon - 1;
    }
    i = atPos + 1;
  }
  // host
  const hs = i;
  if (i < end && at(b, i) == 91) {
    while (i < end && at(b, i) != 93) i++;
    if (i >= end) return false;
    i++;
  } else {
    while (i < end) {
      const c = at(b, i);
      if (c == 58 || c == 59 || c == 63) break;
      i++;
    }
  }
  const hk = hostKindOf(b, hs, i - hs);
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
  // uri-parameters: *( ";" pname [ "=" pvalue ] ), pname nonempty
  if (i < end && at(b, i) == 59) {
    const ps = i + 1;
    while (i < end && at(b, i) == 59) {
      i++;
      const ns = i;
      while (i < end) { const c = at(b, i); if (c == 59 || c == 63 || c == 61) break; i++; }
      if (i == ns || !spanOk(b, ns, i, 2)) return false;
      if (i < end && at(b, i) == 61) {
        i++;
        const vs = i;
        while (i < end) { const c = at(b, i); if (c == 59 || c == 63) break; i++; }
        if (i == vs || !spanOk(b, vs, i, 2)) return false;
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
      if (i == ns || i >= end || at(b, i) != 61 || !spanOk(b, ns, i, 3)) return false;
      i++;
      const vs = i;
      while (i < end && at(b, i) != 38) i++;
      if (!spanOk(b, vs, i, 3)) return false;
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
