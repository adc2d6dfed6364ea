// check driver for SDP (RFC 4566, MSRP media per RFC 4975 §8): accumulates the slices of one
// body into a fixed buffer and parses it at close. Bodies come framed by SIP Content-Length, so
// the parser itself is not incremental; splitting the feed must not change the digest.

import { resultSet, digestU32, digestBytes } from "./result";
import { SDP_ATTR_MAX, SDP_MEDIA_MAX, SDP_BODY_MAX } from "../mem/limits";
import { SdpView, SdpMedia, SDP_ATTR_STRIDE, sdpViewAt, parseSdp, sdpErrCode, sdpErrReason, SdpErr } from "../wire/sdp";

const BUF: usize = memory.data(SDP_BODY_MAX, 8);
const VIEW = sdpViewAt(
  memory.data(offsetof<SdpView>(), 8),
  memory.data(SDP_ATTR_MAX * SDP_ATTR_STRIDE, 8),
  memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));

let bufLen: i32 = 0;
let overflow: bool = false;
let openFlags: i32 = 0;

export function sdpCheckOpen(flags: i32, maxSize: u64, optPtr: usize, optLen: i32): void {
  bufLen = 0; overflow = false; openFlags = flags;
}

export function sdpCheckFeed(src: usize, n: i32): void {
  if (n <= 0 || overflow) return;
  if (n > SDP_BODY_MAX - bufLen) { overflow = true; return; }
  memory.copy(BUF + bufLen, src, n);
  bufLen += n;
}

function span(off: i32, len: i32): void {
  digestU32(<u32>off);
  if (len > 0) digestBytes(BUF + off, len); else digestU32(<u32>len);
}

/** Folds every span and value of the view into the digest. */
function digestView(v: SdpView): void {
  span(v.oUserOff, v.oUserLen); span(v.oSessIdOff, v.oSessIdLen); span(v.oVersionOff, v.oVersionLen);
  digestU32(<u32>v.oAddrType); span(v.oAddrOff, v.oAddrLen);
  span(v.sOff, v.sLen);
  digestU32(<u32>v.cAddrType); span(v.cAddrOff, v.cAddrLen);
  span(v.tOff, v.tLen); digestU32(<u32>v.tCount);
  digestU32(<u32>v.setup); digestU32(<u32>v.connection); span(v.fpOff, v.fpLen);
  digestU32(<u32>v.mediaCount); digestU32(<u32>v.attrCount);
  for (let i = 0; i < v.mediaCount; i++) {
    const m = v.m(i);
    span(m.lineOff, m.lineLen); span(m.typeOff, m.typeLen);
    digestU32(<u32>m.port); digestU32(<u32>m.portCount);
    span(m.protoOff, m.protoLen); span(m.fmtOff, m.fmtLen);
    digestU32(<u32>m.isMsrp); digestU32(<u32>m.isTls);
    digestU32(<u32>m.cAddrType); span(m.cAddrOff, m.cAddrLen);
    span(m.pathOff, m.pathLen); digestU32(<u32>m.pathCount);
    span(m.acceptOff, m.acceptLen); span(m.wrappedOff, m.wrappedLen);
    digestU32(<u32>m.maxSize); digestU32(<u32>(m.maxSize >> 32));
    digestU32(<u32>m.setup); digestU32(<u32>m.connection); span(m.fpOff, m.fpLen);
    digestU32(<u32>m.attrFirst); digestU32(<u32>m.attrCount);
  }
  for (let i = 0; i < v.attrCount; i++) {
    digestU32(<u32>v.attrMedia(i));
    span(v.attrNameOff(i), v.attrNameLen(i));
    span(v.attrValOff(i), v.attrValLen(i));
  }
}

export function sdpCheckClose(): void {
  if (overflow) {
    digestU32(<u32>SdpErr.TooLarge);
    resultSet(false, sdpErrCode(SdpErr.TooLarge), sdpErrReason(SdpErr.TooLarge));
    return;
  }
  const v = VIEW;
  const r = parseSdp(v, BUF, bufLen, openFlags);
  if (r < 0) {
    digestU32(<u32>v.err); digestU32(<u32>v.errOff);
    resultSet(false, sdpErrCode(v.err), sdpErrReason(v.err));
    return;
  }
  digestView(v);
  resultSet(true, 0, "ok");
}
