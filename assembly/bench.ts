// Benchmark entry points, compiled into their own module build/bench.wasm (this file
// re-exports the agent's ABI from index.ts, so the product module carries no bench code) — owned by the bench work (bench/run.ts).
// The host copies one input into the inbox (inboxPtr()) and calls one export, which runs
// the parser `iters` times inside Wasm, so the JS->Wasm call and the copy are amortised
// and the figure is the parser's own cost. Each export returns a checksum folded from the
// parse results (so the optimizer cannot drop the work) or a negative value when the
// input does not parse. Storage is memory.data() of this file only (the bench never
// touches the agent's own parsers or connection state); nothing is allocated.

export * from "./index";
import { INBOX } from "./mem/regions";
import { INBOX_CAP, SIP_HDR_MAX, MSRP_HDR_MAX, CONN_RX_CAP, SDP_ATTR_MAX, SDP_MEDIA_MAX } from "./mem/limits";
import { SipMsg, sipMsgAt, HDR_STRIDE } from "./wire/sip_msg";
import { sipParse } from "./wire/sip";
import { SipVia, sipViaAt, viaTop, SipNameAddr, sipNameAddrAt, nameAddrParse, NA_ALLOW_STAR, NA_NEED_ANGLE,
  SipCSeq, sipCSeqAt, cseqParse, SipMediaType, sipMediaTypeAt, mediaTypeParse } from "./wire/sip_hdr";
import { SipUri, sipUriAt, uriParse, uriScheme, UriScheme } from "./wire/sip_uri";
import { MsrpParser, MsrpEvent, msrpParserAt, msrpReset, msrpFeed, MSRP_PARSER_BYTES, MSRP_HDR_STRIDE } from "./wire/msrp";
import { SdpView, SdpMedia, sdpViewAt, parseSdp, SDP_ATTR_STRIDE } from "./wire/sdp";

const SIP_STORE: usize = memory.data(offsetof<SipMsg>(), 8);
const SIP_HDRS: usize = memory.data(SIP_HDR_MAX * HDR_STRIDE, 8);
const VIA_STORE: usize = memory.data(offsetof<SipVia>(), 8);
const NA_STORE: usize = memory.data(offsetof<SipNameAddr>(), 8);
const CSEQ_STORE: usize = memory.data(offsetof<SipCSeq>(), 8);
const MT_STORE: usize = memory.data(offsetof<SipMediaType>(), 8);
const URI_STORE: usize = memory.data(offsetof<SipUri>(), 8);
const MSRP_STORE: usize = memory.data(MSRP_PARSER_BYTES, 8);
const MSRP_HDRS: usize = memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8);
const MSRP_HDRBUF: usize = memory.data(CONN_RX_CAP, 8);
const SDP_STORE: usize = memory.data(offsetof<SdpView>(), 8);
const SDP_ATTRS: usize = memory.data(SDP_ATTR_MAX * SDP_ATTR_STRIDE, 8);
const SDP_MEDIA: usize = memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8);

/** Status for a length the inbox cannot hold (never read past the inbox). */
const BENCH_BAD_LEN: i32 = -3;

// @ts-ignore: decorator
@inline function lenOk(len: i32): bool { return len > 0 && len <= INBOX_CAP; }

// @ts-ignore: decorator
@inline function mix(acc: i32, v: i32): i32 { return acc * 31 + v; }

// ---------------------------------------------------------------- SIP (RFC 3261 §7)

/** One datagram parse of the inbox: bytes consumed (> 0) or BAD/NEED_MORE (msg.err has the SipErr). */
export function benchSipOnce(len: i32): i32 {
  if (!lenOk(len)) return BENCH_BAD_LEN;
  return sipParse(INBOX, len, sipMsgAt(SIP_STORE, SIP_HDRS), true);
}

/** Parses the inbox as one datagram `iters` times; checksum of length, header count and body span. */
export function benchSipParse(len: i32, iters: i32): i32 {
  if (!lenOk(len)) return BENCH_BAD_LEN;
  const m = sipMsgAt(SIP_STORE, SIP_HDRS);
  let acc = 0;
  for (let i = 0; i < iters; i++) {
    const r = sipParse(INBOX, len, m, true);
    if (r < 0) return r;
    acc = mix(acc, r + m.hdrCount + m.bodyOff + m.firstCSeq);
  }
  return acc & 0x7fffffff;
}

/** Error code of a name-addr parse (any non-zero value; only folded into the checksum). */
const DEEP_NA_ERR: i32 = 1;

/**
 * The value work JsSIP's parseMessage does eagerly on receipt (lib/Parser.js parseHeader:
 * first Via, From, To, Contact, Record-Route, CSeq, Content-Type, plus the Request-URI),
 * done with our lazy value parsers (wire/sip_hdr.ts, wire/sip_uri.ts) on the spans of
 * the header table. Value errors are folded into the checksum, not treated as failures:
 * the point is the cost, and the framing already accepted the message.
 */
function sipValues(m: SipMsg, b: usize): i32 {
  let acc = 0;
  if (m.isRequest != 0 && uriScheme(b, m.uriOff, m.uriLen) == UriScheme.Sip) {
    const u = sipUriAt(URI_STORE);
    acc = mix(acc, uriParse(b, m.uriOff, m.uriLen, u) ? u.hostLen : -1);
  }
  let i = m.firstVia;
  if (i >= 0) { const v = sipViaAt(VIA_STORE); acc = mix(acc, viaTop(b, m.valOff(i), m.valLen(i), v) + v.branchLen); }
  const na = sipNameAddrAt(NA_STORE);
  i = m.firstFrom;
  if (i >= 0) acc = mix(acc, nameAddrParse(b, m.valOff(i), m.valLen(i), na, 0, DEEP_NA_ERR) + na.tagLen);
  i = m.firstTo;
  if (i >= 0) acc = mix(acc, nameAddrParse(b, m.valOff(i), m.valLen(i), na, 0, DEEP_NA_ERR) + na.tagLen);
  i = m.firstContact;
  if (i >= 0) acc = mix(acc, nameAddrParse(b, m.valOff(i), m.valLen(i), na, NA_ALLOW_STAR, DEEP_NA_ERR) + na.uriLen);
  i = m.firstRecordRoute;
  if (i >= 0) acc = mix(acc, nameAddrParse(b, m.valOff(i), m.valLen(i), na, NA_NEED_ANGLE, DEEP_NA_ERR) + na.uriLen);
  i = m.firstCSeq;
  if (i >= 0) { const cs = sipCSeqAt(CSEQ_STORE); acc = mix(acc, cseqParse(b, m.valOff(i), m.valLen(i), cs) + <i32>cs.num); }
  i = m.firstContentType;
  if (i >= 0) { const mt = sipMediaTypeAt(MT_STORE); acc = mix(acc, mediaTypeParse(b, m.valOff(i), m.valLen(i), mt) + mt.subLen); }
  return acc;
}

/** benchSipParse plus the eager value parsing JsSIP does (sipValues): the like-for-like figure. */
export function benchSipParseDeep(len: i32, iters: i32): i32 {
  if (!lenOk(len)) return BENCH_BAD_LEN;
  const m = sipMsgAt(SIP_STORE, SIP_HDRS);
  let acc = 0;
  for (let i = 0; i < iters; i++) {
    const r = sipParse(INBOX, len, m, true);
    if (r < 0) return r;
    acc = mix(acc, r + sipValues(m, INBOX));
  }
  return acc & 0x7fffffff;
}

// ---------------------------------------------------------------- MSRP (RFC 4975 §5.1, §9)

/**
 * Feeds the inbox to a fresh parser in reads of `piece` bytes (a TCP read size) and
 * returns the number of complete frames (END events), or -1 on an ERROR event. Each
 * msrpFeed call consumes bytes or reports an event, so 2 * len + 16 calls bound the loop.
 */
function msrpRun(p: MsrpParser, len: i32, piece: i32): i32 {
  msrpReset(p);
  let frames = 0;
  let off = 0;
  let budget = 2 * len + 16;
  while (off < len) {
    const n = min(piece, len - off);
    let k = 0;
    while (budget-- > 0) {
      const c = msrpFeed(p, INBOX + <usize>(off + k), n - k);
      k += c;
      const ev = p.event;
      if (ev == MsrpEvent.End) frames++;
      else if (ev == MsrpEvent.Error) return -1;
      else if (ev == MsrpEvent.None) break;
    }
    if (budget <= 0 || k != n) return -1;
    off += n;
  }
  return frames;
}

/** One incremental pass over the inbox: frames found (END events) or -1. */
export function benchMsrpOnce(len: i32, piece: i32): i32 {
  if (!lenOk(len) || piece <= 0) return BENCH_BAD_LEN;
  return msrpRun(msrpParserAt(MSRP_STORE, MSRP_HDRS, MSRP_HDRBUF, CONN_RX_CAP), len, piece);
}

/** `iters` incremental passes (reads of `piece` bytes); checksum of frames and body octets. */
export function benchMsrpFrame(len: i32, iters: i32, piece: i32): i32 {
  if (!lenOk(len) || piece <= 0) return BENCH_BAD_LEN;
  const p = msrpParserAt(MSRP_STORE, MSRP_HDRS, MSRP_HDRBUF, CONN_RX_CAP);
  let acc = 0;
  for (let i = 0; i < iters; i++) {
    const f = msrpRun(p, len, piece);
    if (f < 0) return f;
    acc = mix(acc, f + <i32>p.bodyTotal + p.hdrCount + p.flag);
  }
  return acc & 0x7fffffff;
}

// ---------------------------------------------------------------- SDP (RFC 4566, RFC 4975 §8)

/** One parse of the inbox as an SDP body: its length or BAD (view.err has the SdpErr). */
export function benchSdpOnce(len: i32): i32 {
  if (!lenOk(len)) return BENCH_BAD_LEN;
  return parseSdp(sdpViewAt(SDP_STORE, SDP_ATTRS, SDP_MEDIA), INBOX, len, 0);
}

/** Parses the inbox as an SDP body `iters` times; checksum of media and attribute counts. */
export function benchSdpParse(len: i32, iters: i32): i32 {
  if (!lenOk(len)) return BENCH_BAD_LEN;
  const v = sdpViewAt(SDP_STORE, SDP_ATTRS, SDP_MEDIA);
  let acc = 0;
  for (let i = 0; i < iters; i++) {
    const r = parseSdp(v, INBOX, len, 0);
    if (r < 0) return r;
    acc = mix(acc, r + v.mediaCount + v.attrCount);
  }
  return acc & 0x7fffffff;
}
