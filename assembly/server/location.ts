// Registrar location table for the embedded IM server: sans-I/O, fixed pool, no allocation.
//
// Reading list:
//   RFC 3261 §10.2   REGISTER semantics: bindings AOR -> Contact, expires, Contact "*".
//   RFC 3261 §10.3   registrar processing: step 5 (AOR canonical form), step 6 ("*"),
//                    step 7 (Call-ID/CSeq ordering, 423, atomic commit), step 8 (200 lists bindings).
//   RFC 3261 §19.1.4 URI comparison (used for AOR keys and for finding an existing Contact).
//   RFC 5626 §5      flow reuse: we keep the connection a REGISTER arrived on so the proxy
//                    can send requests for that contact back over the same TCP connection
//                    (only the idea; no instance-id/reg-id/Path handling here).
//
// The SIP wire parser is not used: callers pass spans (pointer + length) already cut out of
// the message. Every function reads only [ptr, ptr+len) of its inputs, every loop is bounded
// by an input length or a pool size, and nothing here traps on input bytes.
//
// Time is always the caller's `now` (ms, f64); the table never reads a clock. locNextExpiry()
// tells the caller when to call locExpire(now) next (quinn's poll_timeout).

import {
  LOC_AOR_MAX, LOC_CONTACT_MAX, LOC_AOR_CAP, LOC_URI_CAP, LOC_CALLID_CAP, LOC_SRC_CAP,
  LOC_EVENT_MAX, MIN_EXPIRES_S, MAX_EXPIRES_S, DEFAULT_EXPIRES_S,
} from "../mem/limits";
import { isDigit, lower, isWs } from "../mem/bytes";

// ---------------------------------------------------------------------------------------------
// Errors (0 = OK), their SIP reply codes and reasons.

export enum LocErr {
  OK = 0,
  /** AOR span is not a parsable sip:/sips: URI (bad escape, bad host, junk after port). */
  AOR_BAD = 1,
  /** RFC 4475 §3.3.4: To of a REGISTER must be a SIP or SIPS URI. */
  AOR_SCHEME = 2,
  /** Canonical AOR longer than LOC_AOR_CAP: no such user can exist here (§10.3 step 5 -> 404). */
  AOR_TOO_LONG = 3,
  CONTACT_BAD = 4,
  /** Contact URI longer than LOC_URI_CAP: a limit of ours, not a client error. */
  CONTACT_TOO_LONG = 5,
  /** §10.3 step 6: "*" with another Contact or a non-zero expiration. */
  STAR_NOT_ZERO = 6,
  /** q outside 0..1000 thousandths (RFC 3261 §20.10 qvalue "0".."1"). */
  Q_BAD = 7,
  /** §10.3 step 7: 0 < expires < minimum -> 423, the caller adds Min-Expires. */
  TOO_BRIEF = 8,
  /** §10.3 step 7: same Call-ID and CSeq not higher than the stored one: the request fails. */
  OUT_OF_ORDER = 9,
  /** No free or reclaimable AOR slot. */
  TABLE_FULL = 10,
  /** The AOR already holds LOC_CONTACT_MAX live bindings. */
  CONTACTS_FULL = 11,
  /** Empty Call-ID: ordering (§10.3 step 7) is impossible without one. */
  CALLID_BAD = 12,
}

/** SIP status a REGISTER gets for an error (200 for OK). */
export function locErrCode(e: i32): i32 {
  switch (e) {
    case LocErr.OK: return 200;
    case LocErr.AOR_TOO_LONG: return 404;
    case LocErr.TOO_BRIEF: return 423;
    // §10.3 step 7: "the update MUST be aborted and the request fails"; the commit rule
    // of the same step names 500 for a failed update.
    case LocErr.OUT_OF_ORDER: return 500;
    case LocErr.CONTACT_TOO_LONG: return 500;
    case LocErr.TABLE_FULL: return 503;
    case LocErr.CONTACTS_FULL: return 503;
    default: return 400;
  }
}

/** Short ASCII reason for an error (a static literal: compare/copy with putAscii). */
export function locErrReason(e: i32): string {
  switch (e) {
    case LocErr.OK: return "OK";
    case LocErr.AOR_BAD: return "Malformed address-of-record";
    case LocErr.AOR_SCHEME: return "AOR must be a SIP or SIPS URI";
    case LocErr.AOR_TOO_LONG: return "Address-of-record too long";
    case LocErr.CONTACT_BAD: return "Malformed Contact URI";
    case LocErr.CONTACT_TOO_LONG: return "Contact URI too long to store";
    case LocErr.STAR_NOT_ZERO: return "Contact * needs Expires: 0";
    case LocErr.Q_BAD: return "Bad q value";
    case LocErr.TOO_BRIEF: return "Interval Too Brief";
    case LocErr.OUT_OF_ORDER: return "Out-of-order CSeq for binding";
    case LocErr.TABLE_FULL: return "Location table full";
    case LocErr.CONTACTS_FULL: return "Too many contacts for AOR";
    case LocErr.CALLID_BAD: return "Missing Call-ID";
    default: return "Registrar error";
  }
}

let lastErr: i32 = LocErr.OK;
/** The LocErr of the last locRegister/locRemove/locRemoveAll/locProvision call. */
export function locLastErr(): i32 { return lastErr; }

function fail(e: i32): i32 { lastErr = e; return locErrCode(e); }

// ---------------------------------------------------------------------------------------------
// Layout. One block per AOR: header, canonical AOR bytes, then LOC_CONTACT_MAX bindings.

/** No connection known for a binding (UDP, or the connection closed: locForgetConn). */
export const LOC_CONN_NONE: u32 = 0xffffffff;
/** q not given in the Contact (RFC 3261 leaves it open); sorts below every given q. */
export const LOC_Q_NONE: i32 = -1;

/** AOR slot in use. */
const F_USED: u32 = 1;
/** Provisioned by configuration: never reclaimed, known even if never registered. */
const F_PROV: u32 = 2;
/** Has registered at least once: known (480 rather than 404), reclaimable under pressure. */
const F_SEEN: u32 = 4;
/** Last announced state was "registered" (a change event is queued on every flip). */
const F_REG: u32 = 8;

@unmanaged class AorHdr {
  flags: u32;
  aorLen: u32;
  /** Last successful registration (ms): the least recently used SEEN-only slot is reclaimed. */
  lastMs: f64;
}

@unmanaged class Binding {
  used: u32;
  uriLen: u32;
  /** Absolute expiry (ms, caller's clock); live while expiresMs > now. */
  expiresMs: f64;
  /** When this binding was last written: ties between equal q go to the newest. */
  regMs: f64;
  cseq: u32;
  /** Full Call-ID length; only min(len, LOC_CALLID_CAP) bytes are stored, plus the hash. */
  callIdLen: u32;
  callIdHash: u32;
  conn: u32;
  q: i32;
  srcLen: u32;
}

const AOR_HDR: i32 = 32;
const B_HDR: i32 = 64;
const B_URI: i32 = B_HDR;
const B_CALLID: i32 = B_URI + LOC_URI_CAP;
const B_SRC: i32 = B_CALLID + LOC_CALLID_CAP;
const B_SIZE: i32 = (B_SRC + LOC_SRC_CAP + 7) & ~7;
const A_CONTACTS: i32 = (AOR_HDR + LOC_AOR_CAP + 7) & ~7;
const A_SIZE: i32 = A_CONTACTS + LOC_CONTACT_MAX * B_SIZE;

const TABLE: usize = memory.data(LOC_AOR_MAX * A_SIZE, 8);
/** Undo copy of the one AOR block a transaction touched (§10.3 step 7: all or nothing). */
const UNDO: usize = memory.data(A_SIZE, 8);
/** Canonical AOR of the current call. */
const CANON: usize = memory.data(LOC_AOR_CAP, 8);

// @ts-ignore: decorator
@inline function aorAt(slot: i32): usize { return TABLE + <usize>(slot * A_SIZE); }
// @ts-ignore: decorator
@inline function hdr(slot: i32): AorHdr { return changetype<AorHdr>(aorAt(slot)); }
// @ts-ignore: decorator
@inline function bindAt(slot: i32, i: i32): usize { return aorAt(slot) + <usize>(A_CONTACTS + i * B_SIZE); }
// @ts-ignore: decorator
@inline function bnd(slot: i32, i: i32): Binding { return changetype<Binding>(bindAt(slot, i)); }

let minExpiresS: i32 = MIN_EXPIRES_S;
let maxExpiresS: i32 = MAX_EXPIRES_S;
let defaultExpiresS: i32 = DEFAULT_EXPIRES_S;

/** Registrar policy (seconds). Values are clamped so that 1 <= min <= default <= max. */
export function locSetExpiryBounds(minS: i32, defaultS: i32, maxS: i32): void {
  minExpiresS = max(1, minS);
  maxExpiresS = max(minExpiresS, maxS);
  defaultExpiresS = min(maxExpiresS, max(minExpiresS, defaultS));
}
/** For the Min-Expires header of a 423 (RFC 3261 §20.23). */
export function locMinExpiresS(): i32 { return minExpiresS; }

// ---------------------------------------------------------------------------------------------
// Change events ("registration change" lines). Ring of LOC_EVENT_MAX; when full the new event
// is dropped and counted (dropping the newest keeps locTxAbort exact: it only rewinds count).

export const LOC_EV_REGISTERED: i32 = 1;
export const LOC_EV_UNREGISTERED: i32 = 2;

const EV_HDR: i32 = 8;
const EV_SIZE: i32 = (EV_HDR + LOC_AOR_CAP + 7) & ~7;
const EVENTS: usize = memory.data(LOC_EVENT_MAX * EV_SIZE, 8);
let evHead: i32 = 0;
let evCount: i32 = 0;
let evDropped: u32 = 0;

function evPush(slot: i32, kind: i32, contacts: i32): void {
  if (evCount >= LOC_EVENT_MAX) { evDropped++; return; }
  const e = EVENTS + <usize>(((evHead + evCount) % LOC_EVENT_MAX) * EV_SIZE);
  const h = hdr(slot);
  store<u8>(e, <u8>kind);
  store<u8>(e, <u8>contacts, 1);
  store<u16>(e, <u16>h.aorLen, 2);
  memory.copy(e + EV_HDR, aorAt(slot) + AOR_HDR, h.aorLen);
  evCount++;
}

// @ts-ignore: decorator
@inline function evHeadAt(): usize { return EVENTS + <usize>(evHead * EV_SIZE); }
/** Pending events. Drain between requests, never inside a locTxBegin..Commit/Abort pair. */
export function locEventCount(): i32 { return evCount; }
/** Oldest event: LOC_EV_REGISTERED / LOC_EV_UNREGISTERED, or 0 when none. */
export function locEventKind(): i32 { return evCount > 0 ? <i32>load<u8>(evHeadAt()) : 0; }
/** Live contacts of the AOR when the event was queued. */
export function locEventContacts(): i32 { return evCount > 0 ? <i32>load<u8>(evHeadAt(), 1) : 0; }
/** Canonical AOR bytes of the oldest event (copied: valid until locEventPop). */
export function locEventAorPtr(): usize { return evHeadAt() + EV_HDR; }
export function locEventAorLen(): i32 { return evCount > 0 ? <i32>load<u16>(evHeadAt(), 2) : 0; }
export function locEventPop(): void {
  if (evCount <= 0) return;
  evHead = (evHead + 1) % LOC_EVENT_MAX;
  evCount--;
}
/** Events lost because the queue was full (monotonic). */
export function locEventsDropped(): u32 { return evDropped; }

// ---------------------------------------------------------------------------------------------
// Transactions: one REGISTER may carry several Contacts, and §10.3 step 7 says the updates are
// committed only if all succeed. locTxBegin() makes the following calls tentative; the first
// change to an AOR block copies it to UNDO, locTxAbort() copies it back. One AOR per
// transaction (a REGISTER has one To); outside a transaction every call commits at once.

let txActive: bool = false;
let txSlot: i32 = -1;
let txEvCount: i32 = 0;
let txEvDropped: u32 = 0;

export function locTxBegin(): void {
  txActive = true; txSlot = -1; txEvCount = evCount; txEvDropped = evDropped;
}
export function locTxCommit(): void { txActive = false; txSlot = -1; }
export function locTxAbort(): void {
  if (!txActive) return;
  if (txSlot >= 0) memory.copy(aorAt(txSlot), UNDO, A_SIZE);
  evCount = txEvCount; evDropped = txEvDropped;
  txActive = false; txSlot = -1;
}

function touch(slot: i32): void {
  if (txActive && txSlot < 0) { memory.copy(UNDO, aorAt(slot), A_SIZE); txSlot = slot; }
}

// ---------------------------------------------------------------------------------------------
// AOR canonical form (§10.3 step 5): scheme lower-cased, user[:password] kept case-sensitive
// with escapes normalised as §19.1.4 compares them (an escaped unreserved char equals the
// char; an escaped reserved char stays escaped, hex upper-cased), host lower-cased, port as
// written without leading zeros, all parameters and headers removed. Accepts an addr-spec or a
// name-addr ("Bob" <sip:...>;tag=x), so a To or Request-URI span can be passed as is.

// @ts-ignore: decorator
@inline function hexVal(c: u32): i32 {
  if (c - 48 < 10) return <i32>(c - 48);
  const l = c | 0x20;
  if (l - 97 < 6) return <i32>(l - 87);
  return -1;
}

/** RFC 3261 §25.1 reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / "," */
function isReserved(c: u32): bool {
  return c == 59 || c == 47 || c == 63 || c == 58 || c == 64 || c == 38 || c == 61 || c == 43 || c == 36 || c == 44;
}

/** Bytes never allowed unescaped inside a URI we store or key on. */
function isUriJunk(c: u32): bool {
  return c <= 32 || c >= 127 || c == 34 || c == 60 || c == 62 || c == 92 || c == 94 || c == 96 || c == 123 || c == 124 || c == 125;
}

// Bounds of the addr-spec found by innerUri().
let innerOff: i32 = 0;
let innerLen: i32 = 0;

/** Finds the URI in an addr-spec or name-addr span; false when "<" has no ">". */
function innerUri(p: usize, len: i32): bool {
  let s = 0, e = len;
  while (s < e && isWs(load<u8>(p + s))) s++;
  while (e > s && isWs(load<u8>(p + e - 1))) e--;
  let i = s;
  // A quoted display name may hold "<" (RFC 3261 §25.1 quoted-string, with quoted-pair).
  if (i < e && load<u8>(p + i) == 34) {
    i++;
    while (i < e && load<u8>(p + i) != 34) { if (load<u8>(p + i) == 92) i++; i++; }
    if (i >= e) return false;
    i++;
  }
  let lt = -1;
  for (let j = i; j < e; j++) { if (load<u8>(p + j) == 60) { lt = j; break; } }
  if (lt < 0) {
    if (i != s) return false; // a quoted display name must be followed by <uri>
    innerOff = s; innerLen = e - s; return true;
  }
  let gt = -1;
  for (let j = lt + 1; j < e; j++) { if (load<u8>(p + j) == 62) { gt = j; break; } }
  if (gt < 0) return false;
  innerOff = lt + 1; innerLen = gt - lt - 1;
  return true;
}

/** Index of the ":" ending a URI scheme (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), or -1. */
function schemeEnd(p: usize, len: i32): i32 {
  if (len < 2) return -1;
  const c0 = <u32>load<u8>(p) | 0x20;
  if (c0 - 97 >= 26) return -1;
  for (let i = 1; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 58) return i;
    const l = c | 0x20;
    if (!(l - 97 < 26 || isDigit(c) || c == 43 || c == 45 || c == 46)) return -1;
  }
  return -1;
}

// Components of a sip:/sips: URI, as offsets into the span (filled by sipSplit()).
let uSips: bool = false;
let uUserOff: i32 = 0;
let uUserLen: i32 = -1;      // -1: no userinfo
let uHostOff: i32 = 0;
let uHostLen: i32 = 0;
let uPort: i32 = -1;         // -1: no port (§19.1.4: not equal to an explicit 5060)
let uParOff: i32 = 0;        // after the first ";" (up to "?" or end)
let uParLen: i32 = 0;
let uHdrOff: i32 = 0;        // after "?"
let uHdrLen: i32 = 0;

/** Escapes well formed in [p+off, p+off+len) and no junk byte? */
function cleanEscapes(p: usize, off: i32, len: i32): bool {
  const end = off + len;
  for (let i = off; i < end; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 37) {
      if (i + 2 >= end || hexVal(load<u8>(p + i + 1)) < 0 || hexVal(load<u8>(p + i + 2)) < 0) return false;
      i += 2;
    } else if (isUriJunk(c)) return false;
  }
  return true;
}

/**
 * Splits [p, p+len) as sip:/sips: userinfo@host:port;params?headers.
 * Returns 0 when it is one, 1 when the scheme is another one, -1 when malformed.
 */
function sipSplit(p: usize, len: i32): i32 {
  const se = schemeEnd(p, len);
  if (se < 0) return -1;
  const sipLike = (se == 3 && (load<u8>(p) | 0x20) == 115 && (load<u8>(p + 1) | 0x20) == 105 && (load<u8>(p + 2) | 0x20) == 112);
  const sipsLike = (se == 4 && (load<u8>(p) | 0x20) == 115 && (load<u8>(p + 1) | 0x20) == 105 && (load<u8>(p + 2) | 0x20) == 112 && (load<u8>(p + 3) | 0x20) == 115);
  if (!sipLike && !sipsLike) return cleanEscapes(p, se + 1, len - se - 1) && se + 1 < len ? 1 : -1;
  uSips = sipsLike;
  let i = se + 1;
  // userinfo ends at the first "@": "@" is neither in params, headers nor an unescaped host.
  let at = -1;
  for (let j = i; j < len; j++) { if (load<u8>(p + j) == 64) { at = j; break; } }
  if (at >= 0) {
    uUserOff = i; uUserLen = at - i;
    if (uUserLen == 0 || !cleanEscapes(p, i, uUserLen)) return -1;
    i = at + 1;
  } else { uUserOff = i; uUserLen = -1; }
  // host = hostname / IPv4address / IPv6reference
  uHostOff = i;
  if (i < len && load<u8>(p + i) == 91) {
    i++;
    while (i < len && load<u8>(p + i) != 93) {
      const c = <u32>load<u8>(p + i);
      if (!(hexVal(c) >= 0 || c == 58 || c == 46)) return -1;
      i++;
    }
    if (i >= len) return -1;
    i++;
  } else {
    while (i < len) {
      const c = <u32>load<u8>(p + i);
      if (!((c | 0x20) - 97 < 26 || isDigit(c) || c == 45 || c == 46)) break;
      i++;
    }
  }
  uHostLen = i - uHostOff;
  if (uHostLen == 0) return -1;
  uPort = -1;
  if (i < len && load<u8>(p + i) == 58) {
    i++;
    const ps = i;
    let v = 0;
    while (i < len && isDigit(load<u8>(p + i)) && i - ps < 8) { v = v * 10 + <i32>(load<u8>(p + i) - 48); i++; }
    if (i == ps || v > 65535) return -1;
    uPort = v;
  }
  uParOff = i; uParLen = 0; uHdrOff = len; uHdrLen = 0;
  if (i < len && load<u8>(p + i) != 59 && load<u8>(p + i) != 63) return -1;
  let q = len;
  for (let j = i; j < len; j++) { if (load<u8>(p + j) == 63) { q = j; break; } }
  if (i < q) { uParOff = i + 1; uParLen = q - i - 1; }
  if (q < len) { uHdrOff = q + 1; uHdrLen = len - q - 1; }
  if (!cleanEscapes(p, i, len - i)) return -1;
  return 0;
}

/** Writes the §19.1.4-normalised form of an escaped span at dst; returns bytes written or -1 if over cap. */
function putNormEsc(dst: usize, at: i32, cap: i32, p: usize, off: i32, len: i32): i32 {
  const end = off + len;
  let o = at;
  for (let i = off; i < end; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 37 && i + 2 < end) {
      const v = <u32>(hexVal(load<u8>(p + i + 1)) * 16 + hexVal(load<u8>(p + i + 2)));
      i += 2;
      if (isReserved(v) || isUriJunk(v) || v == 37) {
        if (o + 3 > cap) return -1;
        const hx = "0123456789ABCDEF";
        store<u8>(dst + o, 37);
        store<u8>(dst + o + 1, <u8>hx.charCodeAt(<i32>(v >> 4)));
        store<u8>(dst + o + 2, <u8>hx.charCodeAt(<i32>(v & 15)));
        o += 3;
        continue;
      }
      c = v;
    }
    if (o + 1 > cap) return -1;
    store<u8>(dst + o, <u8>c);
    o++;
  }
  return o;
}

let canonLen: i32 = 0;

/** Canonicalises an AOR span into CANON/canonLen; returns a LocErr. */
function canon(p: usize, len: i32): i32 {
  if (len <= 0 || !innerUri(p, len)) return LocErr.AOR_BAD;
  const up = p + innerOff;
  const r = sipSplit(up, innerLen);
  if (r < 0) return LocErr.AOR_BAD;
  if (r > 0) return LocErr.AOR_SCHEME;
  let o = 0;
  const cap = LOC_AOR_CAP;
  const sch = uSips ? 5 : 4;
  if (cap < sch) return LocErr.AOR_TOO_LONG;
  store<u8>(CANON, 115); store<u8>(CANON, 105, 1); store<u8>(CANON, 112, 2);
  if (uSips) store<u8>(CANON, 115, 3);
  store<u8>(CANON + sch - 1, 58);
  o = sch;
  if (uUserLen >= 0) {
    o = putNormEsc(CANON, o, cap, up, uUserOff, uUserLen);
    if (o < 0 || o + 1 > cap) return LocErr.AOR_TOO_LONG;
    store<u8>(CANON + o, 64); o++;
  }
  if (o + uHostLen > cap) return LocErr.AOR_TOO_LONG;
  for (let i = 0; i < uHostLen; i++) store<u8>(CANON + o + i, <u8>lower(load<u8>(up + uHostOff + i)));
  o += uHostLen;
  if (uPort >= 0) {
    if (o + 6 > cap) return LocErr.AOR_TOO_LONG;
    store<u8>(CANON + o, 58); o++;
    let d = 1; while (d * 10 <= uPort) d *= 10;
    let v = uPort;
    for (let k = 0; k < 5 && d > 0; k++) { store<u8>(CANON + o, <u8>(48 + v / d)); o++; v %= d; d /= 10; }
  }
  canonLen = o;
  return LocErr.OK;
}

/** Canonical form of an AOR into dst (cap bytes); returns its length, or -1 when not a valid AOR. */
export function locCanonAor(aorPtr: usize, aorLen: i32, dst: usize, cap: i32): i32 {
  if (canon(aorPtr, aorLen) != LocErr.OK || canonLen > cap) return -1;
  memory.copy(dst, CANON, canonLen);
  return canonLen;
}

// ---------------------------------------------------------------------------------------------
// §19.1.4 comparison of two Contact URIs (to find the binding a REGISTER updates).

/** Next comparison unit of an escaped span: byte value, | 0x100 when it is an escaped reserved char. */
let escPos: i32 = 0;
function escNext(p: usize, end: i32): u32 {
  const i = escPos;
  const c = <u32>load<u8>(p + i);
  if (c == 37 && i + 2 < end) {
    const h = hexVal(load<u8>(p + i + 1)), l = hexVal(load<u8>(p + i + 2));
    if (h >= 0 && l >= 0) {
      escPos = i + 3;
      const v = <u32>(h * 16 + l);
      return isReserved(v) ? v | 0x100 : v;
    }
  }
  escPos = i + 1;
  return c;
}

/** §19.1.4: equal after unescaping (reserved chars excepted); caseless when nocase. */
function eqEsc(a: usize, aoff: i32, alen: i32, b: usize, boff: i32, blen: i32, nocase: bool): bool {
  let i = aoff, j = boff;
  const ae = aoff + alen, be = boff + blen;
  // Each step consumes at least one byte of each side: bounded by alen + blen.
  while (i < ae && j < be) {
    escPos = i; let x = escNext(a, ae); i = escPos;
    escPos = j; let y = escNext(b, be); j = escPos;
    if (nocase) { x = (x & 0x100) | lower(x & 0xff); y = (y & 0x100) | lower(y & 0xff); }
    if (x != y) return false;
  }
  return i == ae && j == be;
}

// One "name[=value]" item found by findItem().
let itValOff: i32 = 0;
let itValLen: i32 = -1;

/** Looks for item `name` in the sep-separated list [p+off, p+off+len); fills itVal*. */
function findItem(p: usize, off: i32, len: i32, sep: u32, n: usize, noff: i32, nlen: i32): bool {
  const end = off + len;
  let s = off;
  while (s <= end && len > 0) {
    let e = s;
    while (e < end && load<u8>(p + e) != sep) e++;
    let eq = s;
    while (eq < e && load<u8>(p + eq) != 61) eq++;
    if (eqEsc(p, s, eq - s, n, noff, nlen, true)) {
      if (eq < e) { itValOff = eq + 1; itValLen = e - eq - 1; } else { itValOff = e; itValLen = -1; }
      return true;
    }
    s = e + 1;
  }
  return false;
}

/** §19.1.4: user, ttl, method, maddr, transport must match even when only one side has them. */
function isStrictParam(p: usize, off: i32, len: i32): bool {
  const q = p + off;
  return eqNoCaseAt(q, len, "user") || eqNoCaseAt(q, len, "ttl") || eqNoCaseAt(q, len, "method") ||
    eqNoCaseAt(q, len, "maddr") || eqNoCaseAt(q, len, "transport");
}

function eqNoCaseAt(p: usize, len: i32, s: string): bool {
  if (len != s.length) return false;
  for (let i = 0; i < len; i++) if (lower(load<u8>(p + i)) != lower(<u32>s.charCodeAt(i))) return false;
  return true;
}

/** Every item of list A is matched in list B as §19.1.4 asks (params: strictOnly; headers: all). */
function listCovered(a: usize, aoff: i32, alen: i32, b: usize, boff: i32, blen: i32, sep: u32, isParams: bool): bool {
  if (alen <= 0) return true;
  const end = aoff + alen;
  let s = aoff;
  while (s <= end) {
    let e = s;
    while (e < end && load<u8>(a + e) != sep) e++;
    let eq = s;
    while (eq < e && load<u8>(a + eq) != 61) eq++;
    const vOff = eq < e ? eq + 1 : e;
    const vLen = eq < e ? e - eq - 1 : -1;
    if (eq > s) {
      if (findItem(b, boff, blen, sep, a, s, eq - s)) {
        // params compare caselessly; header values case-sensitively (§19.1.4 "Comparison of
        // all other components ... is case-insensitive" vs. header field value rules).
        if (vLen != itValLen && (vLen < 0 || itValLen < 0)) return false;
        if (vLen >= 0 && !eqEsc(a, vOff, vLen, b, itValOff, itValLen, isParams)) return false;
      } else if (!isParams || isStrictParam(a, s, eq - s)) return false;
    }
    s = e + 1;
  }
  return true;
}

/** RFC 3261 §19.1.4 equality of two URIs (sip/sips structurally, other schemes byte-exact but caseless scheme). */
function uriEq(a: usize, alen: i32, b: usize, blen: i32): bool {
  const ra = sipSplit(a, alen);
  const aSips = uSips, aUo = uUserOff, aUl = uUserLen, aHo = uHostOff, aHl = uHostLen, aPort = uPort;
  const aPo = uParOff, aPl = uParLen, aHdo = uHdrOff, aHdl = uHdrLen;
  const rb = sipSplit(b, blen);
  if (ra != rb) return false;
  if (ra != 0) {
    // Other schemes (tel:, im:, ...): scheme caseless, rest as bytes.
    const sa = schemeEnd(a, alen), sb = schemeEnd(b, blen);
    if (sa < 0 || sa != sb) return false;
    if (!eqEsc(a, 0, sa, b, 0, sb, true)) return false;
    return eqEsc(a, sa, alen - sa, b, sb, blen - sb, false);
  }
  if (aSips != uSips || aPort != uPort) return false;
  if ((aUl < 0) != (uUserLen < 0)) return false;
  if (aUl >= 0 && !eqEsc(a, aUo, aUl, b, uUserOff, uUserLen, false)) return false;
  if (!eqEsc(a, aHo, aHl, b, uHostOff, uHostLen, true)) return false;
  const bPo = uParOff, bPl = uParLen, bHdo = uHdrOff, bHdl = uHdrLen;
  return listCovered(a, aPo, aPl, b, bPo, bPl, 59, true) && listCovered(b, bPo, bPl, a, aPo, aPl, 59, true) &&
    listCovered(a, aHdo, aHdl, b, bHdo, bHdl, 38, false) && listCovered(b, bHdo, bHdl, a, aHdo, aHdl, 38, false);
}

/** Contact URI validation; sets ctOff/ctLen to the URI inside <> if any. Returns a LocErr. */
let ctOff: i32 = 0;
let ctLen: i32 = 0;
function checkContact(p: usize, len: i32): i32 {
  if (len <= 0 || !innerUri(p, len)) return LocErr.CONTACT_BAD;
  ctOff = innerOff; ctLen = innerLen;
  if (sipSplit(p + innerOff, innerLen) < 0) return LocErr.CONTACT_BAD;
  if (ctLen > LOC_URI_CAP) return LocErr.CONTACT_TOO_LONG;
  return LocErr.OK;
}

// ---------------------------------------------------------------------------------------------
// Call-ID storage: prefix + length + FNV-1a hash, so over-long Call-IDs still order correctly.

function fnv(p: usize, len: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < len; i++) { h ^= load<u8>(p + i); h *= 16777619; }
  return h;
}

function sameCallId(b: usize, p: usize, len: i32, h: u32): bool {
  const x = changetype<Binding>(b);
  if (<i32>x.callIdLen != len || x.callIdHash != h) return false;
  const n = min(len, LOC_CALLID_CAP);
  const s = b + B_CALLID;
  for (let i = 0; i < n; i++) if (load<u8>(s + i) != load<u8>(p + i)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Slots.

function findSlot(): i32 {
  for (let s = 0; s < LOC_AOR_MAX; s++) {
    const h = hdr(s);
    if ((h.flags & F_USED) == 0 || <i32>h.aorLen != canonLen) continue;
    if (memory.compare(aorAt(s) + AOR_HDR, CANON, canonLen) == 0) return s;
  }
  return -1;
}

function liveCount(slot: i32, now: f64): i32 {
  let n = 0;
  for (let i = 0; i < LOC_CONTACT_MAX; i++) {
    const b = bnd(slot, i);
    if (b.used != 0 && b.expiresMs > now) n++;
  }
  return n;
}

/** Queues an event when the registered/unregistered state of a slot flips. */
function announce(slot: i32, now: f64): void {
  const h = hdr(slot);
  const n = liveCount(slot, now);
  if (n > 0 && (h.flags & F_REG) == 0) { h.flags |= F_REG; evPush(slot, LOC_EV_REGISTERED, n); }
  else if (n == 0 && (h.flags & F_REG) != 0) { h.flags &= ~F_REG; evPush(slot, LOC_EV_UNREGISTERED, 0); }
}

/** Frees expired bindings of a slot (touching it first); returns how many. */
function sweep(slot: i32, now: f64): i32 {
  let n = 0;
  for (let i = 0; i < LOC_CONTACT_MAX; i++) {
    const b = bnd(slot, i);
    if (b.used != 0 && b.expiresMs <= now) {
      touch(slot);
      b.used = 0;
      n++;
    }
  }
  if (n > 0) announce(slot, now);
  return n;
}

/** A slot for CANON: free first, else the least recently registered SEEN-only slot with no live binding. */
function allocSlot(flags: u32, now: f64): i32 {
  let victim = -1;
  let oldest: f64 = Infinity;
  for (let s = 0; s < LOC_AOR_MAX; s++) {
    const h = hdr(s);
    if ((h.flags & F_USED) == 0) { victim = s; break; }
    if ((h.flags & F_PROV) != 0 || liveCount(s, now) > 0) continue;
    if (h.lastMs < oldest || victim < 0) { oldest = h.lastMs; victim = s; }
  }
  if (victim < 0) return -1;
  touch(victim);
  sweep(victim, now);              // an expired-but-unswept slot says "unregistered" first
  memory.fill(aorAt(victim), 0, A_SIZE);
  const h = hdr(victim);
  h.flags = F_USED | flags;
  h.aorLen = canonLen;
  h.lastMs = now;
  memory.copy(aorAt(victim) + AOR_HDR, CANON, canonLen);
  return victim;
}

/** Index of the binding of slot equal (§19.1.4) to the contact URI, or -1. */
function findBinding(slot: i32, p: usize, len: i32): i32 {
  for (let i = 0; i < LOC_CONTACT_MAX; i++) {
    const b = bnd(slot, i);
    if (b.used != 0 && uriEq(bindAt(slot, i) + B_URI, <i32>b.uriLen, p, len)) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * §10.3 step 7 for one Contact of a REGISTER.
 * aor: To header value or its URI; contact: the Contact URI (inside <> or a bare addr-spec
 * WITHOUT its contact-params), or "*"; expiresS: the Contact's expires param, else the Expires
 * header, else -1 (clamp larger values to i32 max); cseq: CSeq number; conn: connection the
 * request arrived on (LOC_CONN_NONE for UDP); now: ms; q: thousandths 0..1000 or LOC_Q_NONE;
 * src: received source address text (kept for the proxy, may be empty).
 * Returns the SIP status: 200, 400, 404, 423 (caller adds Min-Expires: locMinExpiresS()),
 * 500 (out-of-order CSeq), 503 (table full). locLastErr() gives the LocErr.
 */
export function locRegister(aorPtr: usize, aorLen: i32, contactPtr: usize, contactLen: i32, expiresS: i32,
  callIdPtr: usize, callIdLen: i32, cseq: u32, conn: u32, now: f64,
  q: i32 = LOC_Q_NONE, srcPtr: usize = 0, srcLen: i32 = 0): i32 {
  lastErr = LocErr.OK;
  if (now != now) now = 0;            // a NaN clock would make a binding that never expires nor lives
  // "*" (§10.3 step 6) is only valid with an expiration of zero.
  if (isStar(contactPtr, contactLen)) return locRemoveAll(aorPtr, aorLen, callIdPtr, callIdLen, cseq, now, expiresS);
  let e = canon(aorPtr, aorLen);
  if (e != LocErr.OK) return fail(e);
  e = checkContact(contactPtr, contactLen);
  if (e != LocErr.OK) return fail(e);
  if (callIdLen <= 0) return fail(LocErr.CALLID_BAD);
  if (q < LOC_Q_NONE || q > 1000) return fail(LocErr.Q_BAD);
  if (expiresS < 0) expiresS = defaultExpiresS;
  if (expiresS == 0) return removeOne(contactPtr + ctOff, ctLen, callIdPtr, callIdLen, cseq, now);
  // §10.3 step 7: only intervals in (0, 3600) below our minimum may get 423; min <= max always.
  if (expiresS < minExpiresS && expiresS < 3600) return fail(LocErr.TOO_BRIEF);
  if (expiresS > maxExpiresS) expiresS = maxExpiresS;  // "MAY choose an expiration less than requested"

  const up = contactPtr + ctOff;
  const ul = ctLen;
  const ch = fnv(callIdPtr, callIdLen);
  let slot = findSlot();
  let bi = -1;
  if (slot >= 0) {
    sweep(slot, now);                 // an expired binding no longer exists (§10.2.1)
    bi = findBinding(slot, up, ul);
    if (bi >= 0) {
      const b = bindAt(slot, bi);
      if (sameCallId(b, callIdPtr, callIdLen, ch) && cseq <= changetype<Binding>(b).cseq) return fail(LocErr.OUT_OF_ORDER);
    } else {
      for (let i = 0; i < LOC_CONTACT_MAX; i++) { if (bnd(slot, i).used == 0) { bi = i; break; } }
      if (bi < 0) return fail(LocErr.CONTACTS_FULL);
    }
    touch(slot);
  } else {
    slot = allocSlot(0, now);
    if (slot < 0) return fail(LocErr.TABLE_FULL);
    bi = 0;
  }
  const b = bindAt(slot, bi);
  const x = changetype<Binding>(b);
  x.used = 1;
  x.uriLen = ul;
  memory.copy(b + B_URI, up, ul);
  x.expiresMs = now + <f64>expiresS * 1000.0;
  x.regMs = now;
  x.cseq = cseq;
  x.callIdLen = callIdLen;
  x.callIdHash = ch;
  memory.copy(b + B_CALLID, callIdPtr, min(callIdLen, LOC_CALLID_CAP));
  x.conn = conn;
  x.q = q;
  if (srcLen > 0 && srcLen <= LOC_SRC_CAP) { memory.copy(b + B_SRC, srcPtr, srcLen); x.srcLen = srcLen; }
  else x.srcLen = 0;
  const h = hdr(slot);
  h.flags |= F_SEEN;
  h.lastMs = now;
  announce(slot, now);
  return 200;
}

function isStar(p: usize, len: i32): bool {
  let s = 0, e = len;
  while (s < e && isWs(load<u8>(p + s))) s++;
  while (e > s && isWs(load<u8>(p + e - 1))) e--;
  return e - s == 1 && load<u8>(p + s) == 42;
}

/** §10.3 step 7 with expiration zero for one binding (CANON holds the AOR). */
function removeOne(up: usize, ul: i32, callIdPtr: usize, callIdLen: i32, cseq: u32, now: f64): i32 {
  const slot = findSlot();
  if (slot < 0) return 200;           // nothing bound: removing nothing succeeds
  sweep(slot, now);
  const bi = findBinding(slot, up, ul);
  if (bi < 0) return 200;
  const b = bindAt(slot, bi);
  if (sameCallId(b, callIdPtr, callIdLen, fnv(callIdPtr, callIdLen)) && cseq <= changetype<Binding>(b).cseq) {
    return fail(LocErr.OUT_OF_ORDER);
  }
  touch(slot);
  changetype<Binding>(b).used = 0;
  announce(slot, now);
  return 200;
}

/** Removes one binding (a Contact with expires=0). Same checks and statuses as locRegister. */
export function locRemove(aorPtr: usize, aorLen: i32, contactPtr: usize, contactLen: i32,
  callIdPtr: usize, callIdLen: i32, cseq: u32, now: f64): i32 {
  return locRegister(aorPtr, aorLen, contactPtr, contactLen, 0, callIdPtr, callIdLen, cseq, LOC_CONN_NONE, now);
}

/**
 * §10.3 step 6, "Contact: *": expiresS must be 0 (pass the Expires header, -1 if absent) else
 * 400. Every binding with another Call-ID, or the same Call-ID and a lower CSeq, is removed;
 * if any has the same Call-ID and a CSeq not lower, nothing is removed and the answer is 500.
 * The caller answers 400 itself when "*" comes with other Contacts.
 */
export function locRemoveAll(aorPtr: usize, aorLen: i32, callIdPtr: usize, callIdLen: i32, cseq: u32,
  now: f64, expiresS: i32 = 0): i32 {
  lastErr = LocErr.OK;
  if (expiresS != 0) return fail(LocErr.STAR_NOT_ZERO);
  const e = canon(aorPtr, aorLen);
  if (e != LocErr.OK) return fail(e);
  if (callIdLen <= 0) return fail(LocErr.CALLID_BAD);
  const slot = findSlot();
  if (slot < 0) return 200;
  sweep(slot, now);
  const ch = fnv(callIdPtr, callIdLen);
  for (let i = 0; i < LOC_CONTACT_MAX; i++) {
    const b = bindAt(slot, i);
    if (changetype<Binding>(b).used != 0 && sameCallId(b, callIdPtr, callIdLen, ch) && cseq <= changetype<Binding>(b).cseq) {
      return fail(LocErr.OUT_OF_ORDER);
    }
  }
  touch(slot);
  for (let i = 0; i < LOC_CONTACT_MAX; i++) bnd(slot, i).used = 0;
  announce(slot, now);
  return 200;
}

/** Marks an AOR as a user of this server (known without registering; never reclaimed). 200 / 400 / 404 / 503. */
export function locProvision(aorPtr: usize, aorLen: i32, now: f64 = 0): i32 {
  lastErr = LocErr.OK;
  const e = canon(aorPtr, aorLen);
  if (e != LocErr.OK) return fail(e);
  const slot = findSlot();
  if (slot >= 0) { touch(slot); hdr(slot).flags |= F_PROV; return 200; }
  if (allocSlot(F_PROV, now) < 0) return fail(LocErr.TABLE_FULL);
  return 200;
}

/** Provisioned or registered at least once (its slot not reclaimed since): 480 rather than 404. */
export function locIsKnownAor(aorPtr: usize, aorLen: i32): bool {
  if (canon(aorPtr, aorLen) != LocErr.OK) return false;
  const slot = findSlot();
  return slot >= 0 && (hdr(slot).flags & (F_PROV | F_SEEN)) != 0;
}

// Result of the last locLookup: (slot, binding index) pairs ordered by q, then newest first.
const LOOK: usize = memory.data(LOC_CONTACT_MAX * 4, 4);
let lookSlot: i32 = -1;
let lookCount: i32 = 0;

/**
 * Live bindings of an AOR at now, ordered q descending (LOC_Q_NONE last) then newest first
 * (RFC 3261 §16.6 / RFC 3841 target order is the proxy's; this is a stable default).
 * Returns the count (0 when none or unknown), -1 when the AOR is malformed. Read them with
 * locContact*(idx), valid until the next change to the table.
 */
export function locLookup(aorPtr: usize, aorLen: i32, now: f64): i32 {
  lookSlot = -1; lookCount = 0;
  if (canon(aorPtr, aorLen) != LocErr.OK) return -1;
  const slot = findSlot();
  if (slot < 0) return 0;
  lookSlot = slot;
  for (let i = 0; i < LOC_CONTACT_MAX; i++) {
    const b = bnd(slot, i);
    if (b.used == 0 || !(b.expiresMs > now)) continue;
    // insertion sort, at most LOC_CONTACT_MAX entries
    let k = lookCount;
    while (k > 0) {
      const o = bnd(slot, load<i32>(LOOK + <usize>((k - 1) * 4)));
      if (o.q > b.q || (o.q == b.q && o.regMs >= b.regMs)) break;
      store<i32>(LOOK + <usize>(k * 4), load<i32>(LOOK + <usize>((k - 1) * 4)));
      k--;
    }
    store<i32>(LOOK + <usize>(k * 4), i);
    lookCount++;
  }
  return lookCount;
}

function lookAt(idx: i32): usize {
  return bindAt(lookSlot, load<i32>(LOOK + <usize>(idx * 4)));
}
// @ts-ignore: decorator
@inline function lookOk(idx: i32): bool { return lookSlot >= 0 && idx >= 0 && idx < lookCount; }

export function locContactUriPtr(idx: i32): usize { return lookOk(idx) ? lookAt(idx) + B_URI : 0; }
export function locContactUriLen(idx: i32): i32 { return lookOk(idx) ? <i32>changetype<Binding>(lookAt(idx)).uriLen : 0; }
export function locContactConn(idx: i32): u32 { return lookOk(idx) ? changetype<Binding>(lookAt(idx)).conn : LOC_CONN_NONE; }
export function locContactQ(idx: i32): i32 { return lookOk(idx) ? changetype<Binding>(lookAt(idx)).q : LOC_Q_NONE; }
export function locContactExpiresMs(idx: i32): f64 { return lookOk(idx) ? changetype<Binding>(lookAt(idx)).expiresMs : 0; }
/** Seconds left (rounded up) for the expires param of the 200's Contact list (§10.3 step 8). */
export function locContactRemainingS(idx: i32, now: f64): i32 {
  if (!lookOk(idx)) return 0;
  const left = changetype<Binding>(lookAt(idx)).expiresMs - now;
  return left <= 0 ? 0 : <i32>Math.ceil(left / 1000.0);
}
export function locContactSrcPtr(idx: i32): usize { return lookOk(idx) ? lookAt(idx) + B_SRC : 0; }
export function locContactSrcLen(idx: i32): i32 { return lookOk(idx) ? <i32>changetype<Binding>(lookAt(idx)).srcLen : 0; }

/** Removes every binding whose expiry is at or before now; queues unregistered events. Returns how many. */
export function locExpire(now: f64): i32 {
  let n = 0;
  for (let s = 0; s < LOC_AOR_MAX; s++) {
    if ((hdr(s).flags & F_USED) != 0) n += sweep(s, now);
  }
  return n;
}

/** Earliest binding expiry (ms) to arm the timer for locExpire, or -1 when no binding exists. */
export function locNextExpiry(): f64 {
  let best: f64 = -1;
  for (let s = 0; s < LOC_AOR_MAX; s++) {
    if ((hdr(s).flags & F_USED) == 0) continue;
    for (let i = 0; i < LOC_CONTACT_MAX; i++) {
      const b = bnd(s, i);
      if (b.used != 0 && (best < 0 || b.expiresMs < best)) best = b.expiresMs;
    }
  }
  return best;
}

/** A connection closed: its bindings stay (until they expire) but lose the flow (RFC 5626 §4.5 idea). */
export function locForgetConn(conn: u32): void {
  for (let s = 0; s < LOC_AOR_MAX; s++) {
    if ((hdr(s).flags & F_USED) == 0) continue;
    for (let i = 0; i < LOC_CONTACT_MAX; i++) {
      const b = bnd(s, i);
      if (b.used != 0 && b.conn == conn) b.conn = LOC_CONN_NONE;
    }
  }
}

/** Empties table, events and policy (tests, server restart). */
export function locReset(): void {
  memory.fill(TABLE, 0, <usize>(LOC_AOR_MAX * A_SIZE));
  evHead = 0; evCount = 0; evDropped = 0;
  txActive = false; txSlot = -1;
  lastErr = LocErr.OK;
  lookSlot = -1; lookCount = 0;
  minExpiresS = MIN_EXPIRES_S; maxExpiresS = MAX_EXPIRES_S; defaultExpiresS = DEFAULT_EXPIRES_S;
}

/** Number of AOR slots in use (tests, metrics). */
export function locAorCount(): i32 {
  let n = 0;
  for (let s = 0; s < LOC_AOR_MAX; s++) if ((hdr(s).flags & F_USED) != 0) n++;
  return n;
}
