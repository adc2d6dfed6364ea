// check driver for message/cpim (RFC 3862, RFC 5438 IMDN headers): accumulates the slices of
// one body into a fixed buffer and parses it at close (the body is framed by the carrying
// SIP MESSAGE or MSRP SEND). Splitting the feed must not change the digest.

import { resultSet, digestU32, digestBytes } from "./result";
import { CPIM_HDR_MAX, CPIM_BODY_MAX } from "../mem/limits";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, cpimErrCode, cpimErrReason, CpimErr } from "../wire/cpim";

const BUF: usize = memory.data(CPIM_BODY_MAX, 8);
const MSG = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));

let bufLen: i32 = 0;
let overflow: bool = false;
let openFlags: i32 = 0;

export function cpimCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {
  bufLen = 0; overflow = false; openFlags = flags;
}

export function cpimCheckFeed(src: usize, n: i32): void {
  if (n <= 0 || overflow) return;
  if (n > CPIM_BODY_MAX - bufLen) { overflow = true; return; }
  memory.copy(BUF + bufLen, src, n);
  bufLen += n;
}

function span(off: i32, len: i32): void {
  digestU32(<u32>off);
  if (len > 0) digestBytes(BUF + off, len); else digestU32(<u32>len);
}

function digestMsg(m: CpimMsg): void {
  digestU32(<u32>m.hdrCount); digestU32(<u32>m.msgHdrCount);
  digestU32(<u32>m.fromIdx); digestU32(<u32>m.firstTo); digestU32(<u32>m.toCount); digestU32(<u32>m.ccCount);
  digestU32(<u32>m.dateTimeIdx); digestU32(<u32>m.subjectCount); digestU32(<u32>m.nsCount); digestU32(<u32>m.requireIdx);
  digestU32(<u32>m.imdnMessageIdIdx); digestU32(<u32>m.imdnDispositionIdx);
  digestU32(<u32>m.contentTypeIdx); digestU32(<u32>m.contentIdIdx);
  digestU32(<u32>m.contentDispositionIdx); digestU32(<u32>m.contentLengthIdx);
  for (let i = 0; i < m.hdrCount; i++) {
    const h = m.h(i);
    digestU32(<u32>h.kind); digestU32(<u32>h.part);
    span(h.nameOff, h.nameLen); digestU32(<u32>h.prefixLen);
    span(h.paramOff, h.paramLen); span(h.valOff, h.valLen);
    span(h.uriOff, h.uriLen); span(h.dispOff, h.dispLen);
  }
  span(m.contentOff, m.contentLen);
}

export function cpimCheckClose(): void {
  if (overflow) {
    digestU32(<u32>CpimErr.TooLarge);
    resultSet(false, cpimErrCode(CpimErr.TooLarge), cpimErrReason(CpimErr.TooLarge));
    return;
  }
  const m = MSG;
  const r = parseCpim(m, BUF, bufLen, openFlags);
  if (r < 0) {
    digestU32(<u32>m.err); digestU32(<u32>m.errOff);
    resultSet(false, cpimErrCode(m.err), cpimErrReason(m.err));
    return;
  }
  digestMsg(m);
  resultSet(true, 0, "ok");
}
