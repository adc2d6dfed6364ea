// message/cpim parser: a zero-copy view (offsets into the body) of one CPIM message.
//
// RFCs and sections:
//   RFC 3862 §3     message/cpim = message headers, empty line, an encapsulated MIME object
//                   (its own MIME headers, empty line, content). Lines end in CRLF.
//   RFC 3862 §3.1   Header = Header-name ":" *( ";" Parameter ) SP Header-value CRLF;
//                   Header-name = [Name-prefix "."] Name; NAMECHAR excludes "." and ":", so the
//                   prefix split is unambiguous. Names and prefixes are case-sensitive.
//   RFC 3862 §4/§5  From (once), To (repeatable), cc, DateTime, Subject (;lang=), NS, Require.
//                   From/To/cc = [Formal-name] "<" URI ">", Formal-name = 1*(Token SP) / String.
//   RFC 3862 §5.7   NS: [Name-prefix SP] "<" URI ">" declares a prefix for the headers that follow;
//                   a prefixed header whose prefix no earlier NS declared is refused.
//   RFC 3862 §5.8   Require: Header-name *("," Header-name)
//   RFC 3339 §5.6   DateTime = full-date "T" full-time, time-offset "Z" / ("+"/"-") hh ":" mm
//   RFC 5438 §6     imdn.Message-ID, imdn.Disposition-Notification under NS <urn:ietf:params:imdn>
//   RFC 2045 §5, RFC 5322 §2.2  the encapsulated MIME headers: "name: value", names caseless,
//                   continuation lines (folding) extend the previous value.
//
// We require From and at least one To (RFC 7701 chats route and fan out on them) and a
// Content-Type on the encapsulated object (it is what the application dispatches on). A
// Content-Length, when present, must equal the content length. parseCpim returns the body
// length or BAD with view.err (CpimErr); the SIP/MSRP layer answers 400.

import { CPIM_HDR_MAX } from "../mem/limits";
import { BAD } from "../mem/result";
import { eqExact, eqNoCase, eqSpan, isClass, isDigit, isWs, C_ALPHA, C_DIGIT, C_TOKEN } from "../mem/bytes";

/** parse flag: accept lines ended by a bare LF. Off by default (RFC 3862 uses CRLF). */
export const CPIM_LENIENT_LF: i32 = 2;

export const enum CpimErr {
  Ok = 0, Empty = 1, LineEnd = 2, NoColon = 3, BadName = 4, BadParam = 5, BadValue = 6,
  NoEmptyLine = 7, TooManyHeaders = 8, MissingFrom = 9, MissingTo = 10, Duplicate = 11,
  BadAddress = 12, BadDateTime = 13, BadNs = 14, UndeclaredPrefix = 15, BadRequire = 16,
  NoContentType = 17, BadContentType = 18, BadContentLength = 19, BadContentHeader = 20,
  TooLarge = 21, Count = 22
}

/** Header kinds. Message headers (part 0) then MIME content headers (part 1). */
export const enum CpimHdr {
  Other = 0, From = 1, To = 2, Cc = 3, DateTime = 4, Subject = 5, NS = 6, Require = 7,
  /** Name-prefix "." Name, prefix declared by NS. */
  Ext = 8,
  ImdnMessageId = 9, ImdnDisposition = 10,
  ContentType = 16, ContentId = 17, ContentDisposition = 18, ContentLength = 19, ContentOther = 20
}

export function cpimErrCode(e: i32): i32 {
  if (e == CpimErr.Ok) return 0;
  if (e == CpimErr.TooLarge) return 413;
  return 400;
}

export function cpimErrReason(e: i32): string {
  switch (e) {
    case CpimErr.Ok: return "ok";
    case CpimErr.Empty: return "empty CPIM body";
    case CpimErr.LineEnd: return "CPIM line not ended by CRLF";
    case CpimErr.NoColon: return "CPIM header without colon";
    case CpimErr.BadName: return "bad CPIM header name";
    case CpimErr.BadParam: return "bad CPIM header parameter";
    case CpimErr.BadValue: return "bad CPIM header value";
    case CpimErr.NoEmptyLine: return "CPIM headers not ended by an empty line";
    case CpimErr.TooManyHeaders: return "too many CPIM headers";
    case CpimErr.MissingFrom: return "CPIM without From";
    case CpimErr.MissingTo: return "CPIM without To";
    case CpimErr.Duplicate: return "duplicate CPIM header";
    case CpimErr.BadAddress: return "bad CPIM address";
    case CpimErr.BadDateTime: return "bad CPIM DateTime";
    case CpimErr.BadNs: return "bad CPIM NS";
    case CpimErr.UndeclaredPrefix: return "undeclared CPIM namespace prefix";
    case CpimErr.BadRequire: return "bad CPIM Require";
    case CpimErr.NoContentType: return "CPIM content without Content-Type";
    case CpimErr.BadContentType: return "bad Content-Type";
    case CpimErr.BadContentLength: return "bad Content-Length";
    case CpimErr.BadContentHeader: return "bad MIME header";
    case CpimErr.TooLarge: return "CPIM body too large";
  }
  return "CPIM error";
}

/** Header table entry. uri/disp: From/To/cc (URI, display name), NS (URI, prefix). Spans are offsets into the body. */
// @ts-ignore: decorator
@unmanaged
export class CpimHdrEntry {
  kind: i32;
  /** 0 message header, 1 MIME content header. */
  part: i32;
  nameOff: i32; nameLen: i32;
  /** Length of the Name-prefix before "." (0 when none). */
  prefixLen: i32;
  /** Header-parameters span (";lang=fr"), len 0 when none. */
  paramOff: i32; paramLen: i32;
  valOff: i32; valLen: i32;
  uriOff: i32; uriLen: i32;
  dispOff: i32; dispLen: i32;
}

// @ts-ignore: decorator
@unmanaged
export class CpimMsg {
  base: usize;
  len: i32;
  flags: i32;
  err: i32;
  errOff: i32;
  hdrCount: i32;
  /** The first msgHdrCount entries are message headers, the rest MIME content headers. */
  msgHdrCount: i32;
  /** Table index of each header, -1 when absent (firstTo: the first of toCount). */
  fromIdx: i32; firstTo: i32; toCount: i32; ccCount: i32;
  dateTimeIdx: i32; subjectCount: i32; nsCount: i32; requireIdx: i32;
  imdnMessageIdIdx: i32; imdnDispositionIdx: i32;
  contentTypeIdx: i32; contentIdIdx: i32; contentDispositionIdx: i32; contentLengthIdx: i32;
  contentOff: i32; contentLen: i32;
  hdrs: usize;

  // @ts-ignore: decorator
  @inline h(i: i32): CpimHdrEntry { return changetype<CpimHdrEntry>(this.hdrs + <usize>(i * offsetof<CpimHdrEntry>())); }
}

/**
 * Binds a view to its storage (one memory.data segment per call site):
 *   const MSG = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));
 */
export function cpimMsgAt(store: usize, hdrs: usize): CpimMsg {
  const m = changetype<CpimMsg>(store);
  m.hdrs = hdrs;
  return m;
}

/** RFC 3862 §3.1 NAMECHAR = %x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT */
export function isNameChar(c: u32): bool {
  if (isClass(c, C_ALPHA | C_DIGIT)) return true;
  return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
    (c >= 0x5e && c <= 0x60) || c == 0x7c || c == 0x7e;
}

function nameCharsOk(p: usize, off: i32, len: i32): bool {
  if (len <= 0) return false;
  for (let i = 0; i < len; i++) if (!isNameChar(load<u8>(p + off + i))) return false;
  return true;
}

// @ts-ignore: decorator
@inline function two(p: usize, i: i32): i32 {
  const a = <u32>load<u8>(p + i) - 48, b = <u32>load<u8>(p + i + 1) - 48;
  if (a > 9 || b > 9) return -1;
  return <i32>(a * 10 + b);
}

/** RFC 3339 §5.6 date-time, strict: YYYY-MM-DD "T" hh:mm:ss [.1*DIGIT] ("Z" / ("+"/"-") hh:mm). */
export function dateTimeOk(p: usize, off: i32, len: i32): bool {
  if (len < 20) return false;
  const q = p + off;
  for (let i = 0; i < 4; i++) if (!isDigit(load<u8>(q + i))) return false;
  const year = <i32>(load<u8>(q) - 48) * 1000 + <i32>(load<u8>(q + 1) - 48) * 100 + two(q, 2);
  if (load<u8>(q + 4) != 0x2d || load<u8>(q + 7) != 0x2d) return false;
  const month = two(q, 5), day = two(q, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  // date-mday: 28, 29, 30 or 31 by month and year (RFC 3339 §5.7)
  let mdays = 31;
  if (month == 4 || month == 6 || month == 9 || month == 11) mdays = 30;
  else if (month == 2) mdays = ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0) ? 29 : 28;
  if (day > mdays) return false;
  // RFC 3339 §5.6 NOTE: "T" and "Z" may be lower case
  const t = load<u8>(q + 10);
  if (t != 0x54 && t != 0x74) return false;
  const hh = two(q, 11), mm = two(q, 14), ss = two(q, 17);
  if (load<u8>(q + 13) != 0x3a || load<u8>(q + 16) != 0x3a) return false;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return false;   // 60: leap second
  let i = 19;
  if (load<u8>(q + i) == 0x2e) {
    i++;
    const s = i;
    while (i < len && isDigit(load<u8>(q + i))) i++;
    if (i == s) return false;
  }
  if (i >= len) return false;
  const z = load<u8>(q + i);
  if (z == 0x5a || z == 0x7a) return i + 1 == len;
  if (z != 0x2b && z != 0x2d) return false;
  if (i + 6 != len || load<u8>(q + i + 3) != 0x3a) return false;
  const oh = two(q, i + 1), om = two(q, i + 4);
  return oh >= 0 && oh <= 23 && om >= 0 && om <= 59;
}

/**
 * [Formal-name] "<" URI ">" (RFC 3862 §4.1); also NS: [Name-prefix SP] "<" URI ">".
 * Writes uri/disp spans into h; returns false on bad syntax.
 */
function addressOk(p: usize, off: i32, len: i32, h: CpimHdrEntry, isNs: bool): bool {
  const end = off + len;
  let i = off;
  h.dispOff = off; h.dispLen = 0;
  if (i < end && load<u8>(p + i) == 0x22) {
    if (isNs) return false;
    // String = DQUOTE *( Str-char / Escape ) DQUOTE
    i++;
    while (i < end && load<u8>(p + i) != 0x22) {
      if (load<u8>(p + i) == 0x5c) i++;   // escape: skip the next byte
      i++;
    }
    if (i >= end) return false;
    i++;
    h.dispLen = i - off;
    if (i < end && load<u8>(p + i) == 32) i++;
  } else {
    // 1*( Token SP ) for From/To/cc; Name-prefix SP for NS
    while (i < end && load<u8>(p + i) != 0x3c) {
      const s = i;
      while (i < end && load<u8>(p + i) != 32) {
        const c = <u32>load<u8>(p + i);
        if (c == 0x3c || c == 0x3e || c == 0x22) return false;
        if (isNs && !isNameChar(c)) return false;
        i++;
      }
      if (i == s || i >= end) return false;   // empty word, or no "<" after the name
      h.dispLen = i - off;
      i++;                                     // SP
      if (isNs) break;
    }
  }
  if (i >= end || load<u8>(p + i) != 0x3c) return false;
  i++;
  const u = i;
  // URI: scheme ":" ..., no SP, CTL, "<", ">"
  if (u >= end || !isClass(load<u8>(p + u), C_ALPHA)) return false;
  let colon = false;
  while (i < end && load<u8>(p + i) != 0x3e) {
    const c = <u32>load<u8>(p + i);
    if (c <= 32 || c == 0x7f || c == 0x3c) return false;
    if (c == 0x3a && !colon) {
      colon = true;
    } else if (!colon && !isClass(c, C_ALPHA | C_DIGIT) && c != 0x2b && c != 0x2d && c != 0x2e) return false;
    i++;
  }
  if (i >= end || !colon || i + 1 != end) return false;
  h.uriOff = u; h.uriLen = i - u;
  return true;
}

/** Index of the NS header (among the first n) that declares prefix [off, off+len), or -1. */
function nsIndex(m: CpimMsg, n: i32, off: i32, len: i32): i32 {
  for (let k = 0; k < n; k++) {
    const h = m.h(k);
    if (h.kind == CpimHdr.NS && eqSpan(m.base + h.dispOff, h.dispLen, m.base + off, len, false)) return k;
  }
  return -1;
}

/** Header-name = [Name-prefix "."] Name over [off, off+len); the prefix, if any, must be declared. */
function headerNameOk(m: CpimMsg, n: i32, off: i32, len: i32): i32 {
  const p = m.base;
  let dot = -1;
  for (let k = off; k < off + len; k++) {
    const c = <u32>load<u8>(p + k);
    if (c == 0x2e) {
      if (dot >= 0) return CpimErr.BadName;
      dot = k;
    } else if (!isNameChar(c)) return CpimErr.BadName;
  }
  if (len <= 0 || dot == off || dot == off + len - 1) return CpimErr.BadName;
  if (dot >= 0 && nsIndex(m, n, off, dot - off) < 0) return CpimErr.UndeclaredPrefix;
  return CpimErr.Ok;
}

function fail(m: CpimMsg, e: i32, off: i32): i32 {
  m.err = e;
  m.errOff = off;
  return BAD;
}

// Line scanning state (set by nextLine): the content end of the line and the next line's start.
let lineEnd: i32 = 0;
let lineNext: i32 = 0;

/** Finds the end of the line at pos. Returns CpimErr.Ok, or LineEnd (no terminator, bare LF, lone CR). */
function nextLine(p: usize, len: i32, pos: i32, flags: i32): i32 {
  let j = pos;
  while (j < len && load<u8>(p + j) != 10) j++;
  if (j >= len) return CpimErr.NoEmptyLine;
  let end = j;
  if (end > pos && load<u8>(p + end - 1) == 13) end--;
  else if ((flags & CPIM_LENIENT_LF) == 0) return CpimErr.LineEnd;
  lineEnd = end;
  lineNext = j + 1;
  return CpimErr.Ok;
}

/** Parses one message header line [off, end) into entry n. Returns CpimErr. */
function messageHeader(m: CpimMsg, n: i32, off: i32, end: i32): i32 {
  const p = m.base;
  const h = m.h(n);
  h.part = 0; h.kind = CpimHdr.Other; h.prefixLen = 0;
  h.paramOff = 0; h.paramLen = 0; h.uriOff = 0; h.uriLen = 0; h.dispOff = 0; h.dispLen = 0;
  let i = off;
  let dot = -1;
  while (i < end) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x3a) break;
    if (c == 0x2e && dot < 0) dot = i;
    else if (!isNameChar(c)) return (c == 32 || c == 9) && i > off ? CpimErr.NoColon : CpimErr.BadName;
    i++;
  }
  if (i >= end) return CpimErr.NoColon;
  h.nameOff = off; h.nameLen = i - off;
  if (h.nameLen == 0 || dot == off || dot == i - 1) return CpimErr.BadName;
  i++;
  // Header-parameters = *( ";" Parameter ), Parameter = Param-name "=" Param-value
  const ps = i;
  while (i < end && load<u8>(p + i) == 0x3b) {
    i++;
    const s = i;
    while (i < end && isNameChar(load<u8>(p + i))) i++;
    if (i == s || i >= end || load<u8>(p + i) != 0x3d) return CpimErr.BadParam;
    i++;
    const vs = i;
    if (i < end && load<u8>(p + i) == 0x22) {
      i++;
      while (i < end && load<u8>(p + i) != 0x22) {
        if (load<u8>(p + i) == 0x5c) i++;
        i++;
      }
      if (i >= end) return CpimErr.BadParam;
      i++;
    } else {
      while (i < end) {
        const c = <u32>load<u8>(p + i);
        if (c == 32 || c == 0x3b || c == 0x22 || c < 32 || c == 0x7f) break;
        i++;
      }
    }
    if (i == vs) return CpimErr.BadParam;
  }
  h.paramOff = ps; h.paramLen = i - ps;
  // exactly one SP, then the value (RFC 3862 §3.1 "Header-name ":" Header-parameters SP Header-value")
  if (i >= end || load<u8>(p + i) != 32) return CpimErr.BadValue;
  i++;
  h.valOff = i; h.valLen = end - i;
  for (let k = i; k < end; k++) {
    const c = <u32>load<u8>(p + k);
    if (c < 32 || c == 0x7f) return CpimErr.BadValue;
    if (c == 0x5c && k + 1 >= end) return CpimErr.BadValue;   // a lone escape at the end
  }
  if (dot >= 0) {
    h.prefixLen = dot - off;
    const ns = nsIndex(m, n, off, h.prefixLen);
    if (ns < 0) return CpimErr.UndeclaredPrefix;
    h.kind = CpimHdr.Ext;
    // RFC 5438 §6: the IMDN headers live in the namespace urn:ietf:params:imdn
    const nh = m.h(ns);
    if (eqExact(p + nh.uriOff, nh.uriLen, "urn:ietf:params:imdn")) {
      const ln = dot + 1, ll = off + h.nameLen - ln;
      if (eqExact(p + ln, ll, "Message-ID")) {
        if (m.imdnMessageIdIdx >= 0) return CpimErr.Duplicate;
        h.kind = CpimHdr.ImdnMessageId; m.imdnMessageIdIdx = n;
      } else if (eqExact(p + ln, ll, "Disposition-Notification")) {
        if (m.imdnDispositionIdx >= 0) return CpimErr.Duplicate;
        h.kind = CpimHdr.ImdnDisposition; m.imdnDispositionIdx = n;
      }
    }
    return CpimErr.Ok;
  }
  const np = p + off, nl = h.nameLen;
  if (eqExact(np, nl, "From")) {
    if (m.fromIdx >= 0) return CpimErr.Duplicate;
    if (!addressOk(p, h.valOff, h.valLen, h, false)) return CpimErr.BadAddress;
    h.kind = CpimHdr.From; m.fromIdx = n;
  } else if (eqExact(np, nl, "To")) {
    if (!addressOk(p, h.valOff, h.valLen, h, false)) return CpimErr.BadAddress;
    h.kind = CpimHdr.To;
    if (m.toCount == 0) m.firstTo = n;
    m.toCount++;
  } else if (eqExact(np, nl, "cc")) {
    if (!addressOk(p, h.valOff, h.valLen, h, false)) return CpimErr.BadAddress;
    h.kind = CpimHdr.Cc; m.ccCount++;
  } else if (eqExact(np, nl, "DateTime")) {
    if (m.dateTimeIdx >= 0) return CpimErr.Duplicate;
    if (!dateTimeOk(p, h.valOff, h.valLen)) return CpimErr.BadDateTime;
    h.kind = CpimHdr.DateTime; m.dateTimeIdx = n;
  } else if (eqExact(np, nl, "Subject")) {
    h.kind = CpimHdr.Subject; m.subjectCount++;
  } else if (eqExact(np, nl, "NS")) {
    if (!addressOk(p, h.valOff, h.valLen, h, true)) return CpimErr.BadNs;
    // one declaration per prefix (and one default namespace)
    if (nsIndex(m, n, h.dispOff, h.dispLen) >= 0) return CpimErr.BadNs;
    h.kind = CpimHdr.NS; m.nsCount++;
  } else if (eqExact(np, nl, "Require")) {
    // Require: Header-name *( "," Header-name ); we tolerate SP after a comma
    let k = h.valOff;
    const e = h.valOff + h.valLen;
    if (k >= e) return CpimErr.BadRequire;
    while (k < e) {
      const s = k;
      while (k < e && load<u8>(p + k) != 0x2c) k++;
      const r = headerNameOk(m, n, s, k - s);
      if (r != CpimErr.Ok) return r == CpimErr.UndeclaredPrefix ? r : CpimErr.BadRequire;
      if (k < e) {
        k++;
        if (k < e && load<u8>(p + k) == 32) k++;
        if (k >= e) return CpimErr.BadRequire;
      }
    }
    if (m.requireIdx < 0) m.requireIdx = n;
    h.kind = CpimHdr.Require;
  }
  return CpimErr.Ok;
}

/** type "/" subtype over the first token of a Content-Type value (RFC 2045 §5.1). */
function contentTypeOk(p: usize, off: i32, len: i32): bool {
  const end = off + len;
  let i = off;
  while (i < end && isClass(load<u8>(p + i), C_TOKEN)) i++;
  if (i == off || i >= end || load<u8>(p + i) != 0x2f) return false;
  i++;
  const s = i;
  while (i < end && isClass(load<u8>(p + i), C_TOKEN)) i++;
  if (i == s) return false;
  while (i < end && isWs(load<u8>(p + i))) i++;
  return i == end || load<u8>(p + i) == 0x3b;
}

/** One MIME header line [off, end) into entry n (RFC 5322 §2.2: field-name ":" unstructured). */
function contentHeader(m: CpimMsg, n: i32, off: i32, end: i32): i32 {
  const p = m.base;
  const h = m.h(n);
  h.part = 1; h.kind = CpimHdr.ContentOther; h.prefixLen = 0;
  h.paramOff = 0; h.paramLen = 0; h.uriOff = 0; h.uriLen = 0; h.dispOff = 0; h.dispLen = 0;
  let i = off;
  while (i < end) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x3a) break;
    if (c <= 32 || c >= 127) return CpimErr.BadContentHeader;   // ftext = %d33-57 / %d59-126
    i++;
  }
  if (i >= end || i == off) return CpimErr.BadContentHeader;
  h.nameOff = off; h.nameLen = i - off;
  i++;
  while (i < end && isWs(load<u8>(p + i))) i++;
  h.valOff = i; h.valLen = end - i;
  while (h.valLen > 0 && isWs(load<u8>(p + h.valOff + h.valLen - 1))) h.valLen--;
  for (let k = h.valOff; k < end; k++) {
    const c = <u32>load<u8>(p + k);
    if ((c < 32 && c != 9) || c == 0x7f) return CpimErr.BadContentHeader;
  }
  const np = p + off, nl = h.nameLen;
  if (eqNoCase(np, nl, "Content-Type")) {
    if (m.contentTypeIdx >= 0) return CpimErr.Duplicate;
    h.kind = CpimHdr.ContentType; m.contentTypeIdx = n;
  } else if (eqNoCase(np, nl, "Content-ID")) {
    if (m.contentIdIdx >= 0) return CpimErr.Duplicate;
    h.kind = CpimHdr.ContentId; m.contentIdIdx = n;
  } else if (eqNoCase(np, nl, "Content-Disposition")) {
    if (m.contentDispositionIdx >= 0) return CpimErr.Duplicate;
    h.kind = CpimHdr.ContentDisposition; m.contentDispositionIdx = n;
  } else if (eqNoCase(np, nl, "Content-Length")) {
    if (m.contentLengthIdx >= 0) return CpimErr.Duplicate;
    h.kind = CpimHdr.ContentLength; m.contentLengthIdx = n;
  }
  return CpimErr.Ok;
}

/**
 * Parses the message/cpim body [base, base+len) into m. Returns len, or BAD with m.err (CpimErr)
 * and m.errOff (offset of the failing line). flags: CPIM_LENIENT_LF.
 */
export function parseCpim(m: CpimMsg, base: usize, len: i32, flags: i32): i32 {
  m.base = base; m.len = len; m.flags = flags; m.err = CpimErr.Ok; m.errOff = -1;
  m.hdrCount = 0; m.msgHdrCount = 0;
  m.fromIdx = -1; m.firstTo = -1; m.toCount = 0; m.ccCount = 0; m.dateTimeIdx = -1;
  m.subjectCount = 0; m.nsCount = 0; m.requireIdx = -1; m.imdnMessageIdIdx = -1; m.imdnDispositionIdx = -1;
  m.contentTypeIdx = -1; m.contentIdIdx = -1; m.contentDispositionIdx = -1; m.contentLengthIdx = -1;
  m.contentOff = 0; m.contentLen = 0;
  if (len <= 0) return fail(m, CpimErr.Empty, 0);
  const p = base;
  let pos = 0;
  // message headers (RFC 3862 §3): each loop consumes one line, so at most len iterations
  while (true) {
    const e = nextLine(p, len, pos, flags);
    if (e != CpimErr.Ok) return fail(m, e, pos);
    if (lineEnd == pos) { pos = lineNext; break; }
    if (m.hdrCount >= CPIM_HDR_MAX) return fail(m, CpimErr.TooManyHeaders, pos);
    for (let k = pos; k < lineEnd; k++) if (load<u8>(p + k) == 13) return fail(m, CpimErr.LineEnd, pos);
    const r = messageHeader(m, m.hdrCount, pos, lineEnd);
    if (r != CpimErr.Ok) return fail(m, r, pos);
    m.hdrCount++;
    pos = lineNext;
  }
  m.msgHdrCount = m.hdrCount;
  if (m.fromIdx < 0) return fail(m, CpimErr.MissingFrom, 0);
  if (m.toCount == 0) return fail(m, CpimErr.MissingTo, 0);
  // encapsulated MIME headers, then the empty line
  while (true) {
    const e = nextLine(p, len, pos, flags);
    if (e != CpimErr.Ok) return fail(m, e, pos);
    if (lineEnd == pos) { pos = lineNext; break; }
    for (let k = pos; k < lineEnd; k++) if (load<u8>(p + k) == 13) return fail(m, CpimErr.LineEnd, pos);
    if (isWs(load<u8>(p + pos))) {
      // RFC 5322 §2.2.3 folding: the line continues the previous MIME header's value
      if (m.hdrCount == m.msgHdrCount) return fail(m, CpimErr.BadContentHeader, pos);
      const h = m.h(m.hdrCount - 1);
      for (let k = pos; k < lineEnd; k++) {
        const c = <u32>load<u8>(p + k);
        if ((c < 32 && c != 9) || c == 0x7f) return fail(m, CpimErr.BadContentHeader, pos);
      }
      let ve = lineEnd;
      while (ve > pos && isWs(load<u8>(p + ve - 1))) ve--;
      if (ve > pos && ve > h.valOff + h.valLen) h.valLen = ve - h.valOff;
      pos = lineNext;
      continue;
    }
    if (m.hdrCount >= CPIM_HDR_MAX) return fail(m, CpimErr.TooManyHeaders, pos);
    const r = contentHeader(m, m.hdrCount, pos, lineEnd);
    if (r != CpimErr.Ok) return fail(m, r, pos);
    m.hdrCount++;
    pos = lineNext;
  }
  m.contentOff = pos; m.contentLen = len - pos;
  if (m.contentTypeIdx < 0) return fail(m, CpimErr.NoContentType, pos);
  const ct = m.h(m.contentTypeIdx);
  if (!contentTypeOk(p, ct.valOff, ct.valLen)) return fail(m, CpimErr.BadContentType, ct.nameOff);
  if (m.contentLengthIdx >= 0) {
    const cl = m.h(m.contentLengthIdx);
    let v: i64 = 0;
    if (cl.valLen <= 0 || cl.valLen > 9) return fail(m, CpimErr.BadContentLength, cl.nameOff);
    for (let k = 0; k < cl.valLen; k++) {
      const d = <u32>load<u8>(p + cl.valOff + k) - 48;
      if (d > 9) return fail(m, CpimErr.BadContentLength, cl.nameOff);
      v = v * 10 + d;
    }
    if (v != <i64>m.contentLen) return fail(m, CpimErr.BadContentLength, cl.nameOff);
  }
  return len;
}
