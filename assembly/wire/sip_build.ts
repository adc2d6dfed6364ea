// SIP message builders: write a request or response into a caller-given fixed buffer.
//
// RFCs and sections:
//   RFC 3261 §7.1/§7.2  start lines: Request-Line = Method SP Request-URI SP SIP-Version CRLF,
//                        Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//   RFC 3261 §7.3       header = name HCOLON value CRLF; §7.5 empty line ends the header section
//   RFC 3261 §8.1.1.7   Via branch must start with the magic cookie "z9hG4bK"
//   RFC 3261 §8.2.6.1   100 (Trying) reflects Timestamp
//   RFC 3261 §8.2.6.2   response headers: Via (all, in order), From, Call-ID, CSeq copied;
//                        To copied and, for codes > 100, tagged when the request had no tag
//   RFC 3261 §18.3/§20.14 Content-Length: mandatory over streams, so we always write it
//
// API (no allocation; every write is bounds-checked against the writer's cap):
//   const W = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));   // one per owner
//   wStart(w, buf, cap)                        reset onto [buf, buf+cap)
//   wRequestLine(w, method: string, uriPtr, uriLen)
//   wRequestLineSpan(w, methodPtr, methodLen, uriPtr, uriLen)
//   wStatusLine(w, code, reason: string)
//   wHeader(w, name: string, valPtr, valLen)   "name: value CRLF"
//   wHeaderStr(w, name: string, value: string)
//   wHeaderU64(w, name: string, v: u64)
//   wCSeq(w, seq: u64, method: string)         "CSeq: 1 INVITE CRLF"
//   wCopyHeaderFrom(w, msg: SipMsg, index)     the parsed line verbatim (name .. end of value) + CRLF
//   wCopyAll(w, msg, hdrType)                  every header of that type, in order (Via, Record-Route)
//   piecewise header:  wHeaderOpen(w, name) then wRaw / wStr / wU64 / wBranch ... then wCrlf(w)
//   wEnd(w, bodyPtr, bodyLen)                  "Content-Length: N CRLF CRLF body"; total length or -1
//   wResponseHeadersFrom(w, req, code, reason, tagPtr, tagLen)   §8.2.6.2 copy, message left open
//   buildResponseFrom(w, req, code, reason, tagPtr, tagLen)      the same + Content-Length: 0; length or -1
//     (w must be wStart-ed; tagLen 0 = add no tag)
//   putBranch(dst, rnd: u64) -> BRANCH_LEN     "z9hG4bK" + 16 lowercase hex digits
//   hasTagParam(p, len) -> bool                ";tag=" present among a From/To value's header params
//   methodName(m: Method) -> string
//
// Failure is sticky (like a stream's error bit): the first failure sets w.err (BuildErr) and
// every later write is a no-op, so a builder sequence checks once, at wEnd. A piece that does
// not fit is not written at all, so nothing is ever stored at or past buf+cap. The bytes before
// cap may hold a partial message after a failure; the caller must not send them (wEnd said -1).
//
// Span values are checked for CR/LF (header injection would re-frame the message, §7.3) and
// the Request-URI for SP/CTL (§25.1 Request-URI has no SP). String literals (names, reasons,
// methods) are the programmer's and trusted as ASCII.

import { putAscii, putU64, isClass, C_TOKEN, C_CTL } from "../mem/bytes";
import { BAD } from "../mem/result";
import { SipMsg, HdrType, Method } from "./sip_msg";

/** Builder error enum (0 = OK). Each maps to a short reason; none is a wire reply (these are our bugs or a full buffer). */
export const enum BuildErr {
  OK = 0,
  /** The next piece does not fit in cap (outbox full -> the caller answers 503/513 or drops). */
  Overflow = 1,
  /** Status code outside 100..699 (RFC 3261 §7.2). */
  BadStatus = 2,
  /** CR/LF in a header value span, or SP/CTL in a Request-URI / method span. */
  BadByte = 3,
  /** wCopyHeaderFrom: index outside the header table or spans inconsistent. */
  BadIndex = 4,
}

export function buildErrReason(e: i32): string {
  if (e == BuildErr.OK) return "ok";
  if (e == BuildErr.Overflow) return "buffer full";
  if (e == BuildErr.BadStatus) return "status code not 100..699";
  if (e == BuildErr.BadByte) return "illegal byte in span";
  if (e == BuildErr.BadIndex) return "bad header index";
  return "unknown";
}

/** "z9hG4bK" + 16 hex digits. */
export const BRANCH_LEN: i32 = 23;

// @ts-ignore: decorator
@unmanaged
export class SipWriter {
  /** Start of the output buffer. */
  buf: usize;
  /** Bytes available at buf; nothing is written at or past buf+cap. */
  cap: i32;
  /** Bytes written so far. */
  len: i32;
  /** 1 once a piece did not fit (sticky). */
  overflow: i32;
  /** First BuildErr (sticky); Overflow is one of them. */
  err: i32;
}

/** Binds a SipWriter to its storage: sipWriterAt(memory.data(offsetof<SipWriter>(), 8)) at module level. */
export function sipWriterAt(store: usize): SipWriter {
  const w = changetype<SipWriter>(store);
  w.buf = 0; w.cap = 0; w.len = 0; w.overflow = 0; w.err = 0;
  return w;
}

export function wStart(w: SipWriter, buf: usize, cap: i32): void {
  w.buf = buf;
  w.cap = cap < 0 ? 0 : cap;
  w.len = 0;
  w.overflow = 0;
  w.err = BuildErr.OK;
}

/** Length written so far, or -1 after any failure. */
export function wResult(w: SipWriter): i32 {
  return w.err != BuildErr.OK ? BAD : w.len;
}

function fail(w: SipWriter, e: i32): i32 {
  if (w.err == BuildErr.OK) w.err = e;
  if (e == BuildErr.Overflow) w.overflow = 1;
  return BAD;
}

/** Reserves n bytes; returns the write address or 0 (and fails the writer) when they do not fit. */
// @ts-ignore: decorator
@inline function room(w: SipWriter, n: i32): usize {
  if (w.err != BuildErr.OK) return 0;
  // len <= cap always holds, so cap - len cannot underflow; compare that way round to avoid len + n overflow
  if (n < 0 || n > w.cap - w.len) { fail(w, BuildErr.Overflow); return 0; }
  return w.buf + <usize>w.len;
}

/** Number of decimal digits of v (1..20). */
function decLen(v: u64): i32 {
  let n = 1;
  let t = v;
  while (t >= 10) { t /= 10; n++; }   // at most 19 iterations
  return n;
}

/** True when [p, p+len) holds CR or LF. */
function hasCrLf(p: usize, len: i32): bool {
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 13 || c == 10) return true;
  }
  return false;
}

// ---- pieces --------------------------------------------------------------------

/** Raw bytes, unchecked (the caller vouches for them). */
export function wRaw(w: SipWriter, p: usize, n: i32): i32 {
  const d = room(w, n);
  if (d == 0) return BAD;
  memory.copy(d, p, <usize>n);
  w.len += n;
  return w.len;
}

/** An ASCII string literal. */
export function wStr(w: SipWriter, s: string): i32 {
  const n = s.length;
  const d = room(w, n);
  if (d == 0) return BAD;
  putAscii(d, s);
  w.len += n;
  return w.len;
}

/** Decimal v. */
export function wU64(w: SipWriter, v: u64): i32 {
  const n = decLen(v);
  const d = room(w, n);
  if (d == 0) return BAD;
  putU64(d, v);
  w.len += n;
  return w.len;
}

export function wCrlf(w: SipWriter): i32 {
  const d = room(w, 2);
  if (d == 0) return BAD;
  store<u16>(d, 0x0a0d);   // "\r\n" little-endian
  w.len += 2;
  return w.len;
}

/** A Via branch parameter value (RFC 3261 §8.1.1.7): "z9hG4bK" + hex of rnd. */
export function wBranch(w: SipWriter, rnd: u64): i32 {
  const d = room(w, BRANCH_LEN);
  if (d == 0) return BAD;
  putBranch(d, rnd);
  w.len += BRANCH_LEN;
  return w.len;
}

/** "name: " — follow with value pieces and wCrlf. */
export function wHeaderOpen(w: SipWriter, name: string): i32 {
  const n = name.length;
  const d = room(w, n + 2);
  if (d == 0) return BAD;
  putAscii(d, name);
  store<u16>(d + <usize>n, 0x203a);   // ": "
  w.len += n + 2;
  return w.len;
}

// ---- start lines ----------------------------------------------------------------

/** True when [p, p+len) is a non-empty Request-URI candidate: no SP, no CTL (RFC 3261 §25.1). */
function uriOk(p: usize, len: i32): bool {
  if (len <= 0) return false;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c == 32 || isClass(c, C_CTL)) return false;
  }
  return true;
}

/** RFC 3261 §7.1: Method SP Request-URI SP SIP/2.0 CRLF. */
export function wRequestLine(w: SipWriter, method: string, uriPtr: usize, uriLen: i32): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (!uriOk(uriPtr, uriLen)) return fail(w, BuildErr.BadByte);
  const m = method.length;
  const d = room(w, m + uriLen + 11);   // SP + " SIP/2.0\r\n"
  if (d == 0) return BAD;
  putAscii(d, method);
  store<u8>(d + <usize>m, 32);
  memory.copy(d + <usize>(m + 1), uriPtr, <usize>uriLen);
  putAscii(d + <usize>(m + 1 + uriLen), " SIP/2.0\r\n");
  w.len += m + uriLen + 11;
  return w.len;
}

/** The same with the method as a span (e.g. copied from a parsed request); the method must be a token (§25.1). */
export function wRequestLineSpan(w: SipWriter, mPtr: usize, mLen: i32, uriPtr: usize, uriLen: i32): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (mLen <= 0) return fail(w, BuildErr.BadByte);
  for (let i = 0; i < mLen; i++) {
    if (!isClass(load<u8>(mPtr + <usize>i), C_TOKEN)) return fail(w, BuildErr.BadByte);
  }
  if (!uriOk(uriPtr, uriLen)) return fail(w, BuildErr.BadByte);
  const d = room(w, mLen + uriLen + 11);
  if (d == 0) return BAD;
  memory.copy(d, mPtr, <usize>mLen);
  store<u8>(d + <usize>mLen, 32);
  memory.copy(d + <usize>(mLen + 1), uriPtr, <usize>uriLen);
  putAscii(d + <usize>(mLen + 1 + uriLen), " SIP/2.0\r\n");
  w.len += mLen + uriLen + 11;
  return w.len;
}

/** RFC 3261 §7.2: SIP/2.0 SP 3DIGIT SP Reason-Phrase CRLF; code must be 100..699 (§21). */
export function wStatusLine(w: SipWriter, code: i32, reason: string): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (code < 100 || code > 699) return fail(w, BuildErr.BadStatus);
  const r = reason.length;
  const d = room(w, 8 + 3 + 1 + r + 2);
  if (d == 0) return BAD;
  putAscii(d, "SIP/2.0 ");
  putU64(d + 8, <u64>code);   // exactly 3 digits in this range
  store<u8>(d + 11, 32);
  putAscii(d + 12, reason);
  store<u16>(d + <usize>(12 + r), 0x0a0d);
  w.len += 14 + r;
  return w.len;
}

// ---- headers ----------------------------------------------------------------------

/** "name: value CRLF" with the value as a span; CR/LF in the value is refused (§7.3: it would end the line). */
export function wHeader(w: SipWriter, name: string, valPtr: usize, valLen: i32): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (valLen < 0 || hasCrLf(valPtr, valLen)) return fail(w, BuildErr.BadByte);
  const n = name.length;
  const d = room(w, n + 2 + valLen + 2);
  if (d == 0) return BAD;
  putAscii(d, name);
  store<u16>(d + <usize>n, 0x203a);
  memory.copy(d + <usize>(n + 2), valPtr, <usize>valLen);
  store<u16>(d + <usize>(n + 2 + valLen), 0x0a0d);
  w.len += n + valLen + 4;
  return w.len;
}

/** "name: value CRLF" from two string literals. */
export function wHeaderStr(w: SipWriter, name: string, value: string): i32 {
  const n = name.length, v = value.length;
  const d = room(w, n + v + 4);
  if (d == 0) return BAD;
  putAscii(d, name);
  store<u16>(d + <usize>n, 0x203a);
  putAscii(d + <usize>(n + 2), value);
  store<u16>(d + <usize>(n + 2 + v), 0x0a0d);
  w.len += n + v + 4;
  return w.len;
}

/** "name: N CRLF" (Max-Forwards, Expires, Content-Length...). */
export function wHeaderU64(w: SipWriter, name: string, v: u64): i32 {
  const n = name.length, k = decLen(v);
  const d = room(w, n + k + 4);
  if (d == 0) return BAD;
  putAscii(d, name);
  store<u16>(d + <usize>n, 0x203a);
  putU64(d + <usize>(n + 2), v);
  store<u16>(d + <usize>(n + 2 + k), 0x0a0d);
  w.len += n + k + 4;
  return w.len;
}

/** RFC 3261 §20.16: "CSeq: seq METHOD CRLF". */
export function wCSeq(w: SipWriter, seq: u64, method: string): i32 {
  const m = method.length, k = decLen(seq);
  const d = room(w, 6 + k + 1 + m + 2);
  if (d == 0) return BAD;
  putAscii(d, "CSeq: ");
  putU64(d + 6, seq);
  store<u8>(d + <usize>(6 + k), 32);
  putAscii(d + <usize>(7 + k), method);
  store<u16>(d + <usize>(7 + k + m), 0x0a0d);
  w.len += 9 + k + m;
  return w.len;
}

/**
 * Copies header `index` of a parsed message verbatim: from the first name byte to the last
 * value byte (keeping the peer's compact name, spacing and folding, §7.3.1), then CRLF.
 * Verbatim copy is what §8.2.6.2 asks for Via/From/Call-ID/CSeq and what a proxy does
 * (Kamailio lumps): no re-parse, no re-encode.
 */
export function wCopyHeaderFrom(w: SipWriter, msg: SipMsg, index: i32): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (index < 0 || index >= msg.hdrCount) return fail(w, BuildErr.BadIndex);
  const start = msg.nameOff(index);
  const nameEnd = start + msg.nameLen(index);
  const vo = msg.valOff(index), vl = msg.valLen(index);
  // the HCOLON lies between name and value, so a sane entry has valOff > name end; an empty
  // value then still copies "Name:" (and any spacing the peer put after the colon)
  if (start < 0 || nameEnd <= start || vo <= nameEnd || vl < 0) return fail(w, BuildErr.BadIndex);
  const end = vo + vl;
  if (msg.len > 0 && end > msg.len) return fail(w, BuildErr.BadIndex);
  return wCopyRange(w, msg.base + <usize>start, end - start);
}

/**
 * Copies every header of HdrType t, in message order (Via for a response, Record-Route into a
 * dialog-creating response per §12.1.1, Route for a proxy). Returns the length or -1.
 */
export function wCopyAll(w: SipWriter, msg: SipMsg, t: i32): i32 {
  const n = msg.hdrCount;
  for (let i = 0; i < n; i++) {
    if (msg.hdrType(i) == t && wCopyHeaderFrom(w, msg, i) < 0) return BAD;
  }
  return wResult(w);
}

function wCopyRange(w: SipWriter, p: usize, n: i32): i32 {
  const d = room(w, n + 2);
  if (d == 0) return BAD;
  memory.copy(d, p, <usize>n);
  store<u16>(d + <usize>n, 0x0a0d);
  w.len += n + 2;
  return w.len;
}

/**
 * Ends the header section: "Content-Length: N CRLF CRLF" then the body (§7.5, §20.14).
 * Returns the total message length, or -1 if anything failed since wStart.
 */
export function wEnd(w: SipWriter, bodyPtr: usize, bodyLen: i32): i32 {
  if (w.err != BuildErr.OK) return BAD;
  if (bodyLen < 0) return fail(w, BuildErr.BadIndex);
  const k = decLen(<u64>bodyLen);
  const n = 16 + k + 4 + bodyLen;
  const d = room(w, n);
  if (d == 0) return BAD;
  putAscii(d, "Content-Length: ");
  putU64(d + 16, <u64>bodyLen);
  store<u32>(d + <usize>(16 + k), 0x0a0d0a0d);   // CRLF CRLF
  if (bodyLen > 0) memory.copy(d + <usize>(20 + k), bodyPtr, <usize>bodyLen);
  w.len += n;
  return w.len;
}

// ---- helpers ------------------------------------------------------------------------

// @ts-ignore: decorator
@lazy const HEX: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/**
 * RFC 3261 §8.1.1.7: a branch starts with the magic cookie "z9hG4bK" so that RFC 3261
 * elements can tell it is unique per transaction. The host supplies the randomness
 * (the core reads no entropy source). Writes BRANCH_LEN bytes at dst; returns BRANCH_LEN.
 */
export function putBranch(dst: usize, rnd: u64): i32 {
  putAscii(dst, "z9hG4bK");
  for (let i = 0; i < 16; i++) {
    const nib = <u32>((rnd >> <u64>((15 - i) << 2)) & 0xf);
    store<u8>(dst + <usize>(7 + i), load<u8>(HEX + <usize>nib));
  }
  return BRANCH_LEN;
}

/**
 * True when a From/To value [p, p+len) carries a "tag" header parameter (RFC 3261 §20.20, §20.39).
 * Only params outside the display-name quotes and outside <...> count: in name-addr form a
 * ";tag=" inside the brackets is a URI parameter, not ours. In addr-spec form (no '<') every
 * ';' after the URI starts a header param (§20: URI params need the name-addr form). One pass,
 * bounded by len.
 */
export function hasTagParam(p: usize, len: i32): bool {
  let inQuote = false, inAngle = false;
  let i = 0;
  while (i < len) {
    const c = load<u8>(p + <usize>i);
    if (inQuote) {
      if (c == 92) i++;                  // quoted-pair: skip the escaped byte
      else if (c == 34) inQuote = false;
      i++;
      continue;
    }
    if (inAngle) {
      if (c == 62) inAngle = false;
      i++;
      continue;
    }
    if (c == 34) { inQuote = true; i++; continue; }
    if (c == 60) { inAngle = true; i++; continue; }
    i++;
    if (c != 59) continue;               // ';' starts a param: SEMI = SWS ";" SWS
    let j = i;
    while (j < len && isWsOrFold(load<u8>(p + <usize>j))) j++;
    if (j + 3 <= len
        && (load<u8>(p + <usize>j) | 0x20) == 116        // t
        && (load<u8>(p + <usize>j + 1) | 0x20) == 97     // a
        && (load<u8>(p + <usize>j + 2) | 0x20) == 103) { // g
      const k = j + 3;
      if (k == len) return true;
      const e = load<u8>(p + <usize>k);
      if (e == 61 || e == 59 || isWsOrFold(e)) return true;   // "tag" ends at = ; or ws
    }
  }
  return false;
}

// @ts-ignore: decorator
@inline function isWsOrFold(c: u32): bool { return c == 32 || c == 9 || c == 13 || c == 10; }

/** The method token for a Method enum value ("" for Unknown). */
export function methodName(m: i32): string {
  switch (m) {
    case Method.INVITE: return "INVITE";
    case Method.ACK: return "ACK";
    case Method.BYE: return "BYE";
    case Method.CANCEL: return "CANCEL";
    case Method.OPTIONS: return "OPTIONS";
    case Method.REGISTER: return "REGISTER";
    case Method.MESSAGE: return "MESSAGE";
    case Method.INFO: return "INFO";
    case Method.PRACK: return "PRACK";
    case Method.UPDATE: return "UPDATE";
    case Method.SUBSCRIBE: return "SUBSCRIBE";
    case Method.NOTIFY: return "NOTIFY";
    case Method.REFER: return "REFER";
    case Method.PUBLISH: return "PUBLISH";
  }
  return "";
}

// ---- responses ----------------------------------------------------------------------

/**
 * Status line plus the headers RFC 3261 §8.2.6.2 copies from the request, leaving the
 * message open for Contact, Record-Route, a body... (finish with wEnd):
 *   - every Via, in request order (a Via line may hold several values; copied verbatim);
 *   - From, Call-ID, CSeq verbatim (first occurrence);
 *   - To verbatim; when code > 100, the To had no tag and a tag span is given
 *     (tagLen > 0), ";tag=" + tag is appended (a UAS MUST tag, §8.2.6.2; 100 MAY omit it);
 *   - for 100 (Trying), Timestamp is copied (§8.2.6.1).
 * Missing headers are skipped, not refused: the same call answers a malformed request with 400.
 */
export function wResponseHeadersFrom(w: SipWriter, req: SipMsg, code: i32, reason: string, tagPtr: usize, tagLen: i32): i32 {
  if (wStatusLine(w, code, reason) < 0) return BAD;
  const n = req.hdrCount;
  // Via lines first and in order (§8.2.6.2, and §18.2.2 routes the response by the top Via)
  wCopyAll(w, req, HdrType.Via);
  if (req.firstFrom >= 0) wCopyHeaderFrom(w, req, req.firstFrom);
  if (req.firstTo >= 0) {
    const t = req.firstTo;
    if (code > 100 && tagLen > 0
        && !hasTagParam(req.base + <usize>req.valOff(t), req.valLen(t))) {
      wCopyToWithTag(w, req, t, tagPtr, tagLen);
    } else {
      wCopyHeaderFrom(w, req, t);
    }
  }
  if (req.firstCallId >= 0) wCopyHeaderFrom(w, req, req.firstCallId);
  if (req.firstCSeq >= 0) wCopyHeaderFrom(w, req, req.firstCSeq);
  if (code == 100) {
    for (let i = 0; i < n; i++) {
      if (req.hdrType(i) == HdrType.Timestamp) { wCopyHeaderFrom(w, req, i); break; }
    }
  }
  return wResult(w);
}

/** To line verbatim up to the end of its value, then ";tag=" tag CRLF. The tag must be a token (§25.1). */
function wCopyToWithTag(w: SipWriter, req: SipMsg, t: i32, tagPtr: usize, tagLen: i32): i32 {
  for (let i = 0; i < tagLen; i++) {
    if (!isClass(load<u8>(tagPtr + <usize>i), C_TOKEN)) return fail(w, BuildErr.BadByte);
  }
  const start = req.nameOff(t);
  const nameEnd = start + req.nameLen(t);
  const vo = req.valOff(t), vl = req.valLen(t);
  const end = vo + vl;
  if (start < 0 || nameEnd <= start || vo <= nameEnd || vl <= 0) return fail(w, BuildErr.BadIndex);
  if (req.len > 0 && end > req.len) return fail(w, BuildErr.BadIndex);
  const n = end - start;
  const d = room(w, n + 5 + tagLen + 2);
  if (d == 0) return BAD;
  memory.copy(d, req.base + <usize>start, <usize>n);
  putAscii(d + <usize>n, ";tag=");
  memory.copy(d + <usize>(n + 5), tagPtr, <usize>tagLen);
  store<u16>(d + <usize>(n + 5 + tagLen), 0x0a0d);
  w.len += n + 7 + tagLen;
  return w.len;
}

/**
 * A complete body-less response to req (§8.2.6.2) on a writer the caller has wStart-ed:
 * wResponseHeadersFrom + "Content-Length: 0" + empty line.
 * Returns the total length, or -1 (w.err says why) — never writes past buf+cap.
 */
export function buildResponseFrom(w: SipWriter, req: SipMsg, code: i32, reason: string, tagPtr: usize, tagLen: i32): i32 {
  wResponseHeadersFrom(w, req, code, reason, tagPtr, tagLen);
  return wEnd(w, 0, 0);
}
