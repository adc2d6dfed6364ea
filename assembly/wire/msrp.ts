// Incremental MSRP frame parser (the hot path).
// RFC 4975 §5.1 (framing), §7 (method-specific rules), §9 (ABNF):
//   msrp-req-or-resp = msrp-request / msrp-response
//   msrp-request  = req-start headers [content-stuff] end-line
//   msrp-response = resp-start headers end-line
//   req-start  = pMSRP SP transact-id SP method CRLF
//   resp-start = pMSRP SP transact-id SP status-code [SP comment] CRLF
//   headers    = To-Path CRLF From-Path CRLF 1*( header CRLF )
//   content-stuff = *(Other-Mime-header CRLF) Content-Type 2CRLF data CRLF
//   end-line   = "-------" transact-id continuation-flag CRLF
// RFC 4976 (AUTH, Use-Path, Expires family), RFC 7701 (chat: message/cpim bodies pass through).
//
// Design (STYLE §1, §3): bytes in, events out. The start line and header section are
// copied into a caller-given header buffer (they may arrive split); the view holds
// offsets into that buffer. The body is never buffered: msrpFeed() hands it out in
// pieces pointing into the caller's input (or into the small holdback area for bytes that
// looked like the start of an end-line but were not). Call msrpFeed() with the unconsumed
// rest of the input until it reports NONE (needs more input) or ERROR:
//   HEADERS  header section complete; view filled; p.err may hold a frame error
//   BODY     p.bodyPtr/p.bodyLen is the next piece of body
//   END      this frame's end-line seen; p.flag is '$', '+' or '#'
//   ERROR    framing error (p.err), the stream cannot resync; the parser stays here
// The view stays valid after END until the first byte of the next frame is fed.

import { MSRP_HDR_MAX, MSRP_HOLD_CAP, MSRP_TID_MAX } from "../mem/limits";
import { isClass, C_ALPHA, C_DIGIT, C_TOKEN, C_IDENT, eqNoCase, lower, parseDec } from "../mem/bytes";
import { MsrpErr } from "./msrp_err";
import { msrpPathCount } from "./msrp_uri";

export const enum MsrpEvent { None = 0, Headers = 1, Body = 2, End = 3, Error = 4 }

/** Methods of RFC 4975 §7 and RFC 4976; Other = other-method (answered 501). */
export const enum MsrpMethod { Other = 0, SEND = 1, REPORT = 2, AUTH = 3 }

/** Header types (RFC 4975 §9, RFC 4976 §5). Other = ext-header. */
export const enum MsrpHdr {
  Other = 0, ToPath = 1, FromPath = 2, MessageId = 3, ByteRange = 4, Status = 5,
  SuccessReport = 6, FailureReport = 7, ContentType = 8, UsePath = 9, Expires = 10,
  MinExpires = 11, MaxExpires = 12, WwwAuthenticate = 13, Authorization = 14,
  AuthenticationInfo = 15, ContentId = 16, ContentDescription = 17, ContentDisposition = 18,
  Count = 19
}

/** Report header values: 0 absent. */
export const REPORT_YES: i32 = 1;
export const REPORT_NO: i32 = 2;
export const REPORT_PARTIAL: i32 = 3;

/** Byte-Range end or total given as "*". */
export const RANGE_STAR: i64 = -1;

/** Bytes per header table entry: type, nameOff, nameLen, valOff, valLen (all i32). */
export const MSRP_HDR_STRIDE: i32 = 20;

const S_IDLE: i32 = 0;   // between frames: the view of the last frame is still valid
const S_START: i32 = 1;  // reading the start line
const S_HDR: i32 = 2;    // reading header lines
const S_BODY: i32 = 3;   // streaming the body / matching the end-line
const S_ERROR: i32 = 4;  // framing error: stuck until msrpReset

const CR: u32 = 13;
const LF: u32 = 10;
const DASH: u32 = 45;
const SP: u32 = 32;

// @ts-ignore: decorator
@unmanaged
export class MsrpParser {
  // 8-byte fields first (natural alignment)
  /** Byte-Range numbers; end/total RANGE_STAR for "*"; start 0 = header absent. */
  rangeStart: i64;
  rangeEnd: i64;
  rangeTotal: i64;
  /** Expires (RFC 4976), -1 when absent. */
  expires: i64;
  /** Body octets handed out so far in this frame. */
  bodyTotal: i64;
  hdrBuf: usize;
  hdrs: usize;
  hold: usize;
  /** Current BODY piece. */
  bodyPtr: usize;
  bodyLen: i32;
  hdrCap: i32;
  hdrLen: i32;
  lineOff: i32;
  state: i32;
  event: i32;
  /** MsrpErr: framing error (state ERROR) or the first frame error of this frame. */
  err: i32;
  // start line (offsets into hdrBuf)
  startLen: i32;
  isRequest: i32;
  method: i32;
  methodOff: i32; methodLen: i32;
  tidOff: i32; tidLen: i32;
  /** Response status code (100..999 digits), 0 for a request. */
  status: i32;
  commentOff: i32; commentLen: i32;
  // header table
  hdrCount: i32;
  seen: u32;
  lastType: i32;
  /** Table index of the first header of each hot type, -1 when absent. */
  iToPath: i32; iFromPath: i32; iMessageId: i32; iByteRange: i32; iStatus: i32;
  iContentType: i32; iUsePath: i32;
  /** Status header: namespace, code, reason span. */
  statusNs: i32; statusCode: i32; statusReasonOff: i32; statusReasonLen: i32;
  successReport: i32; failureReport: i32;
  /** 1 when the header section ended with an empty line (a body follows). */
  hasBody: i32;
  /** End-line matching: bytes matched so far, and bytes of them kept in hold. */
  m: i32;
  holdLen: i32;
  noBody: i32;
  /** Continuation flag of the end-line: '$' (36), '+' (43), '#' (35). */
  flag: i32;
  pendFlag: i32;

  // @ts-ignore: decorator
  @inline hdrType(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * MSRP_HDR_STRIDE)); }
  // @ts-ignore: decorator
  @inline nameOff(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * MSRP_HDR_STRIDE), 4); }
  // @ts-ignore: decorator
  @inline nameLen(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * MSRP_HDR_STRIDE), 8); }
  // @ts-ignore: decorator
  @inline valOff(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * MSRP_HDR_STRIDE), 12); }
  // @ts-ignore: decorator
  @inline valLen(i: i32): i32 { return load<i32>(this.hdrs + <usize>(i * MSRP_HDR_STRIDE), 16); }
  // @ts-ignore: decorator
  @inline has(t: i32): bool { return (this.seen & (<u32>1 << <u32>t)) != 0; }
  /** True while a frame is partly read (for "incomplete frame" at close). */
  // @ts-ignore: decorator
  @inline inFrame(): bool { return this.state == S_START || this.state == S_HDR || this.state == S_BODY; }
  // @ts-ignore: decorator
  @inline failed(): bool { return this.state == S_ERROR; }
}

/** Bytes for one MsrpParser including its holdback area. */
export const MSRP_PARSER_BYTES: i32 = offsetof<MsrpParser>() + MSRP_HOLD_CAP;

/**
 * Binds a parser to its storage (memory.data gives one segment per call site, so each
 * owner reserves its own at module level):
 *   const P = msrpParserAt(memory.data(MSRP_PARSER_BYTES, 8),
 *     memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8), memory.data(CONN_RX_CAP, 8), CONN_RX_CAP);
 */
export function msrpParserAt(store: usize, hdrs: usize, hdrBuf: usize, hdrCap: i32): MsrpParser {
  const p = changetype<MsrpParser>(store);
  p.hdrs = hdrs;
  p.hdrBuf = hdrBuf;
  p.hdrCap = hdrCap;
  p.hold = store + <usize>offsetof<MsrpParser>();
  msrpReset(p);
  return p;
}

/** Back to the start of a stream (new connection). */
/** The parser is inside a frame's body (the next bytes are body or its end-line). */
export function msrpInBody(p: MsrpParser): bool { return p.state == S_BODY; }

export function msrpReset(p: MsrpParser): void {
  frameReset(p);
  p.state = S_IDLE;
  p.event = MsrpEvent.None;
}

function frameReset(p: MsrpParser): void {
  p.rangeStart = 0; p.rangeEnd = 0; p.rangeTotal = 0; p.expires = -1; p.bodyTotal = 0;
  p.bodyPtr = 0; p.bodyLen = 0;
  p.hdrLen = 0; p.lineOff = 0; p.err = 0;
  p.startLen = 0; p.isRequest = 0; p.method = 0; p.methodOff = 0; p.methodLen = 0;
  p.tidOff = 0; p.tidLen = 0; p.status = 0; p.commentOff = 0; p.commentLen = 0;
  p.hdrCount = 0; p.seen = 0; p.lastType = -1;
  p.iToPath = -1; p.iFromPath = -1; p.iMessageId = -1; p.iByteRange = -1; p.iStatus = -1;
  p.iContentType = -1; p.iUsePath = -1;
  p.statusNs = -1; p.statusCode = 0; p.statusReasonOff = 0; p.statusReasonLen = 0;
  p.successReport = 0; p.failureReport = 0; p.hasBody = 0;
  p.m = 0; p.holdLen = 0; p.noBody = 0; p.flag = 0; p.pendFlag = 0;
}

// @ts-ignore: decorator
@inline function setErr(p: MsrpParser, e: i32): void { if (p.err == 0) p.err = e; }

function fail(p: MsrpParser, e: i32): void {
  p.err = e;
  p.state = S_ERROR;
  p.event = MsrpEvent.Error;
}

/**
 * Feeds n bytes at src. Returns how many were consumed and sets p.event; call again
 * with the rest (even with n == 0 after a non-NONE event) until the event is NONE or ERROR.
 */
export function msrpFeed(p: MsrpParser, src: usize, n: i32): i32 {
  p.event = MsrpEvent.None;
  p.bodyLen = 0;
  if (n < 0) n = 0;
  if (p.state == S_ERROR) { p.event = MsrpEvent.Error; return 0; }
  if (p.state == S_BODY) return feedBody(p, src, n);
  return feedHead(p, src, n);
}

// ---------------------------------------------------------------------------------
// Start line and header section: copied byte by byte into hdrBuf (small, not the hot path)

function feedHead(p: MsrpParser, src: usize, n: i32): i32 {
  const buf = p.hdrBuf;
  let i = 0;
  while (i < n) {
    const c = <u32>load<u8>(src + <usize>i);
    if (p.state == S_IDLE) { frameReset(p); p.state = S_START; }
    if (p.state == S_START) {
      // RFC 4975 §9 pMSRP = %x4D.53.52.50 ("MSRP" in caps) then SP: reject junk early
      // instead of buffering up to hdrCap bytes of it.
      if (p.hdrLen < 5 && c != <u32>"MSRP ".charCodeAt(p.hdrLen)) { fail(p, MsrpErr.StartLine); return i; }
    } else if (p.lineOff == p.hdrLen && c == DASH) {
      // hname = ALPHA *token, so a line starting with '-' is the end-line of a frame
      // without body: the CRLF that closed the last header is the end-line's leading
      // CRLF, so the matcher starts with 2 bytes matched.
      finishHeaders(p, false);
      p.state = S_BODY; p.noBody = 1;
      store<u8>(p.hold, <u8>CR); store<u8>(p.hold, <u8>LF, 1);
      p.holdLen = 2; p.m = 2;
      p.event = MsrpEvent.Headers;
      return i;
    }
    if (p.hdrLen >= p.hdrCap) { fail(p, MsrpErr.HeaderTooBig); return i; }
    store<u8>(buf + <usize>p.hdrLen, <u8>c);
    p.hdrLen++;
    i++;
    if (c != LF) continue;
    // a line is complete: it must end in CRLF (§9); a bare LF breaks framing
    const lf = p.hdrLen - 1;
    if (lf == p.lineOff || <u32>load<u8>(buf + <usize>(lf - 1)) != CR) { fail(p, MsrpErr.BareLf); return i; }
    const lineEnd = lf - 1;
    if (p.state == S_START) {
      if (!parseStartLine(p, lineEnd)) { p.state = S_ERROR; p.event = MsrpEvent.Error; return i; }
      p.startLen = lineEnd;
      p.state = S_HDR;
      p.lineOff = p.hdrLen;
    } else if (lineEnd == p.lineOff) {
      // empty line: content-stuff follows (§9 Content-Type 2CRLF data CRLF)
      finishHeaders(p, true);
      p.state = S_BODY; p.noBody = 0; p.m = 0; p.holdLen = 0;
      p.event = MsrpEvent.Headers;
      return i;
    } else {
      parseHeaderLine(p, p.lineOff, lineEnd);
      p.lineOff = p.hdrLen;
    }
  }
  return n;
}

/** Parses [0, end) of hdrBuf as the start line. False on a framing error (p.err set). */
function parseStartLine(p: MsrpParser, end: i32): bool {
  const b = p.hdrBuf;
  // "MSRP " was checked while copying (feedHead), so end >= 5
  let i = 5;
  // transact-id = ident = ALPHANUM 3*31ident-char (§9): without it no end-line can be found
  const t0 = i;
  if (i >= end || !isClass(load<u8>(b + <usize>i), C_ALPHA | C_DIGIT)) { p.err = MsrpErr.BadTid; return false; }
  while (i < end && isClass(load<u8>(b + <usize>i), C_IDENT)) i++;
  const tl = i - t0;
  if (tl < 4 || tl > MSRP_TID_MAX || i >= end || <u32>load<u8>(b + <usize>i) != SP) { p.err = MsrpErr.BadTid; return false; }
  p.tidOff = t0; p.tidLen = tl;
  i++;
  const r0 = i;
  if (r0 >= end) { p.isRequest = 1; setErr(p, MsrpErr.BadMethod); return true; }
  if (<u32>load<u8>(b + <usize>r0) - 48 < 10) {
    // resp-start: status-code = 3DIGIT [SP comment]
    p.isRequest = 0;
    let ok = r0 + 3 <= end;
    let v = 0;
    for (let k = 0; ok && k < 3; k++) {
      const d = <u32>load<u8>(b + <usize>(r0 + k)) - 48;
      if (d >= 10) ok = false; else v = v * 10 + <i32>d;
    }
    if (ok && r0 + 3 < end && <u32>load<u8>(b + <usize>(r0 + 3)) != SP) ok = false;
    if (!ok) { setErr(p, MsrpErr.BadStatusCode); return true; }
    p.status = v;
    if (r0 + 3 < end) {
      p.commentOff = r0 + 4; p.commentLen = end - (r0 + 4);
      if (!isText(b, p.commentOff, end)) setErr(p, MsrpErr.BadStatusCode);
    }
    return true;
  }
  // req-start: method = 1*UPALPHA
  p.isRequest = 1;
  while (i < end && <u32>load<u8>(b + <usize>i) - 65 < 26) i++;
  p.methodOff = r0; p.methodLen = i - r0;
  if (i != end) { setErr(p, MsrpErr.BadMethod); return true; }
  const mp = b + <usize>r0;
  if (eqNoCase(mp, p.methodLen, "SEND")) p.method = MsrpMethod.SEND;
  else if (eqNoCase(mp, p.methodLen, "REPORT")) p.method = MsrpMethod.REPORT;
  else if (eqNoCase(mp, p.methodLen, "AUTH")) p.method = MsrpMethod.AUTH;
  else p.method = MsrpMethod.Other;
  return true;
}

/** utf8text (§9): HTAB / %x20-7E / UTF8-NONASCII — any byte but CTL and DEL. */
function isText(b: usize, off: i32, end: i32): bool {
  for (let i = off; i < end; i++) {
    const c = <u32>load<u8>(b + <usize>i);
    if ((c < 0x20 && c != 9) || c == 0x7f) return false;
  }
  return true;
}

/** Header name -> MsrpHdr; names are caseless (RFC 5234 §2.3: ABNF strings are case-insensitive). */
function hdrTypeOf(np: usize, nl: i32): i32 {
  switch (lower(load<u8>(np))) {
    case 0x74: if (eqNoCase(np, nl, "To-Path")) return MsrpHdr.ToPath; break;
    case 0x66:
      if (eqNoCase(np, nl, "From-Path")) return MsrpHdr.FromPath;
      if (eqNoCase(np, nl, "Failure-Report")) return MsrpHdr.FailureReport;
      break;
    case 0x6d:
      if (eqNoCase(np, nl, "Message-ID")) return MsrpHdr.MessageId;
      if (eqNoCase(np, nl, "Min-Expires")) return MsrpHdr.MinExpires;
      if (eqNoCase(np, nl, "Max-Expires")) return MsrpHdr.MaxExpires;
      break;
    case 0x62: if (eqNoCase(np, nl, "Byte-Range")) return MsrpHdr.ByteRange; break;
    case 0x73:
      if (eqNoCase(np, nl, "Status")) return MsrpHdr.Status;
      if (eqNoCase(np, nl, "Success-Report")) return MsrpHdr.SuccessReport;
      break;
    case 0x63:
      if (eqNoCase(np, nl, "Content-Type")) return MsrpHdr.ContentType;
      if (eqNoCase(np, nl, "Content-ID")) return MsrpHdr.ContentId;
      if (eqNoCase(np, nl, "Content-Description")) return MsrpHdr.ContentDescription;
      if (eqNoCase(np, nl, "Content-Disposition")) return MsrpHdr.ContentDisposition;
      break;
    case 0x75: if (eqNoCase(np, nl, "Use-Path")) return MsrpHdr.UsePath; break;
    case 0x65: if (eqNoCase(np, nl, "Expires")) return MsrpHdr.Expires; break;
    case 0x77: if (eqNoCase(np, nl, "WWW-Authenticate")) return MsrpHdr.WwwAuthenticate; break;
    case 0x61:
      if (eqNoCase(np, nl, "Authorization")) return MsrpHdr.Authorization;
      if (eqNoCase(np, nl, "Authentication-Info")) return MsrpHdr.AuthenticationInfo;
      break;
    default: break;
  }
  return MsrpHdr.Other;
}

/** One header line [off, end) of hdrBuf: hname ":" SP hval (§9). Errors are frame errors. */
function parseHeaderLine(p: MsrpParser, off: i32, end: i32): void {
  const b = p.hdrBuf;
  if (p.hdrCount >= MSRP_HDR_MAX) { setErr(p, MsrpErr.TooManyHeaders); return; }
  // hname = ALPHA *token
  let i = off;
  if (!isClass(load<u8>(b + <usize>i), C_ALPHA)) { setErr(p, MsrpErr.BadHeader); return; }
  while (i < end && isClass(load<u8>(b + <usize>i), C_TOKEN)) i++;
  const nameLen = i - off;
  if (i >= end || <u32>load<u8>(b + <usize>i) != 0x3a) { setErr(p, MsrpErr.BadHeader); return; }
  i++;
  if (i >= end || <u32>load<u8>(b + <usize>i) != SP) {
    // ":" SP hval; an empty value after the colon is still "hname: " in the grammar
    setErr(p, MsrpErr.BadHeader); return;
  }
  // one SP per the grammar; extra blanks are tolerated around the value
  while (i < end && (<u32>load<u8>(b + <usize>i) == SP || <u32>load<u8>(b + <usize>i) == 9)) i++;
  let ve = end;
  while (ve > i && (<u32>load<u8>(b + <usize>(ve - 1)) == SP || <u32>load<u8>(b + <usize>(ve - 1)) == 9)) ve--;
  if (!isText(b, i, ve)) { setErr(p, MsrpErr.BadHeader); return; }
  const vOff = i, vLen = ve - i;
  const t = hdrTypeOf(b + <usize>off, nameLen);
  const idx = p.hdrCount;
  const e = p.hdrs + <usize>(idx * MSRP_HDR_STRIDE);
  store<i32>(e, t); store<i32>(e, off, 4); store<i32>(e, nameLen, 8); store<i32>(e, vOff, 12); store<i32>(e, vLen, 16);
  p.hdrCount = idx + 1;
  p.lastType = t;
  if (t == MsrpHdr.Other) return;
  if (p.has(t)) { setErr(p, MsrpErr.DupHeader); return; }
  p.seen |= <u32>1 << <u32>t;
  const vp = b + <usize>vOff;
  switch (t) {
    case MsrpHdr.ToPath: p.iToPath = idx; if (msrpPathCount(b, vOff, vLen) < 0) setErr(p, MsrpErr.BadPath); break;
    case MsrpHdr.FromPath: p.iFromPath = idx; if (msrpPathCount(b, vOff, vLen) < 0) setErr(p, MsrpErr.BadPath); break;
    case MsrpHdr.UsePath: p.iUsePath = idx; if (msrpPathCount(b, vOff, vLen) < 0) setErr(p, MsrpErr.BadPath); break;
    case MsrpHdr.MessageId: p.iMessageId = idx; if (!isIdent(vp, vLen)) setErr(p, MsrpErr.BadMessageId); break;
    case MsrpHdr.ByteRange: p.iByteRange = idx; parseByteRange(p, vp, vLen); break;
    case MsrpHdr.Status: p.iStatus = idx; parseStatus(p, vOff, vLen); break;
    case MsrpHdr.ContentType: p.iContentType = idx; if (!isMediaType(vp, vLen)) setErr(p, MsrpErr.BadContentType); break;
    case MsrpHdr.SuccessReport:
      // Success-Report = "Success-Report:" SP ("yes" / "no")
      if (eqNoCase(vp, vLen, "yes")) p.successReport = REPORT_YES;
      else if (eqNoCase(vp, vLen, "no")) p.successReport = REPORT_NO;
      else setErr(p, MsrpErr.BadReportHeader);
      break;
    case MsrpHdr.FailureReport:
      // Failure-Report = "Failure-Report:" SP ("yes" / "no" / "partial")
      if (eqNoCase(vp, vLen, "yes")) p.failureReport = REPORT_YES;
      else if (eqNoCase(vp, vLen, "no")) p.failureReport = REPORT_NO;
      else if (eqNoCase(vp, vLen, "partial")) p.failureReport = REPORT_PARTIAL;
      else setErr(p, MsrpErr.BadReportHeader);
      break;
    case MsrpHdr.Expires: case MsrpHdr.MinExpires: case MsrpHdr.MaxExpires: {
      // RFC 4976 §5: Expires = "Expires:" SP 1*DIGIT
      const v = parseDec(vp, vLen, 0xffffffff);
      if (v < 0) setErr(p, MsrpErr.BadExpires);
      else if (t == MsrpHdr.Expires) p.expires = v;
      break;
    }
    default: break;
  }
}

/** ident = ALPHANUM 3*31ident-char (§9). */
function isIdent(vp: usize, len: i32): bool {
  if (len < 4 || len > 32 || !isClass(load<u8>(vp), C_ALPHA | C_DIGIT)) return false;
  for (let i = 1; i < len; i++) if (!isClass(load<u8>(vp + <usize>i), C_IDENT)) return false;
  return true;
}

/** media-type = type "/" subtype *( ";" gen-param ) (§9, RFC 2045 tokens); parameters are kept opaque. */
function isMediaType(vp: usize, len: i32): bool {
  let i = 0;
  while (i < len && isClass(load<u8>(vp + <usize>i), C_TOKEN)) i++;
  if (i == 0 || i >= len || <u32>load<u8>(vp + <usize>i) != 0x2f) return false;
  i++;
  const s0 = i;
  while (i < len && isClass(load<u8>(vp + <usize>i), C_TOKEN)) i++;
  if (i == s0) return false;
  if (i == len) return true;
  const c = <u32>load<u8>(vp + <usize>i);
  return c == 0x3b || c == SP || c == 9;
}

/** Largest octet position we parse (well above any a=max-size; parseDec needs max*10 < 2^64). */
const RANGE_NUM_MAX: u64 = 999999999999999999;

/**
 * Byte-Range = "Byte-Range:" SP range-start "-" range-end "/" total (§9)
 * range-start = 1*DIGIT, range-end = 1*DIGIT / "*", total = 1*DIGIT / "*".
 * §7.1.1: octet positions start at 1; 1-0/0 is the empty chunk (bind / keep-alive, §5.4).
 */
function parseByteRange(p: MsrpParser, vp: usize, len: i32): void {
  let dash = -1, slash = -1;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(vp + <usize>i);
    if (c == DASH && dash < 0) dash = i;
    else if (c == 0x2f && slash < 0) slash = i;
  }
  if (dash <= 0 || slash <= dash + 1 || slash >= len - 1) { setErr(p, MsrpErr.BadByteRange); return; }
  const s = parseDec(vp, dash, RANGE_NUM_MAX);
  let e: i64 = RANGE_STAR, t: i64 = RANGE_STAR;
  const ep = vp + <usize>(dash + 1), el = slash - dash - 1;
  const tp = vp + <usize>(slash + 1), tl = len - slash - 1;
  // parseDec gives -1 for junk, the same value as RANGE_STAR: test each part apart
  if (!(el == 1 && <u32>load<u8>(ep) == 0x2a)) {
    e = parseDec(ep, el, RANGE_NUM_MAX);
    if (e < 0) { setErr(p, MsrpErr.BadByteRange); return; }
  }
  if (!(tl == 1 && <u32>load<u8>(tp) == 0x2a)) {
    t = parseDec(tp, tl, RANGE_NUM_MAX);
    if (t < 0) { setErr(p, MsrpErr.BadByteRange); return; }
  }
  if (s < 0) { setErr(p, MsrpErr.BadByteRange); return; }
  p.rangeStart = s; p.rangeEnd = e; p.rangeTotal = t;
  if (s == 0) { setErr(p, MsrpErr.ByteRangeStartZero); return; }
  if (e != RANGE_STAR && e + 1 < s) { setErr(p, MsrpErr.ByteRangeOrder); return; }
  if (e != RANGE_STAR && t != RANGE_STAR && e > t) { setErr(p, MsrpErr.ByteRangeOrder); return; }
}

/** Status = "Status:" SP namespace SP status-code [SP text-reason], namespace = 3DIGIT (§9). */
function parseStatus(p: MsrpParser, off: i32, len: i32): void {
  const vp = p.hdrBuf + <usize>off;
  if (len < 7 || <u32>load<u8>(vp + 3) != SP || (len > 7 && <u32>load<u8>(vp + 7) != SP)) { setErr(p, MsrpErr.BadStatusHeader); return; }
  const ns = parseDec(vp, 3, 999), code = parseDec(vp + 4, 3, 999);
  if (ns < 0 || code < 0) { setErr(p, MsrpErr.BadStatusHeader); return; }
  p.statusNs = <i32>ns; p.statusCode = <i32>code;
  if (len > 8) { p.statusReasonOff = off + 8; p.statusReasonLen = len - 8; }
}

/** End of the header section: the §7.1 / §9 rules that need all headers. */
function finishHeaders(p: MsrpParser, hasBody: bool): void {
  p.hasBody = hasBody ? 1 : 0;
  if (p.err != 0) return;
  if (p.iToPath < 0) { p.err = MsrpErr.MissingToPath; return; }
  if (p.iFromPath < 0) { p.err = MsrpErr.MissingFromPath; return; }
  if (p.isRequest == 0) {
    if (hasBody) p.err = MsrpErr.ResponseBody;
    return;
  }
  // §7.1: a body needs a Content-Type, and it is the last header field
  if (hasBody && p.iContentType < 0) { p.err = MsrpErr.BodyWithoutContentType; return; }
  if (hasBody && p.lastType != MsrpHdr.ContentType) { p.err = MsrpErr.ContentTypeNotLast; return; }
  // §7.1.1: a SEND carries a Message-ID; §7.1.2: a REPORT carries a Status
  if (p.method == MsrpMethod.SEND && p.iMessageId < 0) { p.err = MsrpErr.MissingMessageId; return; }
  if (p.method == MsrpMethod.REPORT && p.iStatus < 0) { p.err = MsrpErr.MissingStatus; return; }
  // §10/§7.3: well-formed but not understood -> 501
  if (p.method == MsrpMethod.Other) p.err = MsrpErr.UnknownMethod;
}

// ---------------------------------------------------------------------------------
// Body and end-line (the hot path)

/** Byte k of this frame's end-line pattern CRLF "-------" tid flag CRLF matches c? */
// @ts-ignore: decorator
@inline function patMatch(p: MsrpParser, k: i32, c: u32): bool {
  if (k < 2) return c == (k == 0 ? CR : LF);
  if (k < 9) return c == DASH;
  const t = k - 9;
  const tl = p.tidLen;
  if (t < tl) return c == <u32>load<u8>(p.hdrBuf + <usize>(p.tidOff + t));
  if (t == tl) {
    // continuation-flag = "+" / "$" / "#"
    if (c == 0x24 || c == 0x2b || c == 0x23) { p.pendFlag = <i32>c; return true; }
    return false;
  }
  return c == (t == tl + 1 ? CR : LF);
}

/** Index of the first CR in [i, n) of src, or n. Eight bytes per step (SWAR zero-byte test). */
// @ts-ignore: decorator
@inline function scanCr(src: usize, i: i32, n: i32): i32 {
  while (i + 16 <= n) {
    const x = load<u64>(src + <usize>i) ^ 0x0d0d0d0d0d0d0d0d;
    const y = load<u64>(src + <usize>i, 8) ^ 0x0d0d0d0d0d0d0d0d;
    const tx = (x - 0x0101010101010101) & ~x & 0x8080808080808080;
    const ty = (y - 0x0101010101010101) & ~y & 0x8080808080808080;
    if ((tx | ty) != 0) {
      // the lowest flagged byte of the zero test is exact (borrows only run upward)
      if (tx != 0) return i + <i32>(ctz(tx) >> 3);
      return i + 8 + <i32>(ctz(ty) >> 3);
    }
    i += 16;
  }
  while (i < n && <u32>load<u8>(src + <usize>i) != CR) i++;
  return i;
}

function emitBody(p: MsrpParser, ptr: usize, len: i32): void {
  p.event = MsrpEvent.Body;
  p.bodyPtr = ptr;
  p.bodyLen = len;
  p.bodyTotal += len;
}

function endFrame(p: MsrpParser): void {
  p.flag = p.pendFlag;
  p.holdLen = 0;
  p.m = 0;
  p.state = S_IDLE;
  p.event = MsrpEvent.End;
}

function feedBody(p: MsrpParser, src: usize, n: i32): i32 {
  const full = 12 + p.tidLen;
  if (p.holdLen > 0) {
    // continue a partial end-line match begun in an earlier input slice
    let m = p.m;
    let i = 0;
    while (i < n && m < full && patMatch(p, m, <u32>load<u8>(src + <usize>i))) { m++; i++; }
    if (m == full) { endFrame(p); return i; }
    if (i == n) {
      // still a prefix: keep it (at most full-1 <= 43 bytes)
      for (let k = 0; k < n; k++) store<u8>(p.hold + <usize>(p.holdLen + k), load<u8>(src + <usize>k));
      p.holdLen += n;
      p.m = m;
      return n;
    }
    if (p.noBody != 0) { fail(p, MsrpErr.EndLineExpected); return i; }
    // not an end-line: the held bytes were body. Hand them out and rescan the input
    // from its start (src[0..i) matched the pattern, so it holds no end-line start
    // other than one the rescan finds again).
    emitBody(p, p.hold, p.holdLen);
    p.holdLen = 0;
    p.m = 0;
    return 0;
  }
  let i = 0;
  // each pass moves i forward by at least one byte (src[j] == CR matches pattern[0])
  while (i < n) {
    const j = scanCr(src, i, n);
    if (j >= n) break;
    let k = 0;
    while (j + k < n && k < full && patMatch(p, k, <u32>load<u8>(src + <usize>(j + k)))) k++;
    if (k == full) {
      // hand out the body before the end-line first; the next call sees the end-line at 0
      if (j > 0) { emitBody(p, src, j); return j; }
      endFrame(p);
      return full;
    }
    if (j + k == n) {
      // a possible end-line runs past the input: hold it back
      for (let q = 0; q < k; q++) store<u8>(p.hold + <usize>q, load<u8>(src + <usize>(j + q)));
      p.holdLen = k;
      p.m = k;
      if (j > 0) emitBody(p, src, j);
      return n;
    }
    // mismatch at j+k: that byte may itself start the end-line, so look at it again
    i = j + k;
  }
  if (n > 0) emitBody(p, src, n);
  return n;
}

// ---------------------------------------------------------------------------------
// View helpers

/** Pointer to the value of header table entry i. */
export function msrpHdrValPtr(p: MsrpParser, i: i32): usize { return p.hdrBuf + <usize>p.valOff(i); }
