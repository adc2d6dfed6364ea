// The UA role of the agent (RFC 3261 §8, §10, §12-§15), sans-I/O: one registered AOR and at
// most one call at a time, always through the configured server (an outbound proxy in the
// sense of §8.1.2: every request and every in-dialog request is sent there; with the server's
// Record-Route the route set's first hop is that same server, §16.6 step 4, so ACK and BYE
// traverse it as §13.2.2.4 / §12.2.1.1 describe). Bytes, peer addresses and `now` come in
// through assembly/ua_agent.ts; actions leave as outbox records (assembly/mem/outbox.ts), app
// events as EVENT records with one JSON object each.
//
// Reading list (RFC 3261):
//   §10.2 / §10.2.4  REGISTER and its refresh before expiry (sip/ua.ts uaRegisterRefreshAt);
//                    §10.2.8 423 -> retry with Min-Expires
//   §17.1            client transactions (sip/transaction.ts) for REGISTER, INVITE, BYE, CANCEL:
//                    Timer A/E retransmissions over UDP, B/F timeouts -> {"event":"error",408}
//   §17.1.1.3        ACK for a 300-699 (same branch, To from the response) built here
//   §13.2.2.4        ACK for a 2xx built from the dialog (new branch, route set), kept and
//                    re-sent for each retransmitted 2xx
//   §12.1.1          UAS: dialog from the INVITE; 180 and 200 copy Record-Route, carry Contact
//   §13.3.1          the app answers: accept(answer SDP) -> 200, reject(code) -> 4xx-6xx
//   §9.1 / §9.2      hangup while calling -> CANCEL; incoming CANCEL -> 200 + 487
//   §15.1            BYE out (hangup) and in (200, {"event":"bye"})
//   §11.2            OPTIONS -> 200 with Allow/Accept; §8.2.1 405, §12.2.2 481
//
// Gaps: no INVITE server transaction: our 2xx is re-sent until the ACK over UDP (§13.3.1.4,
// T1 doubling to T2, BYE after 64*T1) but a non-2xx final response is re-sent only when the
// INVITE is retransmitted while still stored; non-INVITE requests are answered statelessly (a retransmitted BYE after the
// dialog ended gets 481); one call at a time (another INVITE -> 486); no re-INVITE (488);
// requests always go to the server address, not to a resolved next-hop URI (§8.1.2 outbound
// proxy); Contact/URI comparison is byte-wise.

import {
  UA_AOR_CAP, UA_INVITE_CAP, UA_RESP_CAP, UA_ACK_CAP, UA_REG_EXPIRES_S, SRV_ADDR_CAP, INBOX_CAP, CONN_MAX,
  SRV_BUILD_CAP,
} from "../mem/limits";
import { BAD } from "../mem/result";
import { eqSpan } from "../mem/bytes";
import {
  outboxClear, outEventOpen, outEventClose, outStr, outJsonBytes, outDec,
} from "../mem/outbox";
import { sipParse, sipStreamFeed, sipStreamNext, sipStreamConsume, SipStream } from "../wire/sip";
import { SipMsg, HdrType, Method } from "../wire/sip_msg";
import { SipErr } from "../wire/sip_err";
import {
  SipVia, sipViaAt, viaTop, SipNameAddr, nameAddrParse, SipCSeq, sipCSeqAt, cseqParse, listElemEnd,
  skipLws, trimLwsEnd,
} from "../wire/sip_hdr";
import {
  wStart, wRequestLineSpan, wHeader, wHeaderU64, wCopyAll, wCopyHeaderFrom, wHeaderOpen, wStr, wU64,
  wCrlf, wEnd, putBranch, BRANCH_LEN,
} from "../wire/sip_build";
import {
  txnReset, txnOnTimer, txnNextDeadline, txnClientStart, txnClientMatch, txnClientOnResponse,
  txnClientSendAck, txnActPop, txnActHandle, txnActPeer, txnActPtr, txnActLen, txnActStatus,
  TxnAct, TXN_METHOD_INVITE, txnOnTransportError,
} from "../sip/transaction";
import {
  UaLocal, uaLocalAt, dialogReset, dialogFromUacResponse, dialogFromUasRequest, dialogConfirm,
  dialogBuildAck, dialogBuildBye, dialogTerminate, dialogRouteCount,
} from "../sip/dialog";
import {
  UaReq, uaReqAt, uaBuildRegister, uaBuildInvite, uaBuildCancel, uaRegisterGranted, uaRegisterRefreshAt,
  uaMinExpires, uaBuildResponse, uaCheckRequest, uaCheckDialog, uaCheckInvite, uaOnCancel, uaDialog,
  uaReasonPhrase, uaLastReason, UA_DROP,
} from "../sip/ua";
import { T1_MS, T2_MS } from "../sip/timers";
import { MSG, OMSG, BUILD, W, BUILD2, BUILD2_CAP, W2, rngSeed, rnd64, newTag, TAG, TAG_LEN } from "../server/common";
import {
  netReset, connAccept, connFree, connValid, connClose, connStream, connPeer, connTo, udpPeer, noteUdpSock,
  peerSend, peerIsStream, peerConn, splitAddr, splitHostLen, splitPort, PEER_NONE,
} from "../server/net";

// ---- public enums -----------------------------------------------------------------------------

/** uaInit transport. */
export const UA_UDP: i32 = 0;
export const UA_TCP: i32 = 1;

/** App commands (uaCommand op). */
export const UA_CMD_CALL: i32 = 1;     // inbox = target AOR (aLen) then SDP offer (bLen)
export const UA_CMD_HANGUP: i32 = 2;   // BYE (confirmed), CANCEL (calling), 486 (ringing)
export const UA_CMD_ACCEPT: i32 = 3;   // inbox = answer SDP (aLen)
export const UA_CMD_REJECT: i32 = 4;   // aLen = status code 300..699
export const UA_CMD_UNREGISTER: i32 = 5;

/** uaInit / uaCommand results (0 = OK). */
export const enum UaErr {
  Ok = 0,
  NotReady = 1,     // uaInit not called (or failed)
  BadArg = 2,       // lengths or addresses unusable
  Busy = 3,         // a call is already in progress
  NoCall = 4,       // nothing to hang up / accept / reject
  Build = 5,        // the message did not fit
  Txn = 6,          // no transaction slot (503 locally)
}
export function uaErrReason(e: i32): string {
  switch (e) {
    case UaErr.Ok: return "ok";
    case UaErr.NotReady: return "UA not initialised";
    case UaErr.BadArg: return "bad argument";
    case UaErr.Busy: return "a call is in progress";
    case UaErr.NoCall: return "no call";
    case UaErr.Build: return "message does not fit";
    case UaErr.Txn: return "transaction pool full";
  }
  return "unknown";
}

/** Call states. */
const C_IDLE: i32 = 0;
const C_CALLING: i32 = 1;     // our INVITE is out, no final response yet
const C_OUT_UP: i32 = 2;      // our INVITE got 2xx, ACK sent
const C_RINGING: i32 = 3;     // an INVITE came in, 180 sent, waiting for the app
const C_IN_UP: i32 = 4;       // we sent 200 (ACK may still come)
const C_ENDING: i32 = 5;      // our BYE is out

// ---- configuration ----------------------------------------------------------------------------

let ready = false;
let tcp = false;
const AOR: usize = memory.data(UA_AOR_CAP + 8, 8);        // "<" AOR ">"  (name-addr form for To/From)
let aorLen: i32 = 0;                                        // bytes including < >
const RURI: usize = memory.data(UA_AOR_CAP + 8, 8);       // "sip:" domain (REGISTER Request-URI, §10.2)
let ruriLen: i32 = 0;
const SRV: usize = memory.data(SRV_ADDR_CAP, 8);          // server "ip:port"
let srvLen: i32 = 0;
const VIA: usize = memory.data(SRV_ADDR_CAP + 16, 8);     // "SIP/2.0/UDP ip:port"
const CONTACT: usize = memory.data(UA_AOR_CAP + SRV_ADDR_CAP + 32, 8);
const LOCAL: UaLocal = uaLocalAt(memory.data(offsetof<UaLocal>(), 8));
const REQ: UaReq = uaReqAt(memory.data(offsetof<UaReq>(), 8));

// ---- registration state -----------------------------------------------------------------------

const REG_CALLID: usize = memory.data(32, 8);   // §10.2: one Call-ID for all refreshes
const REG_TAG: usize = memory.data(32, 8);
let regCseq: u32 = 0;
let regTxn: i32 = -1;
let regAsk: u32 = 600;
let regRefreshAt: f64 = -1;
let regBound = false;

// ---- call state ---------------------------------------------------------------------------------

let cState: i32 = C_IDLE;
let cDlg: i32 = -1;
let cInvTxn: i32 = -1;
let cByeTxn: i32 = -1;
let cPeer: u32 = PEER_NONE;        // where the incoming INVITE came from (responses go back there, §18.2.2)
const INV: usize = memory.data(UA_INVITE_CAP, 8);      // the INVITE (ours or theirs)
let invLen: i32 = 0;
const RESP: usize = memory.data(UA_RESP_CAP, 8);       // last response to an incoming INVITE
let respLen: i32 = 0;
const ACKB: usize = memory.data(UA_ACK_CAP, 8);        // ACK for the 2xx (§13.2.2.4)
let ackLen: i32 = 0;
/** §13.3.1.4: our 2xx is re-sent over UDP at T1, 2T1, ... T2 until the ACK, for 64*T1. */
let okResendAt: f64 = -1;
let okResendIv: f64 = 0;
let okResendEnd: f64 = -1;
const LTAG: usize = memory.data(32, 8);                // our tag in the call
const CALLID: usize = memory.data(32, 8);
const BR: usize = memory.data(32, 8);                  // scratch branch

const V: SipVia = sipViaAt(memory.data(offsetof<SipVia>(), 8));
const CS: SipCSeq = sipCSeqAt(memory.data(offsetof<SipCSeq>(), 8));
const NA = changetype<SipNameAddr>(memory.data(offsetof<SipNameAddr>(), 8));

// ---- small helpers ------------------------------------------------------------------------------

function put(dst: usize, at: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + <usize>(at + i), <u8>s.charCodeAt(i));
  return at + s.length;
}
function putSpan(dst: usize, at: i32, p: usize, n: i32): i32 {
  memory.copy(dst + <usize>at, p, <usize>n);
  return at + n;
}

/** The server as a peer: a UDP address, or the stream connection to it (opened on first use). */
function serverPeer(): u32 {
  if (tcp) return connTo(SRV, srvLen);
  return udpPeer(0, SRV, srvLen);
}

function event0(name: string): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\"}");
  outEventClose();
}
function eventError(code: i32, reason: string): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\"error\",\"code\":"); outDec(<u32>code);
  outStr(",\"reason\":\""); outStr(reason); outStr("\"}");
  outEventClose();
}
/** Via values of m (a request relayed by the server carries 2: the sender's and the server's). */
function viaCount(m: SipMsg): i32 {
  let n = 0;
  for (let h = 0; h < m.hdrCount; h++) {
    if (m.hdrType(h) != HdrType.Via) continue;
    const vo = m.valOff(h), ve = vo + m.valLen(h);
    let p = vo;
    for (let g = 0; g <= ve - vo; g++) {
      n++;
      const le = listElemEnd(m.base, p, ve);
      if (le >= ve) break;
      p = le + 1;
    }
  }
  return n;
}
function outBody(m: SipMsg): void { if (m.bodyLen > 0) outJsonBytes(m.base + <usize>m.bodyOff, m.bodyLen); }

/** Event with the request's via count: {"event":name,"via":N}. */
function eventVia(name: string, m: SipMsg): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\",\"via\":"); outDec(<u32>viaCount(m));
  outStr("}");
  outEventClose();
}

/** Call-ID span of m (trimmed) into cidOff/cidLen. */
let cidOff: i32 = 0, cidLen: i32 = 0;
function callIdOf(m: SipMsg): bool {
  if (m.firstCallId < 0) return false;
  const vo = m.valOff(m.firstCallId);
  const e = trimLwsEnd(m.base, vo, vo + m.valLen(m.firstCallId));
  cidOff = skipLws(m.base, vo, e); cidLen = e - cidOff;
  return cidLen > 0;
}

/** Re-parses the stored INVITE into OMSG. */
function parseInv(): bool { return invLen > 0 && sipParse(INV, invLen, OMSG, true) > 0; }

function callReset(): void {
  cState = C_IDLE; cDlg = -1; cInvTxn = -1; cByeTxn = -1; cPeer = PEER_NONE; invLen = 0; respLen = 0; ackLen = 0;
  okResendAt = -1;
}

// ---- init -----------------------------------------------------------------------------------------

/**
 * inbox: AOR "sip:user@domain" [aorLen], server "ip:port" [srvLen], our listen "ip:port" [lisLen]
 * (the bound UDP socket, or the TCP listener). transport UA_UDP | UA_TCP; expiresS 0 = default.
 * Resets every table and sends the first REGISTER. Returns UaErr.
 */
export function uaStart(base: usize, aorL: i32, srvL: i32, lisL: i32, transport: i32, expiresS: i32,
                        seedLo: u32, seedHi: u32, now: f64): i32 {
  ready = false;
  if (aorL <= 4 || aorL > UA_AOR_CAP || srvL <= 0 || srvL > SRV_ADDR_CAP || lisL <= 0 || lisL > SRV_ADDR_CAP) return UaErr.BadArg;
  if (transport != UA_UDP && transport != UA_TCP) return UaErr.BadArg;
  const a = base, s = base + <usize>aorL, l = s + <usize>srvL;
  // AOR: "sip:" user "@" domain (no params, no CR/LF)
  let at = -1;
  for (let i = 0; i < aorL; i++) {
    const c = load<u8>(a + <usize>i);
    if (c <= 32 || c >= 127 || c == 60 || c == 62 || c == 59) return UaErr.BadArg;
    if (c == 64 && at < 0) at = i;
  }
  if (at < 5 || at >= aorL - 1 || load<u8>(a) != 115 || load<u8>(a + 1) != 105 || load<u8>(a + 2) != 112 || load<u8>(a + 3) != 58) return UaErr.BadArg;
  if (!splitAddr(s, srvL)) return UaErr.BadArg;
  if (!splitAddr(l, lisL)) return UaErr.BadArg;
  tcp = transport == UA_TCP;
  netReset(); txnReset(); dialogReset(); outboxClear();
  rngSeed(seedLo, seedHi);
  let n = put(AOR, 0, "<"); n = putSpan(AOR, n, a, aorL); aorLen = put(AOR, n, ">");
  n = put(RURI, 0, "sip:"); ruriLen = putSpan(RURI, n, a + <usize>(at + 1), aorL - at - 1);
  memory.copy(SRV, s, <usize>srvL); srvLen = srvL;
  n = put(VIA, 0, tcp ? "SIP/2.0/TCP " : "SIP/2.0/UDP "); n = putSpan(VIA, n, l, lisL);
  LOCAL.viaPtr = VIA; LOCAL.viaLen = n; LOCAL.rport = 1;
  n = putSpan(CONTACT, 0, a, at + 1); n = putSpan(CONTACT, n, l, lisL);   // "sip:user@" ip:port
  if (tcp) n = put(CONTACT, n, ";transport=tcp");
  LOCAL.contactPtr = CONTACT; LOCAL.contactLen = n;
  newTag(); memory.copy(REG_TAG, TAG, <usize>TAG_LEN);
  newTag(); memory.copy(REG_CALLID, TAG, <usize>TAG_LEN);
  regCseq = 0; regTxn = -1; regRefreshAt = -1; regBound = false;
  regAsk = expiresS > 0 ? <u32>expiresS : <u32>UA_REG_EXPIRES_S;
  callReset();
  ready = true;
  sendRegister(regAsk, now);
  return UaErr.Ok;
}
export function uaReady(): bool { return ready; }
/** The server role takes the instance (serverInit). */
export function uaStop(): void { ready = false; }

// ---- registration (§10.2) ---------------------------------------------------------------------

function sendRegister(expires: u32, now: f64): void {
  regCseq++;
  REQ.ruriPtr = RURI; REQ.ruriLen = ruriLen;
  REQ.toPtr = AOR; REQ.toLen = aorLen;
  REQ.fromPtr = AOR; REQ.fromLen = aorLen;
  REQ.fromTagPtr = REG_TAG; REQ.fromTagLen = TAG_LEN;
  REQ.callIdPtr = REG_CALLID; REQ.callIdLen = TAG_LEN;
  REQ.cseq = regCseq;
  REQ.routeLen = 0;
  const rnd = rnd64();
  REQ.rnd = rnd;
  wStart(W, BUILD, SRV_BUILD_CAP);
  const len = uaBuildRegister(W, LOCAL, REQ, expires);
  if (len <= 0) { eventError(500, "REGISTER does not fit"); return; }
  putBranch(BR, rnd);
  regTxn = txnClientStart(Method.REGISTER, tcp, serverPeer(), BUILD, len, BR, BRANCH_LEN, now);
  if (regTxn < 0) eventError(503, "transaction pool full");
  regRefreshAt = -1;
  drain(now);
}

function onRegisterResponse(st: i32, now: f64): void {
  if (st < 200) return;
  regTxn = -1;
  if (st >= 200 && st < 300) {
    if (regAsk == 0) {   // our removal (§10.2.2)
      regBound = false; regRefreshAt = -1;
      event0("unregistered");
      return;
    }
    let g = uaRegisterGranted(MSG, CONTACT, LOCAL.contactLen);
    if (g <= 0) g = <i64>regAsk;
    regBound = true;
    regRefreshAt = uaRegisterRefreshAt(now, g);
    if (!outEventOpen()) return;
    outStr("{\"event\":\"registered\",\"expires\":"); outDec(<u32>g); outStr("}");
    outEventClose();
    return;
  }
  if (st == 423) {   // §10.2.8: retry with at least Min-Expires
    const m = uaMinExpires(MSG);
    if (m > 0 && m <= 86400 && <u32>m > regAsk) { regAsk = <u32>m; sendRegister(regAsk, now); return; }
  }
  regBound = false; regRefreshAt = -1;
  eventError(st, "REGISTER refused");
}

// ---- app commands -------------------------------------------------------------------------------

/** One app command (UA_CMD_*), arguments in the inbox at base. Returns UaErr (also sent as an error event). */
export function uaCmd(base: usize, op: i32, aLen: i32, bLen: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  if (aLen < 0 || bLen < 0 || (op != UA_CMD_REJECT && aLen + bLen > INBOX_CAP)) return UaErr.BadArg;
  let r: i32 = UaErr.BadArg;
  if (op == UA_CMD_CALL) r = cmdCall(base, aLen, base + <usize>aLen, bLen, now);
  else if (op == UA_CMD_HANGUP) r = cmdHangup(now);
  else if (op == UA_CMD_ACCEPT) r = cmdAnswer(200, base, aLen, now);
  else if (op == UA_CMD_REJECT) r = aLen >= 300 && aLen <= 699 ? cmdAnswer(aLen, 0, 0, now) : UaErr.BadArg;
  else if (op == UA_CMD_UNREGISTER) { regAsk = 0; sendRegister(0, now); r = UaErr.Ok; }
  if (r != UaErr.Ok) eventError(0, uaErrReason(r));
  return r;
}

function cmdCall(tp: usize, tl: i32, sdp: usize, sdpLen: i32, now: f64): i32 {
  if (cState != C_IDLE) return UaErr.Busy;
  if (tl <= 4 || tl > UA_AOR_CAP) return UaErr.BadArg;
  for (let i = 0; i < tl; i++) {
    const c = load<u8>(tp + <usize>i);
    if (c <= 32 || c >= 127 || c == 60 || c == 62) return UaErr.BadArg;
  }
  newTag(); memory.copy(LTAG, TAG, <usize>TAG_LEN);
  newTag(); memory.copy(CALLID, TAG, <usize>TAG_LEN); store<u32>(CALLID, <u32>TAG_LEN, 28);
  // the target in name-addr form lives in BUILD2 (free during this call)
  let n = put(BUILD2, 0, "<"); n = putSpan(BUILD2, n, tp, tl); n = put(BUILD2, n, ">");
  REQ.ruriPtr = tp; REQ.ruriLen = tl;
  REQ.toPtr = BUILD2; REQ.toLen = n;
  REQ.fromPtr = AOR; REQ.fromLen = aorLen;
  REQ.fromTagPtr = LTAG; REQ.fromTagLen = TAG_LEN;
  REQ.callIdPtr = CALLID; REQ.callIdLen = TAG_LEN;
  REQ.cseq = 1;
  REQ.routeLen = 0;
  const rnd = rnd64();
  REQ.rnd = rnd;
  wStart(W, BUILD, SRV_BUILD_CAP);
  const len = uaBuildInvite(W, LOCAL, REQ, sdp, sdpLen);
  if (len <= 0 || len > UA_INVITE_CAP) return UaErr.Build;
  memory.copy(INV, BUILD, <usize>len); invLen = len;
  putBranch(BR, rnd);
  const h = txnClientStart(Method.INVITE, tcp, serverPeer(), INV, len, BR, BRANCH_LEN, now);
  if (h < 0) { invLen = 0; return UaErr.Txn; }
  cInvTxn = h; cState = C_CALLING; cDlg = -1;
  drain(now);
  return UaErr.Ok;
}

function cmdHangup(now: f64): i32 {
  if (cState == C_RINGING) return cmdAnswer(486, 0, 0, now);
  if (cState == C_CALLING) {
    // §9.1: CANCEL only once a provisional response came; before that we still send it (the
    // server's INVITE transaction matches it by branch) — a documented simplification.
    if (!parseInv()) return UaErr.NoCall;
    wStart(W2, BUILD2, BUILD2_CAP);
    const n = uaBuildCancel(W2, OMSG);
    if (n <= 0) return UaErr.Build;
    if (viaTop(INV, OMSG.valOff(OMSG.firstVia), OMSG.valLen(OMSG.firstVia), V) != SipErr.Ok || V.branchOff < 0) return UaErr.Build;
    const h = txnClientStart(Method.CANCEL, tcp, serverPeer(), BUILD2, n, INV + <usize>V.branchOff, V.branchLen, now);
    if (h < 0) return UaErr.Txn;
    drain(now);
    return UaErr.Ok;
  }
  if (cState == C_OUT_UP || cState == C_IN_UP) {
    const rnd = rnd64();
    wStart(W, BUILD, SRV_BUILD_CAP);
    const n = dialogBuildBye(cDlg, W, LOCAL, rnd);
    if (n <= 0) return UaErr.Build;
    putBranch(BR, rnd);
    const h = txnClientStart(Method.BYE, tcp, cPeerOrServer(), BUILD, n, BR, BRANCH_LEN, now);
    if (h < 0) return UaErr.Txn;
    cByeTxn = h; cState = C_ENDING;
    drain(now);
    return UaErr.Ok;
  }
  return UaErr.NoCall;
}

/** In-dialog requests go to the server (first route); over TCP reuse the flow the call came on. */
function cPeerOrServer(): u32 {
  if (cPeer != PEER_NONE && peerIsStream(cPeer) && peerConn(cPeer) >= 0) return cPeer;
  return serverPeer();
}

/** The app's answer to the ringing INVITE: 200 with the SDP answer, or a 3xx-6xx (§13.3.1). */
function cmdAnswer(code: i32, sdp: usize, sdpLen: i32, now: f64): i32 {
  if (cState != C_RINGING || !parseInv()) return UaErr.NoCall;
  wStart(W, BUILD, SRV_BUILD_CAP);
  const n = uaBuildResponse(W, OMSG, code, LOCAL, LTAG, TAG_LEN, sdpLen > 0 ? "application/sdp" : "", sdp, sdpLen);
  if (n <= 0 || n > UA_RESP_CAP) return UaErr.Build;
  memory.copy(RESP, BUILD, <usize>n); respLen = n;
  peerSend(cPeer, RESP, n);
  if (code >= 200 && code < 300) {
    dialogConfirm(cDlg);
    cState = C_IN_UP;
    if (!peerIsStream(cPeer)) { okResendIv = T1_MS; okResendAt = now + T1_MS; okResendEnd = now + 64 * T1_MS; }
  } else {
    dialogTerminate(cDlg);   // §12.3: a non-2xx final response ends the early dialog
    cDlg = -1;
    cState = C_IDLE;         // RESP/INV stay for a retransmitted INVITE (re-sent below)
  }
  return UaErr.Ok;
}

// ---- transaction actions ------------------------------------------------------------------------

/** Performs the transaction layer's queued actions (§17); MSG is the response being handled, if any. */
let curIsResponse = false;
function drain(now: f64): void {
  for (let g = 0; g < 1024; g++) {
    const op = txnActPop();
    if (op == TxnAct.None) return;
    const h = txnActHandle(), peer = txnActPeer(), st = txnActStatus();
    if (op == TxnAct.Send) {
      if (!peerSend(peer, txnActPtr(), txnActLen()) && peerIsStream(peer) && peerConn(peer) < 0) txnOnTransportError(h);
    } else if (op == TxnAct.TuResponse) {
      if (curIsResponse) onTuResponse(h, st, now);
    } else if (op == TxnAct.TuTimeout) onClientFail(h, 408, "Request Timeout");
    else if (op == TxnAct.TuTransportError) onClientFail(h, 503, "Service Unavailable");
    else if (op == TxnAct.TuTerminated) {
      if (h == regTxn) regTxn = -1;
      if (h == cInvTxn) cInvTxn = -1;
      if (h == cByeTxn) cByeTxn = -1;
    } else if (op == TxnAct.AckNeeded) {
      if (curIsResponse) sendNon2xxAck(h);
    }
  }
}

function onClientFail(h: i32, code: i32, reason: string): void {
  if (h == regTxn) { regTxn = -1; regBound = false; eventError(code, reason); return; }
  if (h == cInvTxn) { cInvTxn = -1; if (cDlg >= 0) dialogTerminate(cDlg); callReset(); eventError(code, reason); return; }
  if (h == cByeTxn) { cByeTxn = -1; if (cDlg >= 0) dialogTerminate(cDlg); callReset(); event0("ended"); return; }
}

function onTuResponse(h: i32, st: i32, now: f64): void {
  if (h == regTxn) { onRegisterResponse(st, now); return; }
  if (h == cByeTxn) {
    if (st < 200) return;
    if (cDlg >= 0) dialogTerminate(cDlg);   // §15.1.1: any final response ends it
    callReset();
    if (!outEventOpen()) return;
    outStr("{\"event\":\"ended\",\"code\":"); outDec(<u32>st); outStr("}");
    outEventClose();
    return;
  }
  if (h != cInvTxn || cState != C_CALLING) return;
  if (st < 200) {
    if (st == 100 || !outEventOpen()) return;   // 100 is hop-by-hop (§8.1.3.2), not for the app
    outStr("{\"event\":\"progress\",\"code\":"); outDec(<u32>st); outStr("}");
    outEventClose();
    return;
  }
  if (st >= 300) {
    // the ACK went out via AckNeeded (§17.1.1.3)
    const reason = uaReasonPhrase(st);
    callReset();
    eventError(st, reason);
    return;
  }
  on2xx(now);
}

/** A 2xx to our INVITE (§13.2.2.4): dialog, ACK end to end along the route set, event. */
function on2xx(now: f64): void {
  if (!parseInv()) return;
  const d = dialogFromUacResponse(OMSG, MSG, now);
  if (d < 0) { eventError(502, "unusable 2xx"); return; }
  cDlg = d;
  const rnd = rnd64();
  wStart(W2, BUILD2, BUILD2_CAP);
  const n = dialogBuildAck(d, W2, LOCAL, rnd, "", 0, 0);
  if (n <= 0 || n > UA_ACK_CAP) { eventError(500, "ACK does not fit"); return; }
  memory.copy(ACKB, BUILD2, <usize>n); ackLen = n;
  peerSend(cPeerOrServer(), ACKB, n);
  cState = C_OUT_UP;
  if (!outEventOpen()) return;
  outStr("{\"event\":\"answered\",\"routes\":"); outDec(<u32>dialogRouteCount(d));
  outStr(",\"sdp\":\""); outBody(MSG); outStr("\"}");
  outEventClose();
}

/** ACK for a 300-699 to our INVITE (§17.1.1.3): INVITE's Request-URI, top Via, Route, From,
 *  Call-ID and CSeq number; To from the response (it carries the UAS tag). */
const ACK_STR: usize = memory.data<u8>([65, 67, 75]);
function sendNon2xxAck(h: i32): void {
  if (!parseInv()) return;
  const b = INV;
  const vo = OMSG.valOff(OMSG.firstVia), ve = vo + OMSG.valLen(OMSG.firstVia);
  const top = trimLwsEnd(b, vo, listElemEnd(b, vo, ve));
  wStart(W2, BUILD2, BUILD2_CAP);
  wRequestLineSpan(W2, ACK_STR, 3, b + <usize>OMSG.uriOff, OMSG.uriLen);
  wHeader(W2, "Via", b + <usize>vo, top - vo);
  wHeaderU64(W2, "Max-Forwards", 70);
  wCopyAll(W2, OMSG, HdrType.Route);
  if (MSG.firstTo >= 0) wCopyHeaderFrom(W2, MSG, MSG.firstTo);
  wCopyHeaderFrom(W2, OMSG, OMSG.firstFrom);
  wCopyHeaderFrom(W2, OMSG, OMSG.firstCallId);
  if (cseqParse(b, OMSG.valOff(OMSG.firstCSeq), OMSG.valLen(OMSG.firstCSeq), CS) != SipErr.Ok) return;
  wHeaderOpen(W2, "CSeq"); wU64(W2, <u64>CS.num); wStr(W2, " ACK"); wCrlf(W2);
  const n = wEnd(W2, 0, 0);
  if (n > 0) txnClientSendAck(h, BUILD2, n);
}

// ---- input ----------------------------------------------------------------------------------------

function respond(m: SipMsg, peer: u32, code: i32, tagged: bool): void {
  if (tagged) newTag();
  wStart(W2, BUILD2, BUILD2_CAP);
  const n = uaBuildResponse(W2, m, code, LOCAL, TAG, tagged ? TAG_LEN : 0, "", 0, 0);
  if (n > 0) peerSend(peer, BUILD2, n);
}

function onResponse(now: f64): void {
  const m = MSG, b = m.base;
  if (m.firstVia < 0 || m.firstCSeq < 0) return;
  if (viaTop(b, m.valOff(m.firstVia), m.valLen(m.firstVia), V) != SipErr.Ok || V.branchOff < 0) return;
  if (cseqParse(b, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) return;
  const h = txnClientMatch(b + <usize>V.branchOff, V.branchLen, CS.method);
  if (h < 0) {
    // §13.2.2.4: a retransmitted 2xx (the INVITE transaction is gone): the same ACK again
    if (CS.method == TXN_METHOD_INVITE && m.status >= 200 && m.status < 300 && cState == C_OUT_UP && ackLen > 0 &&
        callIdOf(m) && eqSpan(b + <usize>cidOff, cidLen, CALLID, TAG_LEN, false)) {
      peerSend(cPeerOrServer(), ACKB, ackLen);
    }
    return;
  }
  curIsResponse = true;
  txnClientOnResponse(h, m.status, now);
  drain(now);
  curIsResponse = false;
}

function onRequest(peer: u32, now: f64): void {
  const m = MSG;
  const c = uaCheckRequest(m);
  if (m.method == Method.ACK) { onAck(now); return; }
  if (c != 0) { respond(m, peer, c, true); return; }
  // a retransmission of the INVITE we are answering (§17.2.1 in spirit): the last response again
  if (m.method == Method.INVITE && respLen > 0 && invLen > 0 && callIdOf(m) && sameInvite(m)) {
    peerSend(peer, RESP, respLen);
    return;
  }
  if (m.method == Method.CANCEL) { onCancel(peer); return; }
  const d = uaCheckDialog(m, now);
  if (d == UA_DROP) return;
  if (d != 0) { respond(m, peer, d, false); return; }
  const dlg = uaDialog();
  if (m.method == Method.BYE) {
    // uaCheckDialog matched (and ended) the dialog when the To has a tag; without one: §12.2.2 481
    if (!isOurDialogBye(m)) { respond(m, peer, 481, true); return; }
    respond(m, peer, 200, false);
    if (cDlg >= 0) dialogTerminate(cDlg);
    callReset();
    eventVia("bye", m);
    return;
  }
  if (m.method == Method.OPTIONS) { respond(m, peer, 200, true); return; }
  if (m.method == Method.MESSAGE) {
    respond(m, peer, 200, true);
    if (!outEventOpen()) return;
    outStr("{\"event\":\"message\",\"body\":\""); outBody(m); outStr("\"}");
    outEventClose();
    return;
  }
  if (m.method == Method.INVITE) {
    if (dlg >= 0) { respond(m, peer, 488, false); return; }   // re-INVITE: not supported (gap)
    onInvite(peer, now);
    return;
  }
  respond(m, peer, 405, true);
}

/** A BYE whose To tag uaCheckDialog already matched ends the dialog (uaDialog() is -1 after a BYE). */
function isOurDialogBye(m: SipMsg): bool {
  if (m.firstTo < 0 || nameAddrParse(m.base, m.valOff(m.firstTo), m.valLen(m.firstTo), NA, 0, SipErr.To) != SipErr.Ok) return false;
  return NA.tagOff >= 0;
}

/** Same Call-ID and CSeq as the stored incoming INVITE (cidOff/cidLen set by callIdOf). */
function sameInvite(m: SipMsg): bool {
  if (cState != C_RINGING && cState != C_IN_UP && cState != C_IDLE) return false;
  if (!eqSpan(m.base + <usize>cidOff, cidLen, CALLID, <i32>load<u32>(CALLID, 28), false)) return false;
  if (m.firstCSeq < 0 || cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) return false;
  return CS.num == inCseq;
}
let inCseq: u32 = 0;

function onInvite(peer: u32, now: f64): void {
  const m = MSG;
  const code = uaCheckInvite(m, cState != C_IDLE, false);
  if (code != 0) { respond(m, peer, code, true); return; }
  if (m.len > UA_INVITE_CAP || !callIdOf(m) || cidLen > 28 ||
      cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) { respond(m, peer, 500, true); return; }
  memory.copy(CALLID, m.base + <usize>cidOff, <usize>cidLen);
  store<u32>(CALLID, <u32>cidLen, 28);
  inCseq = CS.num;
  memory.copy(INV, m.base, <usize>m.len); invLen = m.len;
  if (!parseInv()) { invLen = 0; respond(m, peer, 500, true); return; }
  newTag(); memory.copy(LTAG, TAG, <usize>TAG_LEN);
  const d = dialogFromUasRequest(OMSG, LTAG, TAG_LEN, now);
  if (d < 0) { invLen = 0; respond(m, peer, 486, true); return; }
  cDlg = d; cPeer = peer; cState = C_RINGING;
  // 180 Ringing (§13.3.1.1): stops the proxy's INVITE retransmissions while the app decides
  wStart(W, BUILD, SRV_BUILD_CAP);
  const n = uaBuildResponse(W, OMSG, 180, LOCAL, LTAG, TAG_LEN, "", 0, 0);
  if (n > 0 && n <= UA_RESP_CAP) { memory.copy(RESP, BUILD, <usize>n); respLen = n; peerSend(peer, RESP, n); }
  if (!outEventOpen()) return;
  outStr("{\"event\":\"invited\",\"from\":\"");
  if (OMSG.firstFrom >= 0 && nameAddrParse(INV, OMSG.valOff(OMSG.firstFrom), OMSG.valLen(OMSG.firstFrom), NA, 0, SipErr.From) == SipErr.Ok) {
    outJsonBytes(INV + <usize>NA.uriOff, NA.uriLen);
  }
  outStr("\",\"via\":"); outDec(<u32>viaCount(OMSG));
  outStr(",\"sdp\":\""); outBody(OMSG); outStr("\"}");
  outEventClose();
}

function onAck(now: f64): void {
  const d = uaCheckDialog(MSG, now);
  if (d != 0) return;                       // §17: an ACK is never answered
  const dlg = uaDialog();
  if (dlg < 0 || dlg != cDlg || cState != C_IN_UP) return;
  respLen = 0;                              // §13.3.1.4: the 2xx is acknowledged
  okResendAt = -1;
  eventVia("acked", MSG);
}

/** §9.2: CANCEL of the INVITE we are ringing on: 200, then 487 for the INVITE. */
function onCancel(peer: u32): void {
  const m = MSG;
  let found = false;
  if (cState == C_RINGING && callIdOf(m) && parseInv() &&
      eqSpan(m.base + <usize>cidOff, cidLen, CALLID, <i32>load<u32>(CALLID, 28), false) &&
      m.firstCSeq >= 0 && cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) == SipErr.Ok && CS.num == inCseq) found = true;
  wStart(W2, BUILD2, BUILD2_CAP);
  wStart(W, BUILD, SRV_BUILD_CAP);
  const r = uaOnCancel(W2, m, found, false, W, OMSG, LTAG, TAG_LEN);
  if (r < 0) return;
  peerSend(peer, BUILD2, W2.len);
  if (r == 200 && found) {
    if (W.len > 0 && W.len <= UA_RESP_CAP) { memory.copy(RESP, BUILD, <usize>W.len); respLen = W.len; peerSend(cPeer, RESP, respLen); }
    cDlg = -1;
    cState = C_IDLE;
    event0("cancelled");
  }
}

function dispatch(peer: u32, now: f64): void {
  if (MSG.isRequest != 0) onRequest(peer, now);
  else onResponse(now);
}

// ---- transport entry points (mirror assembly/server/server.ts) -----------------------------------

export function uaDatagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  if (!ready || fromLen <= 0 || len <= 0 || fromLen + len > INBOX_CAP) return -1;
  noteUdpSock(sock);
  const peer = udpPeer(sock, base, fromLen);
  if (peer == PEER_NONE) return -1;
  const d = base + <usize>fromLen;
  let k = 0;   // §7.5 / RFC 5626 keep-alive CRLFs
  while (k < len && (load<u8>(d + <usize>k) == 13 || load<u8>(d + <usize>k) == 10)) k++;
  if (k == len) return 0;
  const r = sipParse(d, len, MSG, true);
  if (r == BAD) {
    if (MSG.isRequest != 0 && MSG.firstVia >= 0 && MSG.method != Method.ACK) respond(MSG, peer, 400, true);
    return 1;
  }
  if (r > 0) dispatch(peer, now);
  return 0;
}

export function uaStreamOpen(base: usize, addrLen: i32): i32 {
  if (!ready) return -1;
  return connAccept(base, addrLen);
}

export function uaStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  if (!ready || !connValid(conn) || len < 0 || len > INBOX_CAP) return -1;
  const s: SipStream = connStream(conn);
  let off = 0;
  for (let g = 0; g <= len + 2; g++) {
    if (off < len) off += sipStreamFeed(s, base + <usize>off, len - off);
    const r = sipStreamNext(s, MSG);
    if (r > 0) {
      dispatch(connPeer(conn), now);
      if (!connValid(conn)) return 1;
      sipStreamConsume(s, r);
      continue;
    }
    if (r == BAD) {
      if (MSG.isRequest != 0 && MSG.firstVia >= 0 && MSG.hdrCount > 0 && MSG.method != Method.ACK) respond(MSG, connPeer(conn), 400, true);
      connClose(conn);
      return 1;
    }
    if (off >= len) return 0;
  }
  return 0;
}

export function uaStreamClosed(conn: i32, now: f64): void {
  if (conn < 0 || conn >= CONN_MAX) return;
  connFree(conn);
}

/** Timers: transactions (§17) and the REGISTER refresh (§10.2.4). */
export function uaTimer(now: f64): void {
  if (!ready) return;
  txnOnTimer(now);
  drain(now);
  if (regRefreshAt >= 0 && now >= regRefreshAt && regTxn < 0) sendRegister(regAsk, now);
  if (okResendAt >= 0 && now >= okResendAt) {
    if (cState != C_IN_UP || respLen <= 0) { okResendAt = -1; return; }
    if (now >= okResendEnd) {
      // §13.3.1.4: no ACK within 64*T1: end the dialog with a BYE and tell the app
      okResendAt = -1;
      eventError(408, "no ACK for 200");
      cmdHangup(now);
      return;
    }
    peerSend(cPeer, RESP, respLen);
    okResendIv = okResendIv * 2 < T2_MS ? okResendIv * 2 : T2_MS;
    okResendAt = now + okResendIv;
    if (okResendAt > okResendEnd) okResendAt = okResendEnd;
  }
}

export function uaNextDeadline(): f64 {
  const a = txnNextDeadline();
  const b = regTxn < 0 ? regRefreshAt : -1.0;
  return minDeadline(minDeadline(a, b), okResendAt);
}
function minDeadline(a: f64, b: f64): f64 {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

/** Call state (tests): 0 idle, 1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending. */
export function uaCallState(): i32 { return cState; }
export function uaRegistered(): bool { return regBound; }
