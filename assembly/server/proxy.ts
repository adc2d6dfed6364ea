// Stateful proxy of the embedded IM server (RFC 3261 §16) on top of the §17 transaction layer.
// Every forwarded request is a pair: the server transaction it arrived on and the client
// transaction that carries it on (§16.2: "a stateful proxy is a transaction-stateful element").
//
// Reading list (RFC 3261):
//   §16.3   request validation: syntax (sipValidateRequest, but a proxy does not answer 415,
//           406 or 420 for Require — only Proxy-Require gets 420), Max-Forwards (483), loop
//           detection (482, our Via with the same loop hash in its branch), Proxy-Require
//   §16.4   Route information preprocessing: a top Route naming us is removed (loose routing)
//   §16.5   targets: Request-URI of our domain -> location service (404 unknown, 480 known
//           but not registered); otherwise the Request-URI itself (or the next Route)
//   §16.6   forwarding: copy, new Request-URI, Max-Forwards - 1 (or 70), Record-Route
//           <sip:HOST:PORT;lr> for dialog-creating requests, our Via with a branch whose first
//           32 bits are the loop hash (step 8), received/rport on the previous top Via
//           (§18.2.1, RFC 3581), next hop from the Route or the Request-URI (step 7)
//   §16.7   responses: match the client transaction, drop 100, remove our Via, forward the
//           others through the server transaction; a 2xx with no transaction left (a
//           retransmission) is forwarded statelessly by the next Via (received/rport, sent-by)
//   §16.8   timeout of the client transaction -> 408 on the server transaction (Timer B/F;
//           Timer C is not implemented: a callee that rings forever keeps the pair)
//   §16.10  CANCEL: 200 to the CANCEL, CANCEL every pending client transaction of the pair
//   §16.11  an ACK for a 2xx has no transaction: forwarded like any request, statelessly
//   §17.1.1.3  the ACK for a non-2xx final response is built by us, hop by hop
//   §18.1.1 a request larger than 1300 bytes goes over TCP
//
// Gaps: no forking (the best binding of the AOR only), no strict-router (§16.4 lr-less Route
// rewrite), no double Record-Route for UDP<->TCP transitions (one RR whose transport is TCP when
// either side is TCP), CANCEL is sent even before a provisional response (§9.1 says wait),
// no authentication, no Timer C.

import {
  SRV_PAIR_MAX, SRV_PAIR_MSG_CAP, SRV_UDP_MTU_MAX, LOC_URI_CAP, TXN_ACT_MAX,
} from "../mem/limits";
import { eqNoCase, eqExact, putU64, isClass, C_TOKEN } from "../mem/bytes";
import { SipMsg, HdrType, Method } from "../wire/sip_msg";
import { SipErr, sipErrCode, sipErrReason } from "../wire/sip_err";
import { sipParse } from "../wire/sip";
import {
  SipVia, sipViaAt, viaParse, viaTop, SipNameAddr, sipNameAddrAt, nameAddrParse, SipCSeq, sipCSeqAt,
  cseqParse, listElemEnd, scalarParse, quotedEnd, skipLws, trimLwsEnd, NA_NEED_ANGLE,
} from "../wire/sip_hdr";
import { SipUri, sipUriAt, uriParse, uriParamFind, UriScheme } from "../wire/sip_uri";
import {
  SipWriter, wStart, wRequestLine, wRequestLineSpan, wStatusLine, wHeader, wHeaderOpen, wHeaderStr,
  wHeaderU64, wCSeq, wCopyHeaderFrom, wRaw, wStr, wU64, wCrlf, wEnd, wResponseHeadersFrom,
  buildResponseFrom, putBranch, BRANCH_LEN, methodName,
} from "../wire/sip_build";
import { sipValidateRequest, sipValidateResponse } from "../sip/validate";
import {
  TxnAct, TxnErr, txnActPop, txnActHandle, txnActPeer, txnActPtr, txnActLen, txnActStatus,
  txnServerMatch, txnServerCancelTarget, txnServerStart, txnServerSendResponse, txnServerOnRetransmit,
  txnServerOnAck, txnClientStart, txnClientMatch, txnClientOnResponse, txnClientSendAck,
  txnOnTransportError, txnLastError, txnLegacyKey, txnTagKey, txnErrStatus,
  txnState, txnKind, txnKeptLen, TxnState, TxnKind,
} from "../sip/transaction";
import { locLookup, locIsKnownAor, locContactUriPtr, locContactUriLen, locContactConn, LOC_CONN_NONE } from "./location";
import {
  MSG, OMSG, BUILD, W, BUILD2, BUILD2_CAP, W2, TAG, TAG_LEN, newTag, BRANCH, newBranch, replyStateless,
} from "./common";
import { SRV_BUILD_CAP } from "../mem/limits";
import {
  PEER_NONE, LISTEN, listenLen, isUsAddr, isOurDomain, peerSend, peerIsStream, peerConn, targetPeer,
  connValid, connPeer, splitAddr, splitHostLen, splitPort, addrText, ADDR, addrLen, connFind, udpPeer,
  udpSock,
} from "./net";
import { handleRegister, emitLocEvents } from "./registrar";

// ---- views ------------------------------------------------------------------------------------

const V: SipVia = sipViaAt(memory.data(offsetof<SipVia>(), 8));
const NA: SipNameAddr = sipNameAddrAt(memory.data(offsetof<SipNameAddr>(), 8));
const U: SipUri = sipUriAt(memory.data(offsetof<SipUri>(), 8));
const CS: SipCSeq = sipCSeqAt(memory.data(offsetof<SipCSeq>(), 8));
const TMPB: usize = memory.data(32, 8);

// ---- the current request's source (set by server.ts before dispatch) ----------------------------

let srcPtr: usize = 0;
let srcLen: i32 = 0;
let srcPeer: u32 = PEER_NONE;
let srcConn: i32 = -1;
export function setSource(peer: u32, conn: i32, p: usize, n: i32): void { srcPeer = peer; srcConn = conn; srcPtr = p; srcLen = n; }

// ---- pairs --------------------------------------------------------------------------------------
// A pair lives from the request until both of its transactions have their final response
// (pairSettle), not until they end: over UDP they linger 5-32 s more (Timers K, J, D, I).

// @ts-ignore: decorator
@unmanaged
class Pair {
  used: i32;
  sTx: i32;
  cTx: i32;
  method: i32;
  cPeer: u32;
  tcp: i32;
  finalSent: i32;
  targetLen: i32;
  origLen: i32;
  pad0: i32; pad1: i32; pad2: i32;
}
const P_BRANCH: i32 = 48;
const P_TARGET: i32 = 80;
const P_ORIG: i32 = P_TARGET + LOC_URI_CAP;
const PAIR_SIZE: i32 = (80 + LOC_URI_CAP + SRV_PAIR_MSG_CAP + 15) & ~15;
const PAIRS: usize = memory.data(SRV_PAIR_MAX * ((80 + LOC_URI_CAP + SRV_PAIR_MSG_CAP + 15) & ~15), 16);

// @ts-ignore: decorator
@inline function pairAt(i: i32): Pair { return changetype<Pair>(PAIRS + <usize>(i * PAIR_SIZE)); }
// @ts-ignore: decorator
@inline function pairBranch(i: i32): usize { return PAIRS + <usize>(i * PAIR_SIZE + P_BRANCH); }
// @ts-ignore: decorator
@inline function pairTarget(i: i32): usize { return PAIRS + <usize>(i * PAIR_SIZE + P_TARGET); }
// @ts-ignore: decorator
@inline function pairOrig(i: i32): usize { return PAIRS + <usize>(i * PAIR_SIZE + P_ORIG); }

function pairAlloc(): i32 {
  for (let i = 0; i < SRV_PAIR_MAX; i++) {
    const p = pairAt(i);
    if (p.used != 0) continue;
    p.used = 1; p.sTx = -1; p.cTx = -1; p.method = 0; p.cPeer = PEER_NONE; p.tcp = 0;
    p.finalSent = 0; p.targetLen = 0; p.origLen = 0;
    return i;
  }
  return -1;
}
function pairFree(i: i32): void { pairAt(i).used = 0; }
function pairBySrv(h: i32): i32 {
  if (h < 0) return -1;
  for (let i = 0; i < SRV_PAIR_MAX; i++) { const p = pairAt(i); if (p.used != 0 && p.sTx == h) return i; }
  return -1;
}
function pairByCli(h: i32): i32 {
  if (h < 0) return -1;
  for (let i = 0; i < SRV_PAIR_MAX; i++) { const p = pairAt(i); if (p.used != 0 && p.cTx == h) return i; }
  return -1;
}
/** Live pairs (tests, metrics). */
export function proxyPairs(): i32 {
  let n = 0;
  for (let i = 0; i < SRV_PAIR_MAX; i++) if (pairAt(i).used != 0) n++;
  return n;
}
export function proxyReset(): void { for (let i = 0; i < SRV_PAIR_MAX; i++) pairAt(i).used = 0; }

/** Parses the stored original of pair i into OMSG. */
function parseOrig(i: i32): bool {
  const p = pairAt(i);
  return p.origLen > 0 && sipParse(pairOrig(i), p.origLen, OMSG, true) > 0;
}

// ---- transaction keys (§17.2.3) -----------------------------------------------------------------

const SENTBY: usize = memory.data(96, 8);
let sentByLen: i32 = 0;
let kBranchPtr: usize = 0;
let kBranchLen: i32 = 0;
let kLegacy: u64 = 0;
let kToTag: u64 = 0;

function tagOf(m: SipMsg, h: i32): void {
  tagPtr = 0; tagLen = 0;
  if (h < 0) return;
  if (nameAddrParse(m.base, m.valOff(h), m.valLen(h), NA, 0, SipErr.To) != SipErr.Ok) return;
  if (NA.tagOff >= 0) { tagPtr = m.base + <usize>NA.tagOff; tagLen = NA.tagLen; }
}
let tagPtr: usize = 0;
let tagLen: i32 = 0;

/** Top Via branch, sent-by text and (no cookie) the RFC 2543 keys of request m. */
function keyOf(m: SipMsg): bool {
  if (m.firstVia < 0) return false;
  const b = m.base;
  if (viaTop(b, m.valOff(m.firstVia), m.valLen(m.firstVia), V) != SipErr.Ok) return false;
  kBranchPtr = V.branchOff >= 0 ? b + <usize>V.branchOff : b;
  kBranchLen = V.branchOff >= 0 ? V.branchLen : 0;
  if (V.hostLen + 7 > 96) return false;
  memory.copy(SENTBY, b + <usize>V.hostOff, <usize>V.hostLen);
  sentByLen = V.hostLen;
  if (V.port >= 0) { store<u8>(SENTBY + <usize>sentByLen, 58); sentByLen += 1 + putU64(SENTBY + <usize>(sentByLen + 1), <u64>V.port); }
  kLegacy = 0; kToTag = 0;
  if (!(kBranchLen >= 7 && eqExact(kBranchPtr, 7, "z9hG4bK"))) {
    // §17.2.3 RFC 2543 fallback: R-URI, From tag, Call-ID, CSeq number, top Via; To tag apart
    if (m.firstCSeq < 0 || m.firstCallId < 0) return false;
    cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS);
    const ve = listElemEnd(b, m.valOff(m.firstVia), m.valOff(m.firstVia) + m.valLen(m.firstVia));
    tagOf(m, m.firstFrom);
    const fp = tagPtr, fl = tagLen;
    kLegacy = txnLegacyKey(b + <usize>m.uriOff, m.uriLen, fp, fl, b + <usize>m.valOff(m.firstCallId),
      m.valLen(m.firstCallId), CS.num, b + <usize>m.valOff(m.firstVia), ve - m.valOff(m.firstVia));
    tagOf(m, m.firstTo);
    kToTag = txnTagKey(tagPtr, tagLen);
  }
  return true;
}

// ---- loop detection (§16.3 step 4, §16.6 step 8) --------------------------------------------------

function fnv32(h: u32, p: usize, n: i32): u32 {
  for (let i = 0; i < n; i++) { h ^= load<u8>(p + <usize>i); h *= 16777619; }
  return h;
}

/** Hash of what a looped request keeps: Request-URI, Call-ID, CSeq number, From and To tags, Proxy-Require. */
function loopHash(m: SipMsg): u32 {
  const b = m.base;
  let h: u32 = 0x811c9dc5;
  h = fnv32(h, b + <usize>m.uriOff, m.uriLen);
  if (m.firstCallId >= 0) h = fnv32(h, b + <usize>m.valOff(m.firstCallId), m.valLen(m.firstCallId));
  if (m.firstCSeq >= 0 && cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) == SipErr.Ok) {
    h ^= CS.num; h *= 16777619;
  }
  tagOf(m, m.firstFrom); h = fnv32(h, tagPtr, tagLen);
  tagOf(m, m.firstTo); h = fnv32(h ^ 0x2f, tagPtr, tagLen);
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) == HdrType.ProxyRequire) h = fnv32(h, b + <usize>m.valOff(i), m.valLen(i));
  }
  return h;
}

/** A Via of ours whose branch carries the same loop hash: the request has looped (482). */
function looped(m: SipMsg, lh: u32): bool {
  const b = m.base;
  putBranch(TMPB, <u64>lh << 32);
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) != HdrType.Via) continue;
    const vo = m.valOff(i), end = vo + m.valLen(i);
    let p = vo;
    for (let g = 0; g <= m.valLen(i) && p < end; g++) {
      const e = listElemEnd(b, p, end);
      if (viaParse(b, p, e - p, V) == SipErr.Ok && isUsAddr(b, V.hostOff, V.hostLen, V.port) &&
          V.branchLen == BRANCH_LEN && eqSpanBytes(b + <usize>V.branchOff, TMPB, 15)) return true;
      p = e + 1;
    }
  }
  return false;
}

function eqSpanBytes(a: usize, c: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(c + <usize>i)) return false;
  return true;
}

// ---- Route (§16.4) -------------------------------------------------------------------------------

/** End offset of the top Route element when it names us (to strip it), else -1. */
function ourTopRouteEnd(m: SipMsg): i32 {
  if (m.firstRoute < 0) return -1;
  const b = m.base;
  const vo = m.valOff(m.firstRoute), end = vo + m.valLen(m.firstRoute);
  const e = listElemEnd(b, vo, end);
  if (nameAddrParse(b, vo, e - vo, NA, NA_NEED_ANGLE, SipErr.Route) != SipErr.Ok) return -1;
  if (!uriParse(b, NA.uriOff, NA.uriLen, U)) return -1;
  if (U.scheme != UriScheme.Sip && U.scheme != UriScheme.Sips) return -1;
  if (!isUsAddr(b, U.hostOff, U.hostLen, U.port)) return -1;
  return e;
}

/** The first Route element left after stripping (strip = ourTopRouteEnd or -1): sets nrOff/nrLen; false when none. */
let nrOff: i32 = 0;
let nrLen: i32 = 0;
function nextRoute(m: SipMsg, strip: i32): bool {
  const b = m.base;
  let seenFirst = false;
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) != HdrType.Route) continue;
    const vo = m.valOff(i), end = vo + m.valLen(i);
    let p = vo;
    if (!seenFirst) {
      seenFirst = true;
      if (strip >= 0) {
        if (strip >= end) continue;
        p = skipLws(b, strip + 1, end);
      }
    }
    if (p >= end) continue;
    const e = listElemEnd(b, p, end);
    nrOff = p; nrLen = trimLwsEnd(b, p, e) - p;
    return nrLen > 0;
  }
  return false;
}

/** Copies the Route lines of m, without the top element when strip >= 0 (§16.4). */
function writeRoutes(w: SipWriter, m: SipMsg, strip: i32): void {
  const b = m.base;
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) != HdrType.Route) continue;
    writeRouteLine(w, m, i, strip);
  }
}

function writeRouteLine(w: SipWriter, m: SipMsg, i: i32, strip: i32): void {
  const b = m.base;
  if (i != m.firstRoute || strip < 0) { wCopyHeaderFrom(w, m, i); return; }
  const end = m.valOff(i) + m.valLen(i);
  if (strip >= end) return;
  const p = skipLws(b, strip + 1, end);
  if (p < end) wHeader(w, "Route", b + <usize>p, end - p);
}

// ---- building ----------------------------------------------------------------------------------------

/** "Via: SIP/2.0/UDP|TCP LISTEN;branch=B" (§16.6 step 8, §18.1.1 transport of the next hop). */
function writeOurVia(w: SipWriter, tcp: bool, branch: usize): void {
  wHeaderOpen(w, "Via");
  wStr(w, tcp ? "SIP/2.0/TCP " : "SIP/2.0/UDP ");
  wRaw(w, LISTEN, listenLen);
  wStr(w, ";branch=");
  wRaw(w, branch, BRANCH_LEN);
  wCrlf(w);
}

/**
 * The previous top Via with received (always: §18.2.1 allows it, RFC 3581 wants it with rport)
 * and rport=PORT when the client asked for it (RFC 3581 §4); other params and further
 * comma-separated Via values are kept verbatim.
 */
function writeTopViaStamped(w: SipWriter, m: SipMsg, i: i32): void {
  const b = m.base;
  const vo = m.valOff(i), end = vo + m.valLen(i);
  const e = listElemEnd(b, vo, end);
  if (viaParse(b, vo, e - vo, V) != SipErr.Ok || srcLen <= 0 || !splitAddr(srcPtr, srcLen)) { wCopyHeaderFrom(w, m, i); return; }
  const hostLen = splitHostLen, port = splitPort;
  wHeaderOpen(w, "Via");
  const pe = V.paramsOff >= 0 ? V.paramsOff : e;
  wRaw(w, b + <usize>vo, trimLwsEnd(b, vo, pe) - vo);
  let p = pe;
  for (let g = 0; g <= e - pe && p < e; g++) {
    // p is at ';' — find the next ';' outside quotes
    let q = p + 1;
    while (q < e && load<u8>(b + <usize>q) != 59) {
      if (load<u8>(b + <usize>q) == 34) { const z = quotedEnd(b, q, e); q = z < 0 ? e : z; }
      else q++;
    }
    const ns = skipLws(b, p + 1, q);
    let ne = ns;
    while (ne < q && isClass(load<u8>(b + <usize>ne), C_TOKEN)) ne++;
    if (!eqNoCase(b + <usize>ns, ne - ns, "received") && !eqNoCase(b + <usize>ns, ne - ns, "rport")) {
      wRaw(w, b + <usize>p, trimLwsEnd(b, p, q) - p);
    }
    p = q;
  }
  wStr(w, ";received=");
  // RFC 5118 §4.5: received carries the bare IPv6 address (no brackets)
  if (hostLen >= 2 && load<u8>(srcPtr) == 91) wRaw(w, srcPtr + 1, hostLen - 2);
  else wRaw(w, srcPtr, hostLen);
  if (V.rport >= 0) { wStr(w, ";rport="); wU64(w, <u64>port); }
  if (e < end) wRaw(w, b + <usize>e, end - e);
  wCrlf(w);
}

/**
 * §16.6: the forwarded copy of request m: Request-URI ruri, our Via on top, the previous top Via
 * stamped, Max-Forwards - 1 (70 when absent), our Record-Route when rr, the top Route removed
 * when strip >= 0, everything else verbatim, Content-Length recomputed. Length or -1.
 */
function buildForward(m: SipMsg, ruriPtr: usize, ruriLen: i32, tcp: bool, rr: bool, rrTcp: bool, strip: i32, mf: i64): i32 {
  const b = m.base;
  wStart(W, BUILD, SRV_BUILD_CAP);
  wRequestLineSpan(W, b + <usize>m.methodOff, m.methodLen, ruriPtr, ruriLen);
  writeOurVia(W, tcp, BRANCH);
  // the Via lines stay together, in order, then our Record-Route above the others (§16.6 step 4)
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) != HdrType.Via) continue;
    if (i == m.firstVia) writeTopViaStamped(W, m, i); else wCopyHeaderFrom(W, m, i);
  }
  if (rr) {
    wHeaderOpen(W, "Record-Route");
    wStr(W, "<sip:"); wRaw(W, LISTEN, listenLen);
    wStr(W, rrTcp ? ";transport=tcp;lr>" : ";lr>");
    wCrlf(W);
  }
  let mfDone = false;
  for (let i = 0; i < m.hdrCount; i++) {
    const t = m.hdrType(i);
    if (t == HdrType.Via) {
      continue;
    } else if (t == HdrType.MaxForwards) {
      if (!mfDone) { wHeaderU64(W, "Max-Forwards", <u64>(mf > 0 ? mf - 1 : 0)); mfDone = true; }
    } else if (t == HdrType.Route) {
      writeRouteLine(W, m, i, strip);
    } else if (t != HdrType.ContentLength) {
      wCopyHeaderFrom(W, m, i);
    }
  }
  if (!mfDone) wHeaderU64(W, "Max-Forwards", 70);
  return wEnd(W, b + <usize>m.bodyOff, m.bodyLen);
}

/**
 * A hop-by-hop request we generate for a pair (CANCEL §9.1, ACK for a non-2xx §17.1.1.3):
 * same Request-URI, Call-ID, From, CSeq number and Route set as the forwarded request, our Via
 * with the same branch; To from toMsg's To line (the response for an ACK). Into BUILD2.
 */
function buildHop(pi: i32, method: string, toMsg: SipMsg): i32 {
  const p = pairAt(pi);
  const m = OMSG;
  wStart(W2, BUILD2, BUILD2_CAP);
  wRequestLine(W2, method, pairTarget(pi), p.targetLen);
  writeOurVia(W2, p.tcp != 0, pairBranch(pi));
  wHeaderU64(W2, "Max-Forwards", 70);
  writeRoutes(W2, m, ourTopRouteEnd(m));
  if (m.firstFrom >= 0) wCopyHeaderFrom(W2, m, m.firstFrom);
  if (toMsg.firstTo >= 0) wCopyHeaderFrom(W2, toMsg, toMsg.firstTo);
  if (m.firstCallId >= 0) wCopyHeaderFrom(W2, m, m.firstCallId);
  if (m.firstCSeq >= 0 && cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) == SipErr.Ok) {
    wCSeq(W2, <u64>CS.num, method);
  }
  return wEnd(W2, 0, 0);
}

/** §16.7 step 3/9: response m without our (top) Via value, into BUILD. */
function buildResponseForward(m: SipMsg): i32 {
  const b = m.base;
  wStart(W, BUILD, SRV_BUILD_CAP);
  // status line verbatim
  let le = m.startOff;
  while (le + 1 < m.len && !(load<u8>(b + <usize>le) == 13 && load<u8>(b + <usize>(le + 1)) == 10)) le++;
  wRaw(W, b + <usize>m.startOff, le + 2 - m.startOff);
  for (let i = 0; i < m.hdrCount; i++) {
    const t = m.hdrType(i);
    if (t == HdrType.ContentLength) continue;
    if (t == HdrType.Via && i == m.firstVia) {
      const vo = m.valOff(i), end = vo + m.valLen(i);
      const e = listElemEnd(b, vo, end);
      if (e < end) {
        const p = skipLws(b, e + 1, end);
        if (p < end) wHeader(W, "Via", b + <usize>p, end - p);
      }
      continue;
    }
    wCopyHeaderFrom(W, m, i);
  }
  return wEnd(W, b + <usize>m.bodyOff, m.bodyLen);
}

/** §18.2.2 for a stateless response: the Via after ours -> received/rport or sent-by (TCP: an open conn). */
function viaNextHop(m: SipMsg): u32 {
  const b = m.base;
  let seen = false;
  for (let i = 0; i < m.hdrCount; i++) {
    if (m.hdrType(i) != HdrType.Via) continue;
    const vo = m.valOff(i), end = vo + m.valLen(i);
    let p = vo;
    if (!seen) {
      seen = true;
      const e = listElemEnd(b, vo, end);
      if (e >= end) continue;
      p = skipLws(b, e + 1, end);
    }
    const e2 = listElemEnd(b, p, end);
    if (viaParse(b, p, e2 - p, V) != SipErr.Ok) return PEER_NONE;
    const host = V.receivedOff >= 0 ? V.receivedOff : V.hostOff;
    const hostLen = V.receivedOff >= 0 ? V.receivedLen : V.hostLen;
    const port = V.rport > 0 ? V.rport : V.port;
    if (!addrText(b, host, hostLen, port)) return PEER_NONE;
    if (eqNoCase(b + <usize>V.transOff, V.transLen, "TCP")) {
      const c = connFind(ADDR, addrLen);
      return c >= 0 ? connPeer(c) : PEER_NONE;
    }
    return udpPeer(udpSock, ADDR, addrLen);
  }
  return PEER_NONE;
}

// ---- answers through a server transaction ----------------------------------------------------------

/** A body-less answer to m on server transaction h (Unsupported / Retry-After added when asked). */
function answer(h: i32, m: SipMsg, code: i32, reason: string, extra: i32, now: f64): void {
  newTag();
  wStart(W2, BUILD2, BUILD2_CAP);
  wResponseHeadersFrom(W2, m, code, reason, TAG, TAG_LEN);
  if (extra == EXTRA_RETRY) wHeaderU64(W2, "Retry-After", 5);
  if (extra == EXTRA_UNSUPPORTED) {
    for (let i = 0; i < m.hdrCount; i++) {
      if (m.hdrType(i) == HdrType.ProxyRequire) wHeader(W2, "Unsupported", m.base + <usize>m.valOff(i), m.valLen(i));
    }
  }
  const n = wEnd(W2, 0, 0);
  if (n > 0) txnServerSendResponse(h, code, BUILD2, n, now);
  drain(now);
}
const EXTRA_NONE: i32 = 0;
const EXTRA_RETRY: i32 = 1;
const EXTRA_UNSUPPORTED: i32 = 2;

// ---- the action drain --------------------------------------------------------------------------------

/** The response being handled (AckNeeded needs its To), or null when none. */
let curIsResponse = false;

/** Performs every queued transaction action (bounded: each action queues at most a few more). */
export function drain(now: f64): void {
  for (let g = 0; g < TXN_ACT_MAX * 4; g++) {
    const op = txnActPop();
    if (op == TxnAct.None) return;
    const h = txnActHandle(), peer = txnActPeer(), st = txnActStatus();
    if (op == TxnAct.Send) {
      if (!peerSend(peer, txnActPtr(), txnActLen()) && peerIsStream(peer) && peerConn(peer) < 0) {
        txnOnTransportError(h);   // §17.1.4 / §17.2.4: the connection is gone
      }
    } else if (op == TxnAct.TuResponse) onTuResponse(h, st, now);
    else if (op == TxnAct.TuTimeout) onClientFail(h, 408, "Request Timeout", now);
    else if (op == TxnAct.TuTransportError) onClientFail(h, 503, "Service Unavailable", now);
    else if (op == TxnAct.TuTerminated) onTerminated(h);
    else if (op == TxnAct.AckNeeded) onAckNeeded(h);
    else if (op == TxnAct.SendTrying) {
      const pi = pairBySrv(h);
      if (pi >= 0 && parseOrig(pi)) {
        wStart(W2, BUILD2, BUILD2_CAP);
        const n = buildResponseFrom(W2, OMSG, 100, "Trying", 0, 0);
        if (n > 0) txnServerSendResponse(h, 100, BUILD2, n, now);
      }
    }
  }
}

function onTuResponse(h: i32, st: i32, now: f64): void {
  if (!curIsResponse) return;
  const pi = pairByCli(h);
  if (pi < 0) return;                       // our CANCEL's own transaction: absorbed
  if (st == 100) return;                    // §16.7 step 3: 100 is not forwarded
  const p = pairAt(pi);
  const n = buildResponseForward(MSG);
  if (n <= 0) return;
  let r = TxnErr.BadHandle;
  if (p.sTx >= 0 && p.finalSent == 0) r = txnServerSendResponse(p.sTx, st, BUILD, n, now);
  if (r != TxnErr.Ok && st >= 200 && st < 300) peerSend(viaNextHop(MSG), BUILD, n);   // §16.7 step 10
  // A final too large to keep for UDP retransmission (§18.1.1 / TXN_MSG_CAP) is replaced by a 500,
  // so the server transaction still completes (it has no timer of its own before that).
  if (r == TxnErr.MsgTooLong && st >= 200) serverFail(pi, 500, "Response Too Large", now);
  if (st >= 200) { p.finalSent = 1; pairSettle(pi); }
}

/** §16.8 timeout (408) or transport failure (503) of a client transaction: answer the server side. */
function onClientFail(h: i32, code: i32, reason: string, now: f64): void {
  const pi = pairByCli(h);
  if (pi < 0) return;
  serverFail(pi, code, reason, now);
  pairSettle(pi);
}

/** A final response of our own (code, reason) on pair pi's server transaction, built from the original. */
function serverFail(pi: i32, code: i32, reason: string, now: f64): void {
  const p = pairAt(pi);
  if (p.finalSent != 0 || p.sTx < 0 || !parseOrig(pi)) return;
  newTag();
  wStart(W2, BUILD2, BUILD2_CAP);
  const n = buildResponseFrom(W2, OMSG, code, reason, TAG, TAG_LEN);
  p.finalSent = 1;
  if (n > 0) txnServerSendResponse(p.sTx, code, BUILD2, n, now);
}

/**
 * Pair pi is released as soon as both sides are settled: the final response went out on the
 * server transaction, and the client transaction has its final (Completed; for a non-2xx INVITE
 * with its ACK kept, §17.1.1.3) or is gone. While they linger (Timers J, K, D, I: re-send the kept
 * final or ACK, absorb retransmissions, match the ACK of a non-2xx by §17.2.3) the transactions
 * need nothing from the pair, so a UDP call does not hold a pair and its request copy for 32 s.
 */
function pairSettle(pi: i32): void {
  const p = pairAt(pi);
  if (p.used == 0 || p.finalSent == 0) return;
  if (p.cTx >= 0) {
    const cs = txnState(p.cTx);
    if (cs >= 0) {
      if (cs != TxnState.Completed) return;
      // without a kept ACK a retransmitted final asks for it again (onAckNeeded needs the pair)
      if (txnKind(p.cTx) == TxnKind.ClientInvite && txnKeptLen(p.cTx) <= 0) return;
    }
  }
  pairFree(pi);
}

function onTerminated(h: i32): void {
  for (let i = 0; i < SRV_PAIR_MAX; i++) {
    const p = pairAt(i);
    if (p.used == 0) continue;
    if (p.sTx == h) p.sTx = -1;
    if (p.cTx == h) p.cTx = -1;
    if (p.sTx < 0 && p.cTx < 0) pairFree(i);
    else pairSettle(i);
  }
}

/** §17.1.1.3: the ACK for a 300-699 the callee sent, hop by hop, To from the response. */
function onAckNeeded(h: i32): void {
  const pi = pairByCli(h);
  if (pi < 0 || !parseOrig(pi)) return;
  const n = buildHop(pi, "ACK", curIsResponse ? MSG : OMSG);
  if (n > 0) txnClientSendAck(h, BUILD2, n);
}

// ---- requests ------------------------------------------------------------------------------------------

/** A request m from srcPeer (setSource) at now. */
export function handleRequest(m: SipMsg, now: f64): void {
  curIsResponse = false;
  const peer = srcPeer;
  if (m.method == Method.ACK) { handleAck(m, now); return; }
  let e = sipValidateRequest(m);
  // §16.3: a proxy does not judge bodies, Accept or Require (those are the UAS's business)
  if (e == SipErr.BadExtension || e == SipErr.UnsupportedMedia || e == SipErr.NotAcceptable) e = SipErr.Ok;
  if (e != SipErr.Ok) {
    const code = sipErrCode(e);
    if (code > 0) replyStateless(m, peer, code, sipErrReason(e), false);
    return;
  }
  if (!keyOf(m)) { replyStateless(m, peer, 400, "Bad Via", false); return; }
  const reliable = peerIsStream(peer);
  if (m.method == Method.CANCEL) { handleCancel(m, reliable, now); return; }
  // §17.2.3: a retransmission goes to its server transaction (absorbed, last response resent)
  const old = txnServerMatch(m.method, kBranchPtr, kBranchLen, SENTBY, sentByLen, kLegacy, kToTag);
  if (old >= 0) { txnServerOnRetransmit(old); drain(now); return; }
  const h = txnServerStart(m.method, kBranchPtr, kBranchLen, SENTBY, sentByLen, reliable, peer, now, kLegacy, kToTag);
  if (h < 0) {
    const le = txnLastError();
    if (le == TxnErr.PoolFull) replyStateless(m, peer, 503, "Service Unavailable", true);
    else { const c = txnErrStatus(le); if (c > 0) replyStateless(m, peer, c, "Bad Request", false); }
    return;
  }
  if (m.method == Method.REGISTER) { handleRegister(m, h, peer, srcConn, srcPtr, srcLen, now); drain(now); emitLocEvents(); return; }
  proxyRequest(m, h, now);
}

/** §16.3-§16.6 for a request with its new server transaction h. */
function proxyRequest(m: SipMsg, h: i32, now: f64): void {
  const b = m.base;
  // §16.3 step 3: Max-Forwards 0 -> 483 (absent counts as 70, added on forwarding)
  let mf: i64 = 70;
  if (m.firstMaxForwards >= 0) {
    mf = scalarParse(b, m.valOff(m.firstMaxForwards), m.valLen(m.firstMaxForwards), 0x7fffffff);
    if (mf < 0) { answer(h, m, 400, "Bad Max-Forwards", EXTRA_NONE, now); return; }
  }
  if (mf == 0) { answer(h, m, 483, "Too Many Hops", EXTRA_NONE, now); return; }
  // §16.3 step 4: loop detection by the loop hash in our own Via branch
  const lh = loopHash(m);
  if (looped(m, lh)) { answer(h, m, 482, "Loop Detected", EXTRA_NONE, now); return; }
  // §16.3 step 6: we support no extension, so any Proxy-Require tag -> 420 + Unsupported
  if (m.has(HdrType.ProxyRequire)) { answer(h, m, 420, "Bad Extension", EXTRA_UNSUPPORTED, now); return; }
  // §16.4: remove a top Route naming us
  const strip = ourTopRouteEnd(m);
  const hasRoute = nextRoute(m, strip);
  const pi = pairAlloc();
  if (pi < 0) { answer(h, m, 503, "Service Unavailable", EXTRA_RETRY, now); return; }
  const p = pairAt(pi);
  p.sTx = h; p.method = m.method;
  if (m.len > SRV_PAIR_MSG_CAP) { pairFree(pi); answer(h, m, 513, "Message Too Large", EXTRA_NONE, now); return; }
  memory.copy(pairOrig(pi), b, <usize>m.len);
  p.origLen = m.len;
  // §16.5: the target set. Request-URI of our domain (and no Route left) -> location service.
  let bindConn: u32 = LOC_CONN_NONE;
  if (!uriParse(b, m.uriOff, m.uriLen, U)) { pairFree(pi); answer(h, m, 416, "Unsupported URI Scheme", EXTRA_NONE, now); return; }
  if (!hasRoute && U.userOff >= 0 && isOurDomain(b, U)) {
    const n = locLookup(b + <usize>m.uriOff, m.uriLen, now);
    if (n <= 0) {
      pairFree(pi);
      if (n == 0 && locIsKnownAor(b + <usize>m.uriOff, m.uriLen)) answer(h, m, 480, "Temporarily Unavailable", EXTRA_NONE, now);
      else answer(h, m, 404, "Not Found", EXTRA_NONE, now);
      return;
    }
    // Gap: no forking; the best binding (highest q, newest) is the target.
    const ul = locContactUriLen(0);
    memory.copy(pairTarget(pi), locContactUriPtr(0), <usize>ul);
    p.targetLen = ul;
    bindConn = locContactConn(0);
  } else if (U.userOff < 0 && !hasRoute && isUsAddr(b, U.hostOff, U.hostLen, U.port)) {
    // addressed to the server itself: OPTIONS is answered (§11.2), the rest is not ours
    pairFree(pi);
    if (m.method == Method.OPTIONS) answer(h, m, 200, "OK", EXTRA_NONE, now);
    else answer(h, m, 404, "Not Found", EXTRA_NONE, now);
    return;
  } else {
    if (m.uriLen > LOC_URI_CAP) { pairFree(pi); answer(h, m, 414, "Request-URI Too Long", EXTRA_NONE, now); return; }
    memory.copy(pairTarget(pi), b + <usize>m.uriOff, <usize>m.uriLen);
    p.targetLen = m.uriLen;
  }
  // §16.6 step 7 / §18.1.1: next hop and transport
  const tgt = pairTarget(pi);
  let hopOk: bool;
  let tcp = false;
  const big = m.len + 300 > SRV_UDP_MTU_MAX;
  if (hasRoute) {
    hopOk = nameAddrParse(b, nrOff, nrLen, NA, NA_NEED_ANGLE, SipErr.Route) == SipErr.Ok && uriParse(b, NA.uriOff, NA.uriLen, U);
    if (hopOk) tcp = big || uriIsTcp(b, U);
    p.cPeer = hopOk ? targetPeer(b, U, tcp) : PEER_NONE;
  } else {
    hopOk = uriParse(tgt, 0, p.targetLen, U);
    if (hopOk) {
      tcp = big || uriIsTcp(tgt, U);
      // RFC 5626 idea: a client registered over a connection that is still open is reached on it
      if (bindConn != LOC_CONN_NONE && connValid(<i32>bindConn)) { tcp = true; p.cPeer = connPeer(<i32>bindConn); }
      else p.cPeer = targetPeer(tgt, U, tcp);
    }
  }
  if (!hopOk || p.cPeer == PEER_NONE) { pairFree(pi); answer(h, m, 503, "Service Unavailable", EXTRA_RETRY, now); return; }
  p.tcp = tcp ? 1 : 0;
  // §16.6 step 4: Record-Route for dialog-creating requests outside a dialog (no To tag)
  tagOf(m, m.firstTo);
  const initial = tagLen == 0;
  const rr = initial && (m.method == Method.INVITE || m.method == Method.SUBSCRIBE || m.method == Method.REFER);
  newBranch(lh);
  memory.copy(pairBranch(pi), BRANCH, <usize>BRANCH_LEN);
  const n = buildForward(m, tgt, p.targetLen, tcp, rr, tcp || peerIsStream(srcPeer), strip, mf);
  if (n <= 0) { pairFree(pi); answer(h, m, 513, "Message Too Large", EXTRA_NONE, now); return; }
  // §16.2 / §17.2.1: a 100 Trying at once for an INVITE, so the caller stops retransmitting
  if (m.method == Method.INVITE) {
    wStart(W2, BUILD2, BUILD2_CAP);
    const tn = buildResponseFrom(W2, m, 100, "Trying", 0, 0);
    if (tn > 0) txnServerSendResponse(h, 100, BUILD2, tn, now);
    drain(now);
  }
  const c = txnClientStart(m.method, tcp, p.cPeer, BUILD, n, pairBranch(pi), BRANCH_LEN, now);
  if (c < 0) {
    pairFree(pi);
    answer(h, m, 503, "Service Unavailable", EXTRA_RETRY, now);
    return;
  }
  p.cTx = c;
  drain(now);
}

function uriIsTcp(b: usize, u: SipUri): bool {
  if (u.paramsOff < 0) return false;
  const r = uriParamFind(b, u.paramsOff, u.paramsLen, "transport");
  if (r < 0) return false;
  return eqNoCase(b + <usize>(r >>> 32), <i32>(r & 0xffffffff), "tcp");
}

/** §9.2 / §16.10: CANCEL. */
function handleCancel(m: SipMsg, reliable: bool, now: f64): void {
  const peer = srcPeer;
  const old = txnServerMatch(Method.CANCEL, kBranchPtr, kBranchLen, SENTBY, sentByLen, kLegacy, kToTag);
  if (old >= 0) { txnServerOnRetransmit(old); drain(now); return; }
  const target = txnServerCancelTarget(kBranchPtr, kBranchLen, SENTBY, sentByLen, kLegacy, kToTag);
  const h = txnServerStart(Method.CANCEL, kBranchPtr, kBranchLen, SENTBY, sentByLen, reliable, peer, now, kLegacy, kToTag);
  if (h < 0) { replyStateless(m, peer, 503, "Service Unavailable", true); return; }
  if (target < 0) { answer(h, m, 481, "Call/Transaction Does Not Exist", EXTRA_NONE, now); return; }
  answer(h, m, 200, "OK", EXTRA_NONE, now);
  const pi = pairBySrv(target);
  if (pi < 0) return;
  const p = pairAt(pi);
  if (p.cTx < 0 || p.finalSent != 0 || !parseOrig(pi)) return;
  const n = buildHop(pi, "CANCEL", OMSG);
  if (n > 0) txnClientStart(Method.CANCEL, p.tcp != 0, p.cPeer, BUILD2, n, pairBranch(pi), BRANCH_LEN, now);
  drain(now);
}

/** ACK: for a non-2xx it ends our server transaction (§17.2.1); for a 2xx it is forwarded statelessly (§16.11). */
function handleAck(m: SipMsg, now: f64): void {
  if (sipValidateRequest(m) != SipErr.Ok && m.firstVia < 0) return;
  if (!keyOf(m)) return;
  const h = txnServerMatch(Method.ACK, kBranchPtr, kBranchLen, SENTBY, sentByLen, kLegacy, kToTag);
  if (h >= 0) { txnServerOnAck(h, now); drain(now); return; }
  const b = m.base;
  let mf: i64 = 70;
  if (m.firstMaxForwards >= 0) mf = scalarParse(b, m.valOff(m.firstMaxForwards), m.valLen(m.firstMaxForwards), 0x7fffffff);
  if (mf <= 0) return;                      // no answer to an ACK, ever
  const lh = loopHash(m);
  if (looped(m, lh)) return;
  const strip = ourTopRouteEnd(m);
  const hasRoute = nextRoute(m, strip);
  if (!uriParse(b, m.uriOff, m.uriLen, U)) return;
  let ruriPtr = b + <usize>m.uriOff;
  let ruriLen = m.uriLen;
  let peer = PEER_NONE;
  let tcp = false;
  const big = m.len + 300 > SRV_UDP_MTU_MAX;
  if (hasRoute) {
    if (nameAddrParse(b, nrOff, nrLen, NA, NA_NEED_ANGLE, SipErr.Route) != SipErr.Ok || !uriParse(b, NA.uriOff, NA.uriLen, U)) return;
    tcp = big || uriIsTcp(b, U);
    peer = targetPeer(b, U, tcp);
  } else if (U.userOff >= 0 && isOurDomain(b, U)) {
    if (locLookup(ruriPtr, ruriLen, now) <= 0) return;
    ruriPtr = locContactUriPtr(0); ruriLen = locContactUriLen(0);
    if (!uriParse(ruriPtr, 0, ruriLen, U)) return;
    tcp = big || uriIsTcp(ruriPtr, U);
    const bc = locContactConn(0);
    if (bc != LOC_CONN_NONE && connValid(<i32>bc)) { tcp = true; peer = connPeer(<i32>bc); }
    else peer = targetPeer(ruriPtr, U, tcp);
  } else {
    tcp = big || uriIsTcp(b, U);
    peer = targetPeer(b, U, tcp);
  }
  if (peer == PEER_NONE) return;
  newBranch(lh);
  const n = buildForward(m, ruriPtr, ruriLen, tcp, false, false, strip, mf);
  if (n > 0) peerSend(peer, BUILD, n);
}

// ---- responses --------------------------------------------------------------------------------------------

/** A response m (§16.7). */
export function handleResponse(m: SipMsg, now: f64): void {
  const e = sipValidateResponse(m);
  if (e != SipErr.Ok && e != SipErr.ResponseVias) return;
  const b = m.base;
  if (viaTop(b, m.valOff(m.firstVia), m.valLen(m.firstVia), V) != SipErr.Ok) return;
  // §18.1.2: a response whose top Via is not ours is discarded
  if (!isUsAddr(b, V.hostOff, V.hostLen, V.port) || V.branchOff < 0) return;
  if (cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) return;
  const c = txnClientMatch(b + <usize>V.branchOff, V.branchLen, CS.method);
  if (c < 0) {
    // §16.7: a 2xx for an INVITE with no transaction left (retransmission) is forwarded statelessly
    if (m.status >= 200 && m.status < 300 && CS.method == Method.INVITE) {
      const n = buildResponseForward(m);
      if (n > 0) peerSend(viaNextHop(m), BUILD, n);
    }
    return;
  }
  curIsResponse = true;
  txnClientOnResponse(c, m.status, now);
  drain(now);
  curIsResponse = false;
}

/** Timers (§17 A-K) at now. */
export function proxyOnTimer(now: f64): void {
  curIsResponse = false;
  // the transaction layer queues; the drain performs (408 for client timeouts, retransmissions)
  drain(now);
}
