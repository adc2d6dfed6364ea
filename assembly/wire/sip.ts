// SIP message framing (RFC 3261 §7, §7.3.1 folding, §7.3.3 compact forms, §7.5 framing,
// §18.3 datagram vs stream). One pass over the header lines: each line is split into a
// case-insensitive name (first-byte dispatch, Kamailio parse_hname2 style) and a raw value
// span; folded continuation lines stay inside the value (value parsers treat CR/LF as LWS).
// Nothing is copied: the SipMsg view holds offsets into the caller's buffer.
//
// Exported API:
//   sipParse(base, len, msg, datagram): i32
//       > 0  bytes consumed by one whole message (datagram: Content-Length rules of §18.3;
//            octets after the body are ignored)
//       NEED_MORE (stream only) / BAD with msg.err = SipErr
//   hdrTypeOf(base, off, len): i32            HdrType of a header name (compact forms too)
//   sipHeadParse(base, start, limit, closed, msg): i32   start line + header table only;
//       returns the body offset, NEED_MORE or BAD
//   SipStream framer over a caller-given buffer (TCP, §18.3: Content-Length framing):
//       sipStreamAt(store) / sipStreamReset(s, buf, cap) / sipStreamFeed(s, src, n): i32 bytes taken /
//       sipStreamNext(s, msg): i32 (> 0 message length at s.buf, NEED_MORE, BAD) /
//       sipStreamConsume(s, n)
//     The framer keeps `scanFrom` (picohttpparser's last_len): a byte-at-a-time peer costs O(n),
//     the header section is parsed once, then only the body length is awaited.

import { isClass, C_TOKEN, C_DIGIT, eqNoCase, lower } from "../mem/bytes";
import { BAD, NEED_MORE } from "../mem/result";
import { SIP_HDR_MAX } from "../mem/limits";
import { SipMsg, HdrType, HDR_STRIDE } from "./sip_msg";
import { SipErr } from "./sip_err";
import { methodOf } from "./sip_hdr";

// @ts-ignore: decorator
@inline function at(b: usize, i: i32): u32 { return <u32>load<u8>(b + <usize>i); }
// @ts-ignore: decorator
@inline function isSpTab(c: u32): bool { return c == 32 || c == 9; }

// ---------------------------------------------------------------- header names

/** HdrType of a header name [off, off+len): first-byte dispatch, then length, then a caseless compare. */
export function hdrTypeOf(b: usize, off: i32, len: i32): i32 {
  const p = b + <usize>off;
  const c = lower(at(b, off));
  if (len == 1) {
    // RFC 3261 §7.3.3 compact forms (+ RFC 3265 o/u, RFC 3515 r)
    switch (c) {
      case 0x76: return HdrType.Via;             // v
      case 0x66: return HdrType.From;            // f
      case 0x74: return HdrType.To;              // t
      case 0x69: return HdrType.CallId;          // i
      case 0x6d: return HdrType.Contact;         // m
      case 0x6c: return HdrType.ContentLength;   // l
      case 0x63: return HdrType.ContentType;     // c
      case 0x6b: return HdrType.Supported;       // k
      case 0x65: return HdrType.ContentEncoding; // e
      case 0x73: return HdrType.Subject;         // s
      case 0x6f: return HdrType.Event;           // o
      case 0x72: return HdrType.ReferTo;         // r
      case 0x75: return HdrType.AllowEvents;     // u
    }
    return HdrType.Other;
  }
  switch (c) {
    case 0x61: // a
      if (len == 6) { if (eqNoCase(p, 6, "Accept")) return HdrType.Accept; }
      else if (len == 5) { if (eqNoCase(p, 5, "Allow")) return HdrType.Allow; }
      else if (len == 13) { if (eqNoCase(p, 13, "Authorization")) return HdrType.Authorization; }
      else if (len == 15) {
        if (eqNoCase(p, 15, "Accept-Encoding")) return HdrType.AcceptEncoding;
        if (eqNoCase(p, 15, "Accept-Language")) return HdrType.AcceptLanguage;
      }
      else if (len == 10) { if (eqNoCase(p, 10, "Alert-Info")) return HdrType.AlertInfo; }
      else if (len == 12) { if (eqNoCase(p, 12, "Allow-Events")) return HdrType.AllowEvents; }
      break;
    case 0x63: // c
      if (len == 7) {
        if (eqNoCase(p, 7, "Call-ID")) return HdrType.CallId;
        if (eqNoCase(p, 7, "Contact")) return HdrType.Contact;
      }
      else if (len == 4) { if (eqNoCase(p, 4, "CSeq")) return HdrType.CSeq; }
      else if (len == 12) { if (eqNoCase(p, 12, "Content-Type")) return HdrType.ContentType; }
      else if (len == 14) { if (eqNoCase(p, 14, "Content-Length")) return HdrType.ContentLength; }
      else if (len == 16) {
        if (eqNoCase(p, 16, "Content-Encoding")) return HdrType.ContentEncoding;
        if (eqNoCase(p, 16, "Content-Language")) return HdrType.ContentLanguage;
      }
      else if (len == 19) { if (eqNoCase(p, 19, "Content-Disposition")) return HdrType.ContentDisposition; }
      else if (len == 9) { if (eqNoCase(p, 9, "Call-Info")) return HdrType.CallInfo; }
      break;
    case 0x64: // d
      if (len == 4 && eqNoCase(p, 4, "Date")) return HdrType.Date;
      break;
    case 0x65: // e
      if (len == 7) { if (eqNoCase(p, 7, "Expires")) return HdrType.Expires; }
      else if (len == 5) { if (eqNoCase(p, 5, "Event")) return HdrType.Event; }
      else if (len == 10) { if (eqNoCase(p, 10, "Error-Info")) return HdrType.ErrorInfo; }
      break;
    case 0x66: // f
      if (len == 4 && eqNoCase(p, 4, "From")) return HdrType.From;
      break;
    case 0x69: // i
      if (len == 11 && eqNoCase(p, 11, "In-Reply-To")) return HdrType.InReplyTo;
      break;
    case 0x6d: // m
      if (len == 12) { if (eqNoCase(p, 12, "Max-Forwards")) return HdrType.MaxForwards; }
      else if (len == 11) { if (eqNoCase(p, 11, "Min-Expires")) return HdrType.MinExpires; }
      if (len == 12 && eqNoCase(p, 12, "MIME-Version")) return HdrType.MimeVersion;
      break;
    case 0x6f: // o
      if (len == 12 && eqNoCase(p, 12, "Organization")) return HdrType.Organization;
      break;
    case 0x70: // p
      if (len == 13) { if (eqNoCase(p, 13, "Proxy-Require")) return HdrType.ProxyRequire; }
      else if (len == 18) { if (eqNoCase(p, 18, "Proxy-Authenticate")) return HdrType.ProxyAuthenticate; }
      else if (len == 19) { if (eqNoCase(p, 19, "Proxy-Authorization")) return HdrType.ProxyAuthorization; }
      else if (len == 8) { if (eqNoCase(p, 8, "Priority")) return HdrType.Priority; }
      else if (len == 4) { if (eqNoCase(p, 4, "Path")) return HdrType.Path; }
      break;
    case 0x72: // r
      if (len == 5) { if (eqNoCase(p, 5, "Route")) return HdrType.Route; }
      else if (len == 12) { if (eqNoCase(p, 12, "Record-Route")) return HdrType.RecordRoute; }
      else if (len == 7) { if (eqNoCase(p, 7, "Require")) return HdrType.Require; }
      else if (len == 11) { if (eqNoCase(p, 11, "Retry-After")) return HdrType.RetryAfter; }
      else if (len == 8) {
        if (eqNoCase(p, 8, "Reply-To")) return HdrType.ReplyTo;
        if (eqNoCase(p, 8, "Refer-To")) return HdrType.ReferTo;
      }
      break;
    case 0x73: // s
      if (len == 9) { if (eqNoCase(p, 9, "Supported")) return HdrType.Supported; }
      else if (len == 7) { if (eqNoCase(p, 7, "Subject")) return HdrType.Subject; }
      else if (len == 6) { if (eqNoCase(p, 6, "Server")) return HdrType.Server; }
      else if (len == 18) { if (eqNoCase(p, 18, "Subscription-State")) return HdrType.SubscriptionState; }
      else if (len == 13) { if (eqNoCase(p, 13, "Service-Route")) return HdrType.ServiceRoute; }
      break;
    case 0x74: // t
      if (len == 2) { if (eqNoCase(p, 2, "To")) return HdrType.To; }
      else if (len == 9) { if (eqNoCase(p, 9, "Timestamp")) return HdrType.Timestamp; }
      break;
    case 0x75: // u
      if (len == 10) { if (eqNoCase(p, 10, "User-Agent")) return HdrType.UserAgent; }
      else if (len == 11) { if (eqNoCase(p, 11, "Unsupported")) return HdrType.Unsupported; }
      break;
    case 0x76: // v
      if (len == 3 && eqNoCase(p, 3, "Via")) return HdrType.Via;
      break;
    case 0x77: // w
      if (len == 7) { if (eqNoCase(p, 7, "Warning")) return HdrType.Warning; }
      else if (len == 16) { if (eqNoCase(p, 16, "WWW-Authenticate")) return HdrType.WwwAuthenticate; }
      break;
  }
  return HdrType.Other;
}

// ---------------------------------------------------------------- start line

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (§25.1; ABNF literals are caseless). */
function versionOk(b: usize, s: i32, e: i32): bool {
  if (e - s < 7 || !eqNoCase(b + <usize>s, 4, "SIP/")) return false;
  let i = s + 4;
  const d1 = i;
  while (i < e && isClass(at(b, i), C_DIGIT)) i++;
  if (i == d1 || i >= e || at(b, i) != 46) return false;
  i++;
  const d2 = i;
  while (i < e && isClass(at(b, i), C_DIGIT)) i++;
  return i > d2 && i == e;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF (§7.1): exactly one SP between
 * the parts (RFC 4475 lwsstart, trws, lwsruri are 400).
 * Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF (§7.2): a 3-digit code
 * (RFC 4475 bigcode), the reason may be empty (noreason) or UTF-8 (unreason).
 * [s, e) is the line without its CRLF.
 */
function startLine(b: usize, s: i32, e: i32, m: SipMsg): i32 {
  m.method = 0; m.methodOff = s; m.methodLen = 0; m.uriOff = s; m.uriLen = 0;
  m.verOff = s; m.verLen = 0; m.status = 0; m.reasonOff = s; m.reasonLen = 0;
  if (e - s >= 4 && eqNoCase(b + <usize>s, 4, "SIP/")) {
    m.isRequest = 0;
    let i = s;
    while (i < e && at(b, i) != 32) i++;
    if (!versionOk(b, s, i)) return SipErr.VersionSyntax;
    m.verOff = s; m.verLen = i - s;
    if (i + 4 > e) return SipErr.Status;
    const d0 = at(b, i + 1) - 48, d1 = at(b, i + 2) - 48, d2 = at(b, i + 3) - 48;
    if (d0 >= 10 || d1 >= 10 || d2 >= 10) return SipErr.Status;
    m.status = <i32>(d0 * 100 + d1 * 10 + d2);
    i += 4;
    if (i == e) { m.reasonOff = e; m.reasonLen = 0; return SipErr.Ok; }   // lenient: "SIP/2.0 200" without SP
    if (at(b, i) != 32) return SipErr.Status;
    m.reasonOff = i + 1; m.reasonLen = e - i - 1;
    for (let k = i + 1; k < e; k++) { const c = at(b, k); if (c < 32 && c != 9 || c == 127) return SipErr.StartLine; }
    return SipErr.Ok;
  }
  m.isRequest = 1;
  let i = s;
  while (i < e && isClass(at(b, i), C_TOKEN)) i++;
  if (i == s || i >= e || at(b, i) != 32) return SipErr.StartLine;
  m.methodOff = s; m.methodLen = i - s;
  m.method = methodOf(b, s, i - s);
  i++;
  const us = i;
  while (i < e) { const c = at(b, i); if (c <= 32 || c == 127) break; i++; }
  if (i == us) return SipErr.RequestUri;
  m.uriOff = us; m.uriLen = i - us;
  if (i >= e || at(b, i) != 32) return SipErr.RequestUri;
  i++;
  if (!versionOk(b, i, e)) return SipErr.VersionSyntax;
  m.verOff = i; m.verLen = e - i;
  return SipErr.Ok;
}

// ---------------------------------------------------------------- header section

function resetMsg(b: usize, m: SipMsg): void {
  m.base = b; m.len = 0; m.bodyOff = 0; m.bodyLen = 0; m.isRequest = 0; m.method = 0;
  m.status = 0; m.hdrCount = 0; m.seen = 0; m.contentLength = -1;
  m.firstVia = -1; m.firstFrom = -1; m.firstTo = -1; m.firstCallId = -1; m.firstCSeq = -1;
  m.firstContact = -1; m.firstContentType = -1; m.firstMaxForwards = -1; m.firstRoute = -1;
  m.firstRecordRoute = -1; m.firstExpires = -1; m.err = 0; m.hdrEnd = 0; m.startOff = 0;
}

function fail(m: SipMsg, e: i32): i32 { m.err = e; return BAD; }

/** Adds one header to the table and keeps the hot-header links; returns SipErr. */
function addHeader(b: usize, m: SipMsg, ns: i32, nl: i32, vs: i32, vl: i32): i32 {
  const n = m.hdrCount;
  if (n >= SIP_HDR_MAX) return SipErr.TooManyHeaders;
  const t = hdrTypeOf(b, ns, nl);
  const row = m.hdrs + <usize>(n * HDR_STRIDE);
  store<i32>(row, t); store<i32>(row, ns, 4); store<i32>(row, nl, 8); store<i32>(row, vs, 12); store<i32>(row, vl, 16);
  m.hdrCount = n + 1;
  const bit = <u64>1 << <u64>t;
  const first = (m.seen & bit) == 0;
  m.seen |= bit;
  if (!first) {
    if (t == HdrType.ContentLength) return clValue(b, m, vs, vl);
    return SipErr.Ok;
  }
  switch (t) {
    case HdrType.Via: m.firstVia = n; break;
    case HdrType.From: m.firstFrom = n; break;
    case HdrType.To: m.firstTo = n; break;
    case HdrType.CallId: m.firstCallId = n; break;
    case HdrType.CSeq: m.firstCSeq = n; break;
    case HdrType.Contact: m.firstContact = n; break;
    case HdrType.ContentType: m.firstContentType = n; break;
    case HdrType.MaxForwards: m.firstMaxForwards = n; break;
    case HdrType.Route: m.firstRoute = n; break;
    case HdrType.RecordRoute: m.firstRecordRoute = n; break;
    case HdrType.Expires: m.firstExpires = n; break;
    case HdrType.ContentLength: return clValue(b, m, vs, vl);
  }
  return SipErr.Ok;
}

/**
 * Content-Length = 1*DIGIT (§20.14). Framing depends on it, so it is read here: a negative
 * value (RFC 4475 ncl) or two different values (mcl01) make the framing unknowable.
 */
function clValue(b: usize, m: SipMsg, vs: i32, vl: i32): i32 {
  if (vl <= 0) return SipErr.ContentLength;
  let v: i64 = 0;
  for (let i = vs; i < vs + vl; i++) {
    const d = at(b, i) - 48;
    if (d >= 10) return SipErr.ContentLength;
    v = v * 10 + <i64>d;
    if (v > 0x7fffffff) return SipErr.ContentLength;
  }
  if (m.contentLength >= 0 && m.contentLength != v) return SipErr.ContentLengthConflict;
  m.contentLength = v;
  return SipErr.Ok;
}

/**
 * Parses the start line and the header lines in [start, limit). Leading CRLFs are skipped
 * (§7.5). `closed` says no more header bytes will come: a datagram whose header section
 * lacks the empty line (RFC 4475 baddn) ends its headers at `limit`. Returns the body offset,
 * NEED_MORE (only when !closed) or BAD (m.err).
 */
export function sipHeadParse(b: usize, start: i32, limit: i32, closed: bool, m: SipMsg): i32 {
  resetMsg(b, m);
  let pos = start;
  while (pos < limit && (at(b, pos) == 13 || at(b, pos) == 10)) pos++;
  m.startOff = pos;
  // kind first, so a caller can tell a broken response (dropped) from a broken request (answered)
  m.isRequest = (limit - pos >= 4 && eqNoCase(b + <usize>pos, 4, "SIP/")) ? 0 : 1;
  // start line
  let lf = pos;
  while (lf < limit && at(b, lf) != 10) lf++;
  if (lf >= limit) {
    if (!closed) return NEED_MORE;
    return fail(m, SipErr.StartLine);
  }
  if (lf == pos || at(b, lf - 1) != 13) return fail(m, SipErr.BareLf);
  let e = startLine(b, pos, lf - 1, m);
  if (e != SipErr.Ok) return fail(m, e);
  pos = lf + 1;
  // header lines: name *(SP/HTAB) ":" value, continuation lines start with SP/HTAB (§7.3.1)
  for (;;) {
    if (pos >= limit) {
      if (!closed) return NEED_MORE;
      m.hdrEnd = limit; return limit;                        // no empty line: judge what is there
    }
    let c = at(b, pos);
    if (c == 13) {
      if (pos + 1 >= limit) {
        if (!closed) return NEED_MORE;
        m.hdrEnd = limit; return limit;
      }
      if (at(b, pos + 1) != 10) return fail(m, SipErr.BareLf);
      m.hdrEnd = pos + 2;
      return pos + 2;
    }
    if (c == 10) return fail(m, SipErr.BareLf);
    const ns = pos;
    while (pos < limit && isClass(at(b, pos), C_TOKEN)) pos++;
    const nl = pos - ns;
    if (pos >= limit) { if (!closed) return NEED_MORE; return fail(m, nl == 0 ? SipErr.HeaderName : SipErr.HeaderColon); }
    if (nl == 0) return fail(m, SipErr.HeaderName);
    while (pos < limit && isSpTab(at(b, pos))) pos++;
    if (pos >= limit) { if (!closed) return NEED_MORE; return fail(m, SipErr.HeaderColon); }
    if (at(b, pos) != 58) return fail(m, SipErr.HeaderColon);
    pos++;
    const vs0 = pos;
    let ve = -1;
    let next = -1;
    // value: up to a CRLF not followed by SP/HTAB; every pass moves pos forward
    while (pos < limit) {
      // fast path: eight value bytes at a time while none is below 14 (SWAR, exact: only
      // CR, LF and other controls stop it; the load stays inside [0, limit))
      if (pos + 8 <= limit) {
        const x = load<u64>(b + <usize>pos);
        if (((x - 0x0e0e0e0e0e0e0e0e) & ~x & 0x8080808080808080) == 0) { pos += 8; continue; }
      }
      c = at(b, pos);
      if (c > 13) { pos++; continue; }   // most value bytes
      if (c == 13) {
        if (pos + 1 >= limit) break;
        if (at(b, pos + 1) != 10) return fail(m, SipErr.BareLf);
        if (pos + 2 >= limit) {
          if (!closed) return NEED_MORE;                     // cannot tell a fold yet
          ve = pos; next = limit; break;
        }
        if (isSpTab(at(b, pos + 2))) { pos += 3; continue; } // folded line
        ve = pos; next = pos + 2; break;
      }
      if (c == 10) return fail(m, SipErr.BareLf);
      pos++;
    }
    if (ve < 0) {
      if (!closed) return NEED_MORE;
      ve = limit; next = limit;                              // datagram ends inside the last line
    }
    // trim LWS (incl. folds) around the value
    let vs = vs0;
    while (vs < ve && (isSpTab(at(b, vs)) || at(b, vs) == 13 || at(b, vs) == 10)) vs++;
    let vend = ve;
    while (vend > vs && (isSpTab(at(b, vend - 1)) || at(b, vend - 1) == 13 || at(b, vend - 1) == 10)) vend--;
    e = addHeader(b, m, ns, nl, vs, vend - vs);
    if (e != SipErr.Ok) return fail(m, e);
    pos = next;
  }
  return BAD; // unreachable: the loop only exits by return
}

/**
 * One message at [base, base+len). Datagram (§18.3): Content-Length, when present, bounds
 * the body and later octets are ignored (RFC 4475 dblreq); a larger value is a 400 (clerr);
 * without it the body is the rest of the datagram (inv2543). Stream: Content-Length is
 * mandatory and NEED_MORE is returned until the whole body is there.
 */
export function sipParse(base: usize, len: i32, m: SipMsg, datagram: bool): i32 {
  const bo = sipHeadParse(base, 0, len, datagram, m);
  if (bo < 0) return bo;
  return sipBody(m, bo, len, datagram, 0x7fffffff);
}

function sipBody(m: SipMsg, bo: i32, len: i32, datagram: bool, cap: i32): i32 {
  m.bodyOff = bo;
  const cl = m.contentLength;
  if (datagram) {
    if (cl < 0) { m.bodyLen = len - bo; m.len = len; return len; }
    if (<i64>bo + cl > <i64>len) return fail(m, SipErr.BodyShort);
    m.bodyLen = <i32>cl; m.len = bo + <i32>cl;
    return m.len;
  }
  if (cl < 0) return fail(m, SipErr.ContentLengthMissing);
  if (<i64>bo + cl > <i64>cap) return fail(m, SipErr.BodyTooLarge);
  if (<i64>bo + cl > <i64>len) return NEED_MORE;
  m.bodyLen = <i32>cl; m.len = bo + <i32>cl;
  return m.len;
}

// ---------------------------------------------------------------- stream framer

// @ts-ignore: decorator
@unmanaged
export class SipStream {
  buf: usize;
  cap: i32;
  /** Bytes held in buf. */
  len: i32;
  /** Next byte to examine while looking for the empty line (bytes before it were scanned). */
  scanFrom: i32;
  /** Offset just past the empty line, -1 until found. */
  hdrEnd: i32;
  /** Whole message length once the header section is parsed, -1 before. */
  total: i32;
}
export function sipStreamAt(store: usize): SipStream { return changetype<SipStream>(store); }

export function sipStreamReset(s: SipStream, buf: usize, cap: i32): void {
  s.buf = buf; s.cap = cap; s.len = 0; s.scanFrom = 0; s.hdrEnd = -1; s.total = -1;
}

/** Appends up to n bytes from src; returns how many fit (consume messages to make room). */
export function sipStreamFeed(s: SipStream, src: usize, n: i32): i32 {
  const k = min(n, s.cap - s.len);
  if (k <= 0) return 0;
  memory.copy(s.buf + <usize>s.len, src, <usize>k);
  s.len += k;
  return k;
}

/** Drops n bytes (a message returned by sipStreamNext) from the front of the buffer. */
export function sipStreamConsume(s: SipStream, n: i32): void {
  if (n > s.len) n = s.len;
  if (n <= 0) return;
  const rest = s.len - n;
  if (rest > 0) memory.copy(s.buf, s.buf + <usize>n, <usize>rest);
  s.len = rest; s.scanFrom = 0; s.hdrEnd = -1; s.total = -1;
}

/**
 * The next whole message at s.buf: its length (> 0, parsed into m), NEED_MORE, or BAD
 * (m.err; the connection's framing is lost, §18.3 says close it). Pass the same m on
 * every call until it returns > 0: the header table is built once.
 */
export function sipStreamNext(s: SipStream, m: SipMsg): i32 {
  const b = s.buf;
  if (s.hdrEnd < 0) {
    if (s.scanFrom == 0) {
      // §7.5: CRLFs before a start line are ignored (also RFC 5626 keep-alives)
      let k = 0;
      while (k < s.len && (at(b, k) == 13 || at(b, k) == 10)) k++;
      if (k > 0) sipStreamConsume(s, k);
    }
    const len = s.len;
    let i = s.scanFrom;
    for (; i < len; i++) {
      if (at(b, i) != 10) continue;
      if (i == 0 || at(b, i - 1) != 13) { s.scanFrom = i; m.err = SipErr.BareLf; return BAD; }
      if (i >= 3 && at(b, i - 2) == 10) { s.hdrEnd = i + 1; break; }   // "\r\n\r\n" (every LF has its CR)
    }
    if (s.hdrEnd < 0) {
      s.scanFrom = len;
      if (len >= s.cap) { m.err = SipErr.TooLarge; return BAD; }
      return NEED_MORE;
    }
  }
  if (s.total < 0) {
    const bo = sipHeadParse(b, 0, s.hdrEnd, true, m);
    if (bo < 0) return BAD;
    const r = sipBody(m, bo, s.len, false, s.cap);
    if (r == BAD) return BAD;
    s.total = bo + <i32>m.contentLength;
    if (r > 0) return r;
    return NEED_MORE;
  }
  if (s.len < s.total) return NEED_MORE;
  m.bodyOff = s.hdrEnd; m.bodyLen = s.total - s.hdrEnd; m.len = s.total;
  return s.total;
}
