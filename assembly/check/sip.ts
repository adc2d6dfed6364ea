// check driver for SIP (RFC 3261 wire + UAS/UAC validation), called by assembly/index.ts.
// Datagram mode (flags bit0 clear): every fed byte is one UDP datagram, judged at close.
// Stream mode (CHECK_STREAM): bytes go through the SipStream framer as they arrive; every
// complete message is judged at once; the first one that is not "valid, nothing to answer"
// decides, and bytes of an unfinished message at close make it "incomplete message".
// The digest folds every parsed span so split feeds can be proven identical to a whole feed.

import { resultSet, digestU32, digestBytes } from "./result";
import { SIP_CHECK_CAP, SIP_HDR_MAX } from "../mem/limits";
import { BAD, NEED_MORE } from "../mem/result";
import { SipMsg, HDR_STRIDE, sipMsgAt } from "../wire/sip_msg";
import { SipErr, sipErrCode, sipErrReason } from "../wire/sip_err";
import { sipParse, SipStream, sipStreamAt, sipStreamReset, sipStreamFeed, sipStreamNext, sipStreamConsume } from "../wire/sip";
import { sipValidateRequest, sipValidateResponse } from "../sip/validate";

const CHECK_STREAM: i32 = 1;
const BUF: usize = memory.data(SIP_CHECK_CAP, 16);
const MSG: SipMsg = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const STREAM: SipStream = sipStreamAt(memory.data(offsetof<SipStream>(), 8));

let stream = false;
let dgLen: i32 = 0;
let overflow = false;
let decided = false;     // stream: a verdict other than "valid, 0" was set; ignore the rest
let judged: i32 = 0;     // stream: complete messages judged so far

export function sipCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {
  stream = (flags & CHECK_STREAM) != 0;
  dgLen = 0; overflow = false; decided = false; judged = 0;
  sipStreamReset(STREAM, BUF, SIP_CHECK_CAP);
}

export function sipCheckFeed(src: usize, n: i32): void {
  if (n <= 0) return;
  if (!stream) {
    const k = min(n, SIP_CHECK_CAP - dgLen);
    if (k < n) overflow = true;
    if (k > 0) { memory.copy(BUF + <usize>dgLen, src, <usize>k); dgLen += k; }
    return;
  }
  let off = 0;
  // every pass either takes bytes or consumes a message or stops: bounded by n + messages
  for (let guard = 0; guard <= n + SIP_CHECK_CAP; guard++) {
    if (decided) return;
    if (off < n) off += sipStreamFeed(STREAM, src + <usize>off, n - off);
    const r = sipStreamNext(STREAM, MSG);
    if (r > 0) {
      judge(MSG, r);
      sipStreamConsume(STREAM, r);
      continue;
    }
    if (r == BAD) { judge(MSG, BAD); decided = true; return; }
    if (off >= n) return;     // NEED_MORE and nothing left to add
  }
}

export function sipCheckClose(): void {
  if (!stream) {
    if (overflow) { resultSet(false, sipErrCode(SipErr.TooLarge), sipErrReason(SipErr.TooLarge)); return; }
    if (dgLen == 0) { resultSet(false, 0, "empty datagram"); return; }
    const r = sipParse(BUF, dgLen, MSG, true);
    judge(MSG, r);
    return;
  }
  if (decided) return;
  // leftover bytes that are not keep-alive CRLFs: a message never completed
  let rest = false;
  for (let i = 0; i < STREAM.len; i++) {
    const c = load<u8>(BUF + <usize>i);
    if (c != 13 && c != 10) { rest = true; break; }
  }
  if (rest || judged == 0) resultSet(false, 0, sipErrReason(SipErr.Incomplete));
}

function digestMsg(m: SipMsg): void {
  const b = m.base;
  digestU32(<u32>m.isRequest);
  digestU32(<u32>m.method);
  digestU32(<u32>m.status);
  digestBytes(b + <usize>m.methodOff, m.methodLen);
  digestBytes(b + <usize>m.uriOff, m.uriLen);
  digestBytes(b + <usize>m.verOff, m.verLen);
  digestBytes(b + <usize>m.reasonOff, m.reasonLen);
  digestU32(<u32>m.hdrCount);
  for (let h = 0; h < m.hdrCount; h++) {
    digestU32(<u32>m.hdrType(h));
    digestBytes(b + <usize>m.nameOff(h), m.nameLen(h));
    digestBytes(b + <usize>m.valOff(h), m.valLen(h));
  }
  digestBytes(b + <usize>m.bodyOff, m.bodyLen);
}

/** Sets the result for one message: r > 0 parsed, BAD framing error (m.err). */
function judge(m: SipMsg, r: i32): void {
  judged++;
  if (r == NEED_MORE) { resultSet(false, 0, sipErrReason(SipErr.Incomplete)); decided = true; return; }
  if (r == BAD) {
    digestU32(<u32>m.err);
    // a malformed response is dropped: nothing is ever answered to a response (§8.1.3.3, §18.1.2)
    if (m.isRequest == 0) resultSet(false, 0, sipErrReason(m.err));
    else resultSet(false, sipErrCode(m.err), sipErrReason(m.err));
    decided = true;
    return;
  }
  digestMsg(m);
  if (m.isRequest != 0) {
    const e = sipValidateRequest(m);
    if (e == SipErr.Ok) { resultSet(true, 0, "ok"); return; }
    const code = sipErrCode(e);
    // syntactically valid requests the agent refuses (RFC 4475 §3.3): valid + the answer
    const refusal = e == SipErr.UriScheme || e == SipErr.RegisterScheme || e == SipErr.BadExtension ||
      e == SipErr.UnsupportedMedia || e == SipErr.NotAcceptable;
    resultSet(refusal, code, sipErrReason(e));
    decided = true;
    return;
  }
  const e = sipValidateResponse(m);
  if (e == SipErr.Ok) { resultSet(true, 0, "ok"); return; }
  if (e == SipErr.ResponseVias) { resultSet(true, 0, sipErrReason(e)); decided = true; return; }
  resultSet(false, 0, sipErrReason(e));
  decided = true;
}

