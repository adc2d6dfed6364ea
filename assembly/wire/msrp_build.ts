// MSRP frame builders: write into a caller-given fixed buffer [dst, dst+cap) and return
// the length written, or -1 if it does not fit (nothing is allocated, STYLE "Naming").
// RFC 4975 §7.1 (requests), §7.1.1 (SEND, Byte-Range), §7.1.2 (REPORT, Status), §7.2
// (responses), §5.4 / §7.1.1 (the empty SEND that binds a connection), §9 (ABNF).
// Spans (tid, paths, Message-ID, Content-Type) are copied as given: callers pass values
// the parser produced or that they built; the builder adds only the fixed syntax.

import { putAscii, putU64 } from "../mem/bytes";
import { RANGE_STAR, REPORT_YES, REPORT_NO, REPORT_PARTIAL, MsrpParser } from "./msrp";

const NUM: usize = memory.data(24);

// Each writer takes the current position (or -1 after an overflow) and returns the new one.

function wr(dst: usize, cap: i32, pos: i32, p: usize, len: i32): i32 {
  if (pos < 0 || len < 0 || len > cap - pos) return -1;
  memory.copy(dst + <usize>pos, p, <usize>len);
  return pos + len;
}

function wrS(dst: usize, cap: i32, pos: i32, s: string): i32 {
  if (pos < 0 || s.length > cap - pos) return -1;
  return pos + putAscii(dst + <usize>pos, s);
}

function wrU(dst: usize, cap: i32, pos: i32, v: u64): i32 {
  return wr(dst, cap, pos, NUM, putU64(NUM, v));
}

function wrB(dst: usize, cap: i32, pos: i32, c: u32): i32 {
  if (pos < 0 || pos >= cap) return -1;
  store<u8>(dst + <usize>pos, <u8>c);
  return pos + 1;
}

/** "MSRP" SP tid SP (§9 req-start / resp-start). */
function startLine(dst: usize, cap: i32, tidPtr: usize, tidLen: i32): i32 {
  let w = wrS(dst, cap, 0, "MSRP ");
  w = wr(dst, cap, w, tidPtr, tidLen);
  return wrB(dst, cap, w, 0x20);
}

/** To-Path CRLF From-Path CRLF: always the first two headers (§9 headers). */
function paths(dst: usize, cap: i32, w: i32, toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32): i32 {
  w = wrS(dst, cap, w, "\r\nTo-Path: ");
  w = wr(dst, cap, w, toPtr, toLen);
  w = wrS(dst, cap, w, "\r\nFrom-Path: ");
  w = wr(dst, cap, w, fromPtr, fromLen);
  return wrS(dst, cap, w, "\r\n");
}

/** Byte-Range: start "-" (end / "*") "/" (total / "*") CRLF (§9). */
function byteRange(dst: usize, cap: i32, w: i32, start: i64, end: i64, total: i64): i32 {
  w = wrS(dst, cap, w, "Byte-Range: ");
  w = wrU(dst, cap, w, <u64>start);
  w = wrB(dst, cap, w, 0x2d);
  w = end == RANGE_STAR ? wrB(dst, cap, w, 0x2a) : wrU(dst, cap, w, <u64>end);
  w = wrB(dst, cap, w, 0x2f);
  w = total == RANGE_STAR ? wrB(dst, cap, w, 0x2a) : wrU(dst, cap, w, <u64>total);
  return wrS(dst, cap, w, "\r\n");
}

/**
 * SEND start line and header section (§7.1.1): To-Path, From-Path, Message-ID,
 * [Success-Report], [Failure-Report], [Byte-Range], [Content-Type + empty line].
 * rangeStart <= 0 leaves Byte-Range out (a whole message in one chunk, §7.1.1);
 * rangeEnd/total RANGE_STAR write "*". successReport/failureReport: 0 = leave out, else
 * REPORT_YES/REPORT_NO(/REPORT_PARTIAL). With ctypeLen > 0 the section ends with
 * Content-Type and the empty line (§7.1: Content-Type is the last header) and the body
 * follows; with ctypeLen == 0 there is no body and the end-line follows directly.
 * Finish the frame with msrpBuildEndLine(..., afterBody = ctypeLen > 0).
 */
export function msrpBuildSend(dst: usize, cap: i32, tidPtr: usize, tidLen: i32,
  toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32, msgIdPtr: usize, msgIdLen: i32,
  rangeStart: i64, rangeEnd: i64, total: i64, successReport: i32, failureReport: i32,
  ctypePtr: usize, ctypeLen: i32): i32 {
  let w = startLine(dst, cap, tidPtr, tidLen);
  w = wrS(dst, cap, w, "SEND");
  w = paths(dst, cap, w, toPtr, toLen, fromPtr, fromLen);
  w = wrS(dst, cap, w, "Message-ID: ");
  w = wr(dst, cap, w, msgIdPtr, msgIdLen);
  w = wrS(dst, cap, w, "\r\n");
  if (successReport == REPORT_YES) w = wrS(dst, cap, w, "Success-Report: yes\r\n");
  else if (successReport == REPORT_NO) w = wrS(dst, cap, w, "Success-Report: no\r\n");
  if (failureReport == REPORT_YES) w = wrS(dst, cap, w, "Failure-Report: yes\r\n");
  else if (failureReport == REPORT_NO) w = wrS(dst, cap, w, "Failure-Report: no\r\n");
  else if (failureReport == REPORT_PARTIAL) w = wrS(dst, cap, w, "Failure-Report: partial\r\n");
  if (rangeStart > 0) w = byteRange(dst, cap, w, rangeStart, rangeEnd, total);
  if (ctypeLen > 0) {
    w = wrS(dst, cap, w, "Content-Type: ");
    w = wr(dst, cap, w, ctypePtr, ctypeLen);
    w = wrS(dst, cap, w, "\r\n\r\n");
  }
  return w;
}

/**
 * End-line "-------" tid flag CRLF (§9); with afterBody the CRLF that closes the data
 * (content-stuff = ... data CRLF) is written first. flag: '$' (36) complete, '+' (43)
 * more chunks follow, '#' (35) interrupted (§5.1). Returns -1 for any other flag.
 */
export function msrpBuildEndLine(dst: usize, cap: i32, tidPtr: usize, tidLen: i32, flag: i32, afterBody: bool): i32 {
  if (flag != 0x24 && flag != 0x2b && flag != 0x23) return -1;
  let w = afterBody ? wrS(dst, cap, 0, "\r\n-------") : wrS(dst, cap, 0, "-------");
  w = wr(dst, cap, w, tidPtr, tidLen);
  w = wrB(dst, cap, w, <u32>flag);
  return wrS(dst, cap, w, "\r\n");
}

/**
 * A whole response frame: "MSRP" SP tid SP code [SP comment] CRLF To-Path From-Path end-line
 * (§7.2, §9 msrp-response: no body). code must be 3 digits (100..999).
 */
export function msrpBuildResponse(dst: usize, cap: i32, tidPtr: usize, tidLen: i32, code: i32, comment: string,
  toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32): i32 {
  if (code < 100 || code > 999) return -1;
  let w = startLine(dst, cap, tidPtr, tidLen);
  w = wrU(dst, cap, w, <u64>code);
  if (comment.length > 0) { w = wrB(dst, cap, w, 0x20); w = wrS(dst, cap, w, comment); }
  w = paths(dst, cap, w, toPtr, toLen, fromPtr, fromLen);
  if (w < 0) return -1;
  const e = msrpBuildEndLine(dst + <usize>w, cap - w, tidPtr, tidLen, 0x24, false);
  return e < 0 ? -1 : w + e;
}

/**
 * Response to the request in p (its view must still be valid): same transaction id, and
 * the paths swapped (§7.2: the response goes back towards the request's From-Path and comes
 * from the URI the request was addressed to). Responses are hop-by-hop (RFC 4975 §7.2,
 * RFC 4976 §3 / §6: a relay answers a SEND itself and absorbs the next hop's response), so
 * To-Path is only the previous hop, the FIRST From-Path URI (without relays that is the
 * whole From-Path, the sender), and From-Path is the LAST To-Path URI, ours (a relay's
 * rewriting, RFC 4976 §6, has already left only our own URI there). Kamailio's msrp module
 * builds its own SEND responses the same way and relays any response whose To-Path names a
 * hop after it (so the full From-Path would send our 200 on to the original sender).
 */
export function msrpBuildResponseTo(dst: usize, cap: i32, p: MsrpParser, code: i32, comment: string): i32 {
  if (p.iToPath < 0 || p.iFromPath < 0) return -1;
  const b = p.hdrBuf;
  const fOff = p.valOff(p.iFromPath), fLen = p.valLen(p.iFromPath);
  const tOff = p.valOff(p.iToPath), tLen = p.valLen(p.iToPath);
  let fUse = fLen, tFrom = tOff, tUse = tLen;
  // first From-Path URI: up to the first SP; last To-Path URI: after the last SP (bounded by the lengths)
  for (let i = 0; i < fLen; i++) if (load<u8>(b + <usize>(fOff + i)) == 0x20) { fUse = i; break; }
  for (let i = tLen - 1; i >= 0; i--) if (load<u8>(b + <usize>(tOff + i)) == 0x20) { tFrom = tOff + i + 1; tUse = tLen - i - 1; break; }
  return msrpBuildResponse(dst, cap, b + <usize>p.tidOff, p.tidLen, code, comment,
    b + <usize>fOff, fUse, b + <usize>tFrom, tUse);
}

/**
 * AUTH request to a relay (RFC 4976 §5.1, §7 ABNF): To-Path = the relay URI, From-Path = the
 * client's URI, then optional Authorization (the value after "Authorization: ", authLen 0 =
 * none) and Expires (expiresS < 0 = none), end-line '$'. AUTH carries no body.
 */
export function msrpBuildAuth(dst: usize, cap: i32, tidPtr: usize, tidLen: i32,
  toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32, authPtr: usize, authLen: i32, expiresS: i64): i32 {
  let w = startLine(dst, cap, tidPtr, tidLen);
  w = wrS(dst, cap, w, "AUTH");
  w = paths(dst, cap, w, toPtr, toLen, fromPtr, fromLen);
  if (authLen > 0) {
    w = wrS(dst, cap, w, "Authorization: ");
    w = wr(dst, cap, w, authPtr, authLen);
    w = wrS(dst, cap, w, "\r\n");
  }
  if (expiresS >= 0) {
    w = wrS(dst, cap, w, "Expires: ");
    w = wrU(dst, cap, w, <u64>expiresS);
    w = wrS(dst, cap, w, "\r\n");
  }
  if (w < 0) return -1;
  const e = msrpBuildEndLine(dst + <usize>w, cap - w, tidPtr, tidLen, 0x24, false);
  return e < 0 ? -1 : w + e;
}

/**
 * A whole REPORT (§7.1.2): To-Path, From-Path, Message-ID, Byte-Range, Status: 000 code
 * [reason], end-line '$'. A REPORT carries no body and is never answered.
 */
export function msrpBuildReport(dst: usize, cap: i32, tidPtr: usize, tidLen: i32,
  toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32, msgIdPtr: usize, msgIdLen: i32,
  rangeStart: i64, rangeEnd: i64, total: i64, code: i32, reason: string): i32 {
  if (code < 100 || code > 999) return -1;
  let w = startLine(dst, cap, tidPtr, tidLen);
  w = wrS(dst, cap, w, "REPORT");
  w = paths(dst, cap, w, toPtr, toLen, fromPtr, fromLen);
  w = wrS(dst, cap, w, "Message-ID: ");
  w = wr(dst, cap, w, msgIdPtr, msgIdLen);
  w = wrS(dst, cap, w, "\r\n");
  if (rangeStart > 0) w = byteRange(dst, cap, w, rangeStart, rangeEnd, total);
  // Status = "Status:" SP namespace SP status-code [SP text-reason]; namespace 000 (§9)
  w = wrS(dst, cap, w, "Status: 000 ");
  w = wrU(dst, cap, w, <u64>code);
  if (reason.length > 0) { w = wrB(dst, cap, w, 0x20); w = wrS(dst, cap, w, reason); }
  w = wrS(dst, cap, w, "\r\n");
  if (w < 0) return -1;
  const e = msrpBuildEndLine(dst + <usize>w, cap - w, tidPtr, tidLen, 0x24, false);
  return e < 0 ? -1 : w + e;
}

/**
 * The empty SEND the active endpoint sends first to bind the connection to the session,
 * also usable as keep-alive (§5.4, §7.1.1): Byte-Range 1-0/0, no Content-Type, no body,
 * end-line right after the headers.
 */
export function msrpBuildBind(dst: usize, cap: i32, tidPtr: usize, tidLen: i32,
  toPtr: usize, toLen: i32, fromPtr: usize, fromLen: i32, msgIdPtr: usize, msgIdLen: i32): i32 {
  const w = msrpBuildSend(dst, cap, tidPtr, tidLen, toPtr, toLen, fromPtr, fromLen, msgIdPtr, msgIdLen,
    1, 0, 0, 0, 0, 0, 0);
  if (w < 0) return -1;
  const e = msrpBuildEndLine(dst + <usize>w, cap - w, tidPtr, tidLen, 0x24, false);
  return e < 0 ? -1 : w + e;
}
