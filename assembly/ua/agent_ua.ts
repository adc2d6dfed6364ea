// The UA role of the agent (RFC 3261 §8, §10, §12-§15), sans-I/O: one registered AOR and up to
// UA_CALL_MAX calls at once (one INVITE dialog each: a chat host INVITEs every participant),
// always through the configured server (an outbound proxy in the sense of §8.1.2: every request
// and every in-dialog request is sent there; with the server's Record-Route the route set's
// first hop is that same server, §16.6 step 4, so ACK and BYE traverse it as §13.2.2.4 /
// §12.2.1.1 describe). Bytes, peer addresses and `now` come in through assembly/ua_agent.ts (or
// the chat role, assembly/chat/agent_chat.ts); actions leave as outbox records
// (assembly/mem/outbox.ts); app events go to a fixed queue (uaEvPop) which, in plain UA mode
// (uaSetJsonEvents(true), the default), every entry point turns into EVENT records with one JSON
// object each before it returns.
//
// Reading list (RFC 3261):
//   §10.2 / §10.2.4  REGISTER and its refresh before expiry (sip/ua.ts uaRegisterRefreshAt);
//                    §10.2.8 423 -> retry with Min-Expires
//   §17.1            client transactions (sip/transaction.ts) for REGISTER, INVITE, BYE, CANCEL:
//                    Timer A/E retransmissions over UDP, B/F timeouts -> Failed / Error 408
//   §17.1.1.3        ACK for a 300-699 (same branch, To from the response) built here
//   §13.2.2.4        ACK for a 2xx built from the dialog (new branch, route set), kept and
//                    re-sent for each retransmitted 2xx
//   §12.1.1          UAS: dialog from the INVITE; 180 and 200 copy Record-Route, carry Contact
//   §13.3.1          the app answers: accept(answer SDP) -> 200, reject(code) -> 4xx-6xx
//   §9.1 / §9.2      hangup while calling -> CANCEL; incoming CANCEL -> 200 + 487
//   §15.1            BYE out (hangup) and in (200, Bye event)
//   §11.2            OPTIONS -> 200 with Allow/Accept; §8.2.1 405, §12.2.2 481
//   §22.2 / §22.3    digest authentication (RFC 2617 MD5, qop=auth): 401/407 -> re-send with
//                    credentials; REGISTER refreshes reuse the last challenge (nc + 1)
//   §20.8 / §12      a request reaches its call by Call-ID (+ tags through sip/dialog.ts), a
//                    response by its client transaction (each call keeps its INVITE/BYE handles)
//
// Calls are fixed slots; a call handle is i32 = slot | generation << 8, and the generation moves
// on when the call ends, so a stale handle gets UaErr.NoCall (smoltcp's SocketHandle idea).
//
// Internal API (the chat role calls these; pointers may be anywhere in memory, not only INBOX):
//   uaStart(base, aorL, srvL, lisL, transport, expiresS, seedLo, seedHi, now): UaErr
//   uaCallStart(targetPtr, targetLen, sdpPtr, sdpLen, now): i32   handle >= 0, or -UaErr
//   uaCallAccept(call, sdpPtr, sdpLen, now) / uaCallReject(call, code, now) / uaCallHangup(call, now): UaErr
//   uaCallPeerPtr(call) / uaCallPeerLen(call)      the remote AOR URI (no < >)
//   uaCallStateOf(call): C_* (1..5), -1 stale;     uaCallState(): the most recent live call's state
//   uaSetJsonEvents(on)                             true: JSON EVENT records; false: the caller pops
//   uaCredentials(userPtr, userLen, passPtr, passLen): UaErr   digest credentials (RFC 3261 §22):
//                    a 401/407 to REGISTER, MESSAGE, INVITE or BYE is answered by re-sending the
//                    request (CSeq + 1, new branch) with Authorization / Proxy-Authorization
//   uaEvPop(): UaEv, then uaEvCall/Code/Ptr/Len/AuxPtr/AuxLen/Reason()
// Event data (ptr/len, aux) lives in an arena that is reused once the queue is empty at the
// next uaDatagram / uaStream / uaStreamOpen / uaStreamClosed / uaTimer / uaCmd* / uaStart: read it
// before calling one of those (uaCall* may be called while handling an event).
//
// Gaps: no INVITE server transaction: our 2xx is re-sent until the ACK over UDP (§13.3.1.4,
// T1 doubling to T2, BYE after 64*T1) but a non-2xx final response is re-sent only when the
// INVITE is retransmitted while still stored; non-INVITE requests are answered statelessly (a
// retransmitted BYE after the dialog ended gets 481); no re-INVITE (488); requests always go to
// the server address, not to a resolved next-hop URI (§8.1.2 outbound proxy); Contact/URI
// comparison is byte-wise; forked 2xx responses (a second To tag) are not ACKed.

import {
  UA_AOR_CAP, UA_INVITE_CAP, UA_RESP_CAP, UA_ACK_CAP, UA_REG_EXPIRES_S, SRV_ADDR_CAP, INBOX_CAP, CONN_MAX,
  SRV_BUILD_CAP, UA_CALL_MAX, UA_CALLID_CAP, UA_PEER_CAP, UA_EV_MAX, UA_EV_ARENA_CAP,
  UA_AUTH_USER_CAP, UA_AUTH_PASS_CAP, UA_AUTH_CH_CAP, UA_AUTH_HDR_CAP, UA_MSG_BODY_CAP,
} from "../mem/limits";
import { DigestChallenge, DigestErr, digestParseChallenge, digestBuildAuthorization } from "../wire/digest";
import { BAD } from "../mem/result";
import { eqSpan } from "../mem/bytes";
import { outboxClear, outEventOpen, outEventClose, outStr, outJsonBytes, outDec } from "../mem/outbox";
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
  dialogBuildAck, dialogBuildBye, dialogTerminate, dialogRouteCount, dialogMatchRequest, dialogByeRetry,
} from "../sip/dialog";
import {
  UaReq, uaReqAt, uaBuildRegister, uaBuildMessage, uaBuildInvite, uaBuildCancel, uaRegisterGranted, uaRegisterRefreshAt,
  uaMinExpires, uaBuildResponse, uaCheckRequest, uaCheckDialog, uaCheckInvite, uaOnCancel, uaDialog,
  uaReasonPhrase, UA_DROP,
} from "../sip/ua";
import { T1_MS, T2_MS } from "../sip/timers";
import { MSG, OMSG, BUILD, W, BUILD2, BUILD2_CAP, W2, rngSeed, rnd64, newTag, TAG, TAG_LEN } from "../server/common";
import {
  netReset, connAccept, connFree, connValid, connClose, connStream, connPeer, connTo, udpPeer, noteUdpSock,
  peerSend, peerIsStream, peerConn, splitAddr, PEER_NONE,
} from "../server/net";

// ---- public enums -----------------------------------------------------------------------------

/** uaInit transport. */
export const UA_UDP: i32 = 0;
export const UA_TCP: i32 = 1;

/** App commands (uaCmd op). */
export const UA_CMD_CALL: i32 = 1;     // args = target AOR (aLen) then SDP offer (bLen)
export const UA_CMD_HANGUP: i32 = 2;   // BYE (confirmed), CANCEL (calling), 486 (ringing)
export const UA_CMD_ACCEPT: i32 = 3;   // args = answer SDP (aLen)
export const UA_CMD_REJECT: i32 = 4;   // aLen = status code 300..699
export const UA_CMD_UNREGISTER: i32 = 5;

/** uaInit / uaCmd / uaCall* results (0 = OK). */
export const enum UaErr {
  Ok = 0,
  NotReady = 1,     // uaInit not called (or failed)
  BadArg = 2,       // lengths or addresses unusable
  Busy = 3,         // every call slot is in use (UA_CALL_MAX)
  NoCall = 4,       // no such call (stale handle), or it cannot take this command in its state
  Build = 5,        // the message did not fit
  Txn = 6,          // no transaction slot (503 locally)
}
export function uaErrReason(e: i32): string {
  switch (e) {
    case UaErr.Ok: return "ok";
    case UaErr.NotReady: return "UA not initialised";
    case UaErr.BadArg: return "bad argument";
    case UaErr.Busy: return "all call slots in use";
    case UaErr.NoCall: return "no call";
    case UaErr.Build: return "message does not fit";
    case UaErr.Txn: return "transaction pool full";
  }
  return "unknown";
}

/** Events the UA produces (uaEvPop). code/ptr/aux per kind as noted. */
export const enum UaEv {
  None = 0,
  Registered = 1,     // code = granted expires (s)
  Unregistered = 2,
  Invited = 3,        // call; ptr/len = SDP offer; aux = From URI; code = Via count
  Progress = 4,       // call; code = 1xx status (not 100)
  Answered = 5,       // call; ptr/len = SDP answer; code = route set size
  Acked = 6,          // call; code = Via count of the ACK
  Bye = 7,            // call; the peer's BYE was answered 200; code = Via count
  Ended = 8,          // call; our BYE got its final response (code) or timed out (408) / failed (503)
  Cancelled = 9,      // call; the caller CANCELled before we answered
  Failed = 10,        // call; our INVITE got 3xx-6xx (code) or timed out (408) / transport (503)
  Message = 11,       // ptr/len = MESSAGE body (RFC 3428)
  Error = 12,         // call or -1; code; reason
  MessageResult = 13, // code = final status of our MESSAGE (RFC 3428; 408/503 on timeout/transport)
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

// ---- call slots -------------------------------------------------------------------------------

// @ts-ignore: decorator
@unmanaged
class UaCall {
  /** §13.3.1.4: our 2xx is re-sent over UDP at T1, 2T1, ... T2 until the ACK, for 64*T1. */
  okResendAt: f64;
  okResendIv: f64;
  okResendEnd: f64;
  state: i32;
  gen: i32;        // handle generation; moves on when the call ends
  dlg: i32;        // sip/dialog.ts handle, -1 none
  invTxn: i32;     // our INVITE's client transaction
  byeTxn: i32;     // our BYE's client transaction
  peer: u32;       // where the incoming INVITE came from (responses go back there, §18.2.2)
  invLen: i32;     // stored INVITE (ours or theirs)
  respLen: i32;    // last response to the incoming INVITE
  ackLen: i32;     // ACK for our 2xx
  inCseq: u32;     // CSeq number of the incoming INVITE
  callIdLen: i32;
  peerLen: i32;    // remote AOR URI
  seq: u32;        // creation order ("the most recent call")
  outgoing: i32;   // 1: we sent the INVITE
}
// @ts-ignore: decorator
@lazy const CALL_REC: i32 = (<i32>offsetof<UaCall>() + 7) & ~7;
const CALLS: usize = memory.data(UA_CALL_MAX * ((<i32>offsetof<UaCall>() + 7) & ~7), 8);
// Per-call byte areas: INVITE | last response | ACK | local tag | Call-ID | peer URI
const B_INV: i32 = 0;
const B_RESP: i32 = UA_INVITE_CAP;
const B_ACK: i32 = UA_INVITE_CAP + UA_RESP_CAP;
const B_LTAG: i32 = UA_INVITE_CAP + UA_RESP_CAP + UA_ACK_CAP;
const B_CID: i32 = UA_INVITE_CAP + UA_RESP_CAP + UA_ACK_CAP + 32;
const B_PEER: i32 = UA_INVITE_CAP + UA_RESP_CAP + UA_ACK_CAP + 32 + UA_CALLID_CAP;
const B_STRIDE: i32 = UA_INVITE_CAP + UA_RESP_CAP + UA_ACK_CAP + 32 + UA_CALLID_CAP + UA_PEER_CAP;
const CALLBUF: usize = memory.data(UA_CALL_MAX * (UA_INVITE_CAP + UA_RESP_CAP + UA_ACK_CAP + 32 + UA_CALLID_CAP + UA_PEER_CAP), 8);

// @ts-ignore: decorator
@inline function callAt(i: i32): UaCall { return changetype<UaCall>(CALLS + <usize>(i * CALL_REC)); }
// @ts-ignore: decorator
@inline function area(i: i32, off: i32): usize { return CALLBUF + <usize>(i * B_STRIDE + off); }

let callSeq: u32 = 0;
let lastCall: i32 = -1;

function handleOf(i: i32): i32 { return i | (callAt(i).gen << 8); }
/** The slot of a live call handle, -1 when stale or out of range. */
function slotOf(h: i32): i32 {
  if (h < 0) return -1;
  const i = h & 0xff;
  if (i >= UA_CALL_MAX) return -1;
  const c = callAt(i);
  if (c.state == C_IDLE || c.gen != (h >>> 8)) return -1;
  return i;
}

/** A free slot, preferring one that holds no answered INVITE (kept for retransmissions). -1 = all busy. */
function slotFind(): i32 {
  let any = -1;
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    if (c.state != C_IDLE) continue;
    if (c.invLen == 0) return i;
    if (any < 0) any = i;
  }
  return any;
}
/** Clears free slot i for a new call (it stays C_IDLE until the caller sets a state). */
function slotInit(i: i32): void {
  const c = callAt(i);
  c.dlg = -1; c.invTxn = -1; c.byeTxn = -1; c.peer = PEER_NONE; c.invLen = 0; c.respLen = 0; c.ackLen = 0;
  c.inCseq = 0; c.callIdLen = 0; c.peerLen = 0; c.okResendAt = -1; c.outgoing = 0;
  c.seq = ++callSeq;
  authReset(AUTH_CTX_CALL + i);
}

/** The call is over: the handle goes stale. keepResp: an answered INVITE stays for its retransmissions. */
function slotFree(i: i32, keepResp: bool): void {
  const c = callAt(i);
  c.state = C_IDLE; c.dlg = -1; c.invTxn = -1; c.byeTxn = -1; c.ackLen = 0; c.okResendAt = -1;
  if (!keepResp) { c.invLen = 0; c.respLen = 0; }
  c.gen = c.gen >= 0x7fffff ? 1 : c.gen + 1;
}

/** Frees the dialog (if any) and the slot. */
function callEnd(i: i32): void {
  const c = callAt(i);
  if (c.dlg >= 0) dialogTerminate(c.dlg);
  slotFree(i, false);
}

function slotByInvTxn(h: i32): i32 {
  for (let i = 0; i < UA_CALL_MAX; i++) if (callAt(i).state != C_IDLE && callAt(i).invTxn == h) return i;
  return -1;
}
function slotByByeTxn(h: i32): i32 {
  for (let i = 0; i < UA_CALL_MAX; i++) if (callAt(i).state != C_IDLE && callAt(i).byeTxn == h) return i;
  return -1;
}
function slotByDialog(d: i32): i32 {
  if (d < 0) return -1;
  for (let i = 0; i < UA_CALL_MAX; i++) if (callAt(i).state != C_IDLE && callAt(i).dlg == d) return i;
  return -1;
}

/** The most recent live call that can take a hangup (any=true) or an answer (ringing). */
function slotRecent(ringingOnly: bool): i32 {
  let best = -1; let bestSeq: u32 = 0;
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    if (c.state == C_IDLE) continue;
    if (ringingOnly ? c.state != C_RINGING : c.state == C_ENDING) continue;
    if (best < 0 || c.seq > bestSeq) { best = i; bestSeq = c.seq; }
  }
  return best;
}

// ---- event queue + arena (same pattern as assembly/msrp/session.ts) ---------------------------

// Record: kind, call, code, ptr, len, auxPtr, auxLen, reason (string literal address): 32 bytes.
const EV_REC: i32 = 32;
const EVQ: usize = memory.data(UA_EV_MAX * 32, 8);
const ARENA: usize = memory.data(UA_EV_ARENA_CAP, 8);
let arenaLen: i32 = 0;
let evHead: i32 = 0;
let evCount: i32 = 0;
let evDropped: u32 = 0;
let jsonEvents = true;
let curKind: i32 = 0, curCall: i32 = -1, curCode: i32 = 0, curPtr: u32 = 0, curLen: i32 = 0;
let curAux: u32 = 0, curAuxLen: i32 = 0, curReason: u32 = 0;

/** Entry points start here: a drained queue frees the arena. */
function enter(): void { if (evCount == 0) arenaLen = 0; }
/** Entry points end here: in plain UA mode the queue becomes JSON EVENT records. */
function leave(): void { if (jsonEvents) evJson(); }

/** Room for one more event carrying `bytes` of data. */
function evRoom(bytes: i32): bool { return evCount < UA_EV_MAX && bytes <= UA_EV_ARENA_CAP - arenaLen; }

function arenaCopy(p: usize, n: i32): usize {
  if (n <= 0 || n > UA_EV_ARENA_CAP - arenaLen) return 0;
  const d = ARENA + <usize>arenaLen;
  memory.copy(d, p, <usize>n);
  arenaLen += n;
  return d;
}

/** Queues an event; data and aux are copied (the input buffers are reused). False when the queue
 *  was full (dropped, counted) or the data did not fit (queued with len 0). */
function evPush(kind: i32, call: i32, code: i32, p: usize, n: i32, aux: usize, auxN: i32, reason: string): bool {
  if (evCount >= UA_EV_MAX) { evDropped++; return false; }
  let ok = true;
  let dp: usize = 0, ap: usize = 0;
  if (n > 0) { dp = arenaCopy(p, n); if (dp == 0) { n = 0; ok = false; } } else n = 0;
  if (auxN > 0) { ap = arenaCopy(aux, auxN); if (ap == 0) { auxN = 0; ok = false; } } else auxN = 0;
  let at = evHead + evCount;
  if (at >= UA_EV_MAX) at -= UA_EV_MAX;
  const r = EVQ + <usize>(at * EV_REC);
  store<i32>(r, kind); store<i32>(r, call, 4); store<i32>(r, code, 8); store<u32>(r, <u32>dp, 12);
  store<i32>(r, n, 16); store<u32>(r, <u32>ap, 20); store<i32>(r, auxN, 24);
  store<u32>(r, <u32>changetype<usize>(reason), 28);
  evCount++;
  return ok;
}
function ev(kind: i32, call: i32, code: i32): void { evPush(kind, call, code, 0, 0, 0, 0, ""); }
function evError(call: i32, code: i32, reason: string): void { evPush(UaEv.Error, call, code, 0, 0, 0, 0, reason); }

/** true (default): every entry point turns the queue into JSON EVENT records; false: the caller pops. */
export function uaSetJsonEvents(on: bool): void { jsonEvents = on; }
export function uaEvCount(): i32 { return evCount; }
/** Events lost because the queue was full (a caller that does not pop). */
export function uaEvDropped(): u32 { return evDropped; }
/** Pops the oldest event; returns its kind (UaEv.None when empty). */
export function uaEvPop(): i32 {
  if (evCount <= 0) {
    curKind = UaEv.None; curCall = -1; curCode = 0; curPtr = 0; curLen = 0; curAux = 0; curAuxLen = 0; curReason = 0;
    return UaEv.None;
  }
  const r = EVQ + <usize>(evHead * EV_REC);
  curKind = load<i32>(r); curCall = load<i32>(r, 4); curCode = load<i32>(r, 8); curPtr = load<u32>(r, 12);
  curLen = load<i32>(r, 16); curAux = load<u32>(r, 20); curAuxLen = load<i32>(r, 24); curReason = load<u32>(r, 28);
  evHead++; if (evHead >= UA_EV_MAX) evHead = 0;
  evCount--;
  return curKind;
}
export function uaEvCall(): i32 { return curCall; }
export function uaEvCode(): i32 { return curCode; }
export function uaEvPtr(): usize { return <usize>curPtr; }
export function uaEvLen(): i32 { return curLen; }
export function uaEvAuxPtr(): usize { return <usize>curAux; }
export function uaEvAuxLen(): i32 { return curAuxLen; }
/** A static literal ("" when the event has none). */
export function uaEvReason(): string { return curReason == 0 ? "" : changetype<string>(<usize>curReason); }

function evName(k: i32): string {
  switch (k) {
    case UaEv.Registered: return "registered";
    case UaEv.Unregistered: return "unregistered";
    case UaEv.Invited: return "invited";
    case UaEv.Progress: return "progress";
    case UaEv.Answered: return "answered";
    case UaEv.Acked: return "acked";
    case UaEv.Bye: return "bye";
    case UaEv.Ended: return "ended";
    case UaEv.Cancelled: return "cancelled";
    case UaEv.Message: return "message";
    case UaEv.MessageResult: return "message-result";
  }
  return "error";   // Failed and Error
}

/** The queue as JSON EVENT records (the event names and fields of the single-call UA, plus "call"). */
function evJson(): void {
  for (let g = 0; g <= UA_EV_MAX; g++) {
    const k = uaEvPop();
    if (k == UaEv.None) break;
    if (!outEventOpen()) continue;
    outStr("{\"event\":\""); outStr(evName(k)); outStr("\"");
    if (curCall >= 0) { outStr(",\"call\":"); outDec(<u32>curCall); }
    if (k == UaEv.Registered) { outStr(",\"expires\":"); outDec(<u32>curCode); }
    else if (k == UaEv.Invited) {
      outStr(",\"from\":\""); outJsonBytes(<usize>curAux, curAuxLen);
      outStr("\",\"via\":"); outDec(<u32>curCode);
      outStr(",\"sdp\":\""); outJsonBytes(<usize>curPtr, curLen); outStr("\"");
    } else if (k == UaEv.Progress || k == UaEv.Ended || k == UaEv.MessageResult) { outStr(",\"code\":"); outDec(<u32>curCode); }
    else if (k == UaEv.Answered) {
      outStr(",\"routes\":"); outDec(<u32>curCode);
      outStr(",\"sdp\":\""); outJsonBytes(<usize>curPtr, curLen); outStr("\"");
    } else if (k == UaEv.Acked || k == UaEv.Bye) { outStr(",\"via\":"); outDec(<u32>curCode); }
    else if (k == UaEv.Message) { outStr(",\"body\":\""); outJsonBytes(<usize>curPtr, curLen); outStr("\""); }
    else if (k == UaEv.Failed || k == UaEv.Error) {
      outStr(",\"code\":"); outDec(<u32>curCode);
      outStr(",\"reason\":\""); outStr(uaEvReason()); outStr("\"");
    }
    outStr("}");
    outEventClose();
  }
  arenaLen = 0;
}

// ---- small helpers ------------------------------------------------------------------------------

const V: SipVia = sipViaAt(memory.data(offsetof<SipVia>(), 8));
const CS: SipCSeq = sipCSeqAt(memory.data(offsetof<SipCSeq>(), 8));
const NA = changetype<SipNameAddr>(memory.data(offsetof<SipNameAddr>(), 8));
const BR: usize = memory.data(32, 8);                  // scratch branch

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

/** Call-ID span of m (trimmed) into cidOff/cidLen. */
let cidOff: i32 = 0, cidLen: i32 = 0;
function callIdOf(m: SipMsg): bool {
  if (m.firstCallId < 0) return false;
  const vo = m.valOff(m.firstCallId);
  const e = trimLwsEnd(m.base, vo, vo + m.valLen(m.firstCallId));
  cidOff = skipLws(m.base, vo, e); cidLen = e - cidOff;
  return cidLen > 0;
}
/** cidOff/cidLen of m equal call i's Call-ID. */
function sameCallId(m: SipMsg, i: i32): bool {
  const c = callAt(i);
  return c.callIdLen > 0 && eqSpan(m.base + <usize>cidOff, cidLen, area(i, B_CID), c.callIdLen, false);
}

/** Re-parses call i's stored INVITE into OMSG. */
function parseInv(i: i32): bool { const n = callAt(i).invLen; return n > 0 && sipParse(area(i, B_INV), n, OMSG, true) > 0; }

function callsReset(): void {
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    c.state = C_IDLE; c.invLen = 0; c.respLen = 0; c.ackLen = 0; c.dlg = -1; c.invTxn = -1; c.byeTxn = -1;
    c.okResendAt = -1; c.callIdLen = 0; c.peerLen = 0;
    c.gen = c.gen >= 0x7fffff || c.gen <= 0 ? 1 : c.gen + 1;
  }
  lastCall = -1;
  evHead = 0; evCount = 0; arenaLen = 0;
}

// ---- digest authentication (RFC 3261 §22.2 / §22.3, RFC 2617 with MD5, qop=auth) --------------
//
// A 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) to REGISTER, MESSAGE, INVITE or BYE is
// answered once by re-sending the request with a new branch, CSeq + 1 (§22.2: "a new request
// with ... an incremented CSeq") and Authorization / Proxy-Authorization; a second challenge is
// answered only when it says stale=true (RFC 2617 §3.2.1: the nonce, not the password, was
// wrong). Each request context keeps a copy of its last challenge: REGISTER refreshes reuse it
// with nc + 1 (§22.3 caching), the other contexts only answer a challenge to the request itself.
// Gaps: one challenge answered per response (the first MD5 Digest one when several are offered,
// §22.3 would answer every realm); no MD5-sess / auth-int; CANCEL and ACK carry no credentials.

const AUTH_CTX_REG: i32 = 0;
const AUTH_CTX_MSG: i32 = 1;
const AUTH_CTX_CALL: i32 = 2;       // + call slot
const AUTH_CTX_MAX: i32 = 2 + UA_CALL_MAX;
// per context: chLen, nc, proxy (407), tries: 16 bytes
const AUTH_REC: usize = memory.data((2 + UA_CALL_MAX) * 16, 8);
const AUTH_CH: usize = memory.data((2 + UA_CALL_MAX) * UA_AUTH_CH_CAP, 8);
const AUTH_USER: usize = memory.data(UA_AUTH_USER_CAP, 8);
const AUTH_PASS: usize = memory.data(UA_AUTH_PASS_CAP, 8);
let authUserLen: i32 = 0;
let authPassLen: i32 = 0;
let authOn = false;
const AUTH_DC = changetype<DigestChallenge>(memory.data(offsetof<DigestChallenge>(), 8));
const AUTH_VAL: usize = memory.data(UA_AUTH_HDR_CAP, 8);
const AUTH_CNONCE: usize = memory.data(32, 8);

// @ts-ignore: decorator
@inline function authRec(ctx: i32): usize { return AUTH_REC + <usize>(ctx * 16); }
function authReset(ctx: i32): void {
  if (ctx < 0 || ctx >= AUTH_CTX_MAX) return;
  const r = authRec(ctx);
  store<i32>(r, 0); store<u32>(r, 0, 4); store<i32>(r, 0, 8); store<i32>(r, 0, 12);
}
/** The context answered its challenge and got another final response: a later challenge is new. */
function authSettled(ctx: i32): void { if (ctx >= 0 && ctx < AUTH_CTX_MAX) store<i32>(authRec(ctx), 0, 12); }

/**
 * Credentials for digest authentication (RFC 3261 §22): the password and the auth username
 * (userLen 0: the AOR's user part). passLen 0 turns authentication off (challenges reach the app).
 * They outlive uaStart (set them before or after it). UaErr.
 */
export function uaCredentials(userPtr: usize, userLen: i32, passPtr: usize, passLen: i32): i32 {
  if (userLen < 0 || userLen > UA_AUTH_USER_CAP || passLen < 0 || passLen > UA_AUTH_PASS_CAP) return UaErr.BadArg;
  for (let i = 0; i < userLen; i++) {
    const c = load<u8>(userPtr + <usize>i);
    if (c < 32 || c == 34 || c == 92 || c >= 127) return UaErr.BadArg;   // goes in a quoted-string
  }
  memory.copy(AUTH_USER, userPtr, <usize>userLen); authUserLen = userLen;
  memory.copy(AUTH_PASS, passPtr, <usize>passLen); authPassLen = passLen;
  authOn = passLen > 0;
  return UaErr.Ok;
}

/**
 * A 401/407 final response (st) in MSG to a request of context ctx: keeps its first usable Digest
 * challenge and says whether the request should be re-sent with credentials (§22.2). False when
 * no credentials are set, no challenge is usable, or this context already answered one (unless
 * the new one is stale=true, once).
 */
function authOnChallenge(ctx: i32, st: i32): bool {
  if (!authOn || ctx < 0 || ctx >= AUTH_CTX_MAX || (st != 401 && st != 407)) return false;
  const r = authRec(ctx);
  const tries = load<i32>(r, 12);
  if (tries >= 2) return false;
  const m = MSG, b = m.base;
  const want = st == 407 ? HdrType.ProxyAuthenticate : HdrType.WwwAuthenticate;
  for (let h = 0; h < m.hdrCount; h++) {
    if (m.hdrType(h) != want) continue;
    const vo = m.valOff(h), vl = m.valLen(h);
    if (vl > UA_AUTH_CH_CAP || digestParseChallenge(AUTH_DC, b + <usize>vo, vl) != DigestErr.Ok) continue;
    if (tries == 1 && AUTH_DC.stale == 0) return false;   // our credentials were refused
    memory.copy(AUTH_CH + <usize>(ctx * UA_AUTH_CH_CAP), b + <usize>vo, <usize>vl);
    store<i32>(r, vl); store<u32>(r, 0, 4); store<i32>(r, st == 407 ? 1 : 0, 8); store<i32>(r, tries + 1, 12);
    return true;
  }
  return false;
}

/**
 * Adds the credentials of context ctx's stored challenge to the request [buf, +len) (cap bytes of
 * room): "Authorization:" (after a 401) or "Proxy-Authorization:" (after a 407) before the blank
 * line, digest-uri = the Request-URI of the request line (§22.4), nc + 1, a fresh cnonce.
 * Returns the new length; len unchanged when the context holds no challenge; -1 when it does not fit.
 */
function authApply(ctx: i32, buf: usize, len: i32, cap: i32, method: string): i32 {
  if (!authOn || ctx < 0 || ctx >= AUTH_CTX_MAX) return len;
  const r = authRec(ctx);
  const chLen = load<i32>(r);
  if (chLen <= 0) return len;
  const ch = AUTH_CH + <usize>(ctx * UA_AUTH_CH_CAP);
  if (digestParseChallenge(AUTH_DC, ch, chLen) != DigestErr.Ok) return len;
  // Request-URI: between the first and second SP of the request line
  let u0 = 0;
  while (u0 < len && load<u8>(buf + <usize>u0) != 32 && load<u8>(buf + <usize>u0) != 13) u0++;
  u0++;
  let u1 = u0;
  while (u1 < len && load<u8>(buf + <usize>u1) != 32 && load<u8>(buf + <usize>u1) != 13) u1++;
  if (u1 >= len || u1 <= u0) return -1;
  // the end of the header section (the blank line): the new header goes right before it
  let e = -1;
  for (let i = 0; i + 3 < len; i++) {
    if (load<u8>(buf + <usize>i) == 13 && load<u8>(buf + <usize>(i + 1)) == 10 &&
        load<u8>(buf + <usize>(i + 2)) == 13 && load<u8>(buf + <usize>(i + 3)) == 10) { e = i + 2; break; }
  }
  if (e < 0) return -1;
  // user: the configured one, else the AOR's user part ("<sip:" user "@")
  let up = AUTH_USER, ul = authUserLen;
  if (ul == 0) {
    up = AOR + 5;
    while (ul < aorLen - 6 && load<u8>(up + <usize>ul) != 64) ul++;
  }
  const nc = load<u32>(r, 4) + 1;
  store<u32>(r, nc, 4);
  newTag(); memory.copy(AUTH_CNONCE, TAG, <usize>TAG_LEN);
  const proxy = load<i32>(r, 8) != 0;
  let o = put(AUTH_VAL, 0, proxy ? "Proxy-Authorization: " : "Authorization: ");
  const n = digestBuildAuthorization(AUTH_VAL + <usize>o, UA_AUTH_HDR_CAP - o - 2, AUTH_DC, ch, up, ul,
    AUTH_PASS, authPassLen, method, buf + <usize>u0, u1 - u0, AUTH_CNONCE, TAG_LEN, nc);
  if (n < 0) return -1;
  o += n;
  store<u8>(AUTH_VAL + <usize>o, 13); store<u8>(AUTH_VAL + <usize>(o + 1), 10); o += 2;
  if (o > cap - len) return -1;
  memory.copy(buf + <usize>(e + o), buf + <usize>e, <usize>(len - e));   // memmove: overlaps
  memory.copy(buf + <usize>e, AUTH_VAL, <usize>o);
  return len + o;
}

// ---- init -----------------------------------------------------------------------------------------

/**
 * base: AOR "sip:user@domain" [aorLen], server "ip:port" [srvLen], our listen "ip:port" [lisLen]
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
  regCseq = 0; regTxn = -1; regRefreshAt = -1; regBound = false; msgTxn = -1;
  for (let k = 0; k < AUTH_CTX_MAX; k++) authReset(k);
  regAsk = expiresS > 0 ? <u32>expiresS : <u32>UA_REG_EXPIRES_S;
  callsReset();
  ready = true;
  sendRegister(regAsk, now);
  leave();
  return UaErr.Ok;
}
export function uaReady(): bool { return ready; }
/** The server role takes the instance (serverInit). */
export function uaStop(): void { ready = false; }

// ---- pager-mode MESSAGE (RFC 3428) ----------------------------------------------------------------

let msgTxn: i32 = -1;
const MSG_CALLID: usize = memory.data(32, 8);
const MSG_TAG: usize = memory.data(32, 8);
const MSG_TARGET: usize = memory.data(UA_AOR_CAP + 8, 8);
let msgTargetLen: i32 = 0;
const MSG_BODY: usize = memory.data(UA_MSG_BODY_CAP, 8);
let msgBodyLen: i32 = 0;
let msgCtype: string = "";
let msgCseq: u32 = 1;

/**
 * Sends a MESSAGE outside any dialog to targetPtr (a SIP URI, no < >), through the server, with
 * Content-Type ctype (RFC 3428 §4: a new Call-ID, From tag, CSeq 1). One at a time; the final
 * response comes back as UaEv.MessageResult. Returns UaErr.
 */
export function uaMessageSend(targetPtr: usize, targetLen: i32, ctype: string, bodyPtr: usize, bodyLen: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  if (msgTxn >= 0) return UaErr.Busy;
  if (targetLen <= 4 || targetLen > UA_AOR_CAP || bodyLen < 0 || bodyLen > UA_MSG_BODY_CAP) return UaErr.BadArg;
  for (let i = 0; i < targetLen; i++) {
    const c = load<u8>(targetPtr + <usize>i);
    if (c <= 32 || c >= 127 || c == 60 || c == 62) return UaErr.BadArg;
  }
  store<u8>(MSG_TARGET, 60);
  memory.copy(MSG_TARGET + 1, targetPtr, <usize>targetLen);
  store<u8>(MSG_TARGET + <usize>(targetLen + 1), 62);
  msgTargetLen = targetLen;
  // kept for a re-send with credentials after a 401/407 (§22.2)
  memory.copy(MSG_BODY, bodyPtr, <usize>bodyLen); msgBodyLen = bodyLen;
  msgCtype = ctype;
  newTag(); memory.copy(MSG_TAG, TAG, <usize>TAG_LEN);
  newTag(); memory.copy(MSG_CALLID, TAG, <usize>TAG_LEN);
  msgCseq = 1;
  authReset(AUTH_CTX_MSG);
  const r = messageSend(now);
  if (r == UaErr.Ok) drain(now);
  return r;
}

/** Builds and starts the MESSAGE from the stored target, body, tags and msgCseq (plus the
 *  credentials of a stored challenge). UaErr. */
function messageSend(now: f64): i32 {
  REQ.ruriPtr = MSG_TARGET + 1; REQ.ruriLen = msgTargetLen;
  REQ.toPtr = MSG_TARGET; REQ.toLen = msgTargetLen + 2;
  REQ.fromPtr = AOR; REQ.fromLen = aorLen;
  REQ.fromTagPtr = MSG_TAG; REQ.fromTagLen = TAG_LEN;
  REQ.callIdPtr = MSG_CALLID; REQ.callIdLen = TAG_LEN;
  REQ.cseq = msgCseq;
  REQ.routeLen = 0;
  const rnd = rnd64();
  REQ.rnd = rnd;
  wStart(W, BUILD, SRV_BUILD_CAP);
  let len = uaBuildMessage(W, LOCAL, REQ, msgCtype, MSG_BODY, msgBodyLen);
  if (len <= 0) return UaErr.Build;
  len = authApply(AUTH_CTX_MSG, BUILD, len, SRV_BUILD_CAP, "MESSAGE");
  if (len <= 0) return UaErr.Build;
  putBranch(BR, rnd);
  const h = txnClientStart(Method.MESSAGE, tcp, serverPeer(), BUILD, len, BR, BRANCH_LEN, now);
  if (h < 0) return UaErr.Txn;
  msgTxn = h;
  return UaErr.Ok;
}

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
  let len = uaBuildRegister(W, LOCAL, REQ, expires);
  // §22.3: a refresh carries the credentials of the last challenge (nc + 1)
  if (len > 0) len = authApply(AUTH_CTX_REG, BUILD, len, SRV_BUILD_CAP, "REGISTER");
  if (len <= 0) { evError(-1, 500, "REGISTER does not fit"); return; }
  putBranch(BR, rnd);
  regTxn = txnClientStart(Method.REGISTER, tcp, serverPeer(), BUILD, len, BR, BRANCH_LEN, now);
  if (regTxn < 0) evError(-1, 503, "transaction pool full");
  regRefreshAt = -1;
  drain(now);
}

function onRegisterResponse(st: i32, now: f64): void {
  if (st < 200) return;
  regTxn = -1;
  // §22.2: a challenge -> the same REGISTER again (CSeq + 1) with credentials
  if ((st == 401 || st == 407) && authOnChallenge(AUTH_CTX_REG, st)) { sendRegister(regAsk, now); return; }
  authSettled(AUTH_CTX_REG);
  if (st >= 200 && st < 300) {
    if (regAsk == 0) {   // our removal (§10.2.2)
      regBound = false; regRefreshAt = -1;
      ev(UaEv.Unregistered, -1, 0);
      return;
    }
    let g = uaRegisterGranted(MSG, CONTACT, LOCAL.contactLen);
    if (g <= 0) g = <i64>regAsk;
    regBound = true;
    regRefreshAt = uaRegisterRefreshAt(now, g);
    ev(UaEv.Registered, -1, <i32>g);
    return;
  }
  if (st == 423) {   // §10.2.8: retry with at least Min-Expires
    const m = uaMinExpires(MSG);
    if (m > 0 && m <= 86400 && <u32>m > regAsk) { regAsk = <u32>m; sendRegister(regAsk, now); return; }
  }
  regBound = false; regRefreshAt = -1;
  evError(-1, st, st == 401 || st == 407 ? "REGISTER authentication failed" : "REGISTER refused");
}

// ---- app commands -------------------------------------------------------------------------------

/** One app command (UA_CMD_*) on the most recent call that can take it; arguments at base. */
export function uaCmd(base: usize, op: i32, aLen: i32, bLen: i32, now: f64): i32 {
  return uaCmdCall(base, op, -1, aLen, bLen, now);
}

/**
 * One app command on call `call` (-1: the most recent call that can take it: ringing for
 * accept/reject, any live call but one already ending for hangup). CALL ignores `call` and
 * leaves the new handle in uaLastCall(). Returns UaErr; a failure is also an Error event (code 0).
 */
export function uaCmdCall(base: usize, op: i32, call: i32, aLen: i32, bLen: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  enter();
  let r: i32 = UaErr.BadArg;
  let evCallH = call;
  if (aLen < 0 || bLen < 0 || (op != UA_CMD_REJECT && aLen + bLen > INBOX_CAP)) r = UaErr.BadArg;
  else if (op == UA_CMD_CALL) {
    const h = callStart(base, aLen, base + <usize>aLen, bLen, now);
    if (h >= 0) { lastCall = h; r = UaErr.Ok; } else r = -h;
    evCallH = -1;
  } else if (op == UA_CMD_UNREGISTER) { regAsk = 0; sendRegister(0, now); r = UaErr.Ok; evCallH = -1; }
  else if (op == UA_CMD_HANGUP || op == UA_CMD_ACCEPT || op == UA_CMD_REJECT) {
    const i = call >= 0 ? slotOf(call) : slotRecent(op != UA_CMD_HANGUP);
    if (i < 0) r = UaErr.NoCall;
    else {
      evCallH = handleOf(i);
      if (op == UA_CMD_HANGUP) r = cmdHangup(i, now);
      else if (op == UA_CMD_ACCEPT) r = cmdAnswer(i, 200, base, aLen, now);
      else r = aLen >= 300 && aLen <= 699 ? cmdAnswer(i, aLen, 0, 0, now) : UaErr.BadArg;
    }
  }
  if (r != UaErr.Ok) evError(evCallH >= 0 && slotOf(evCallH) >= 0 ? evCallH : -1, 0, uaErrReason(r));
  leave();
  return r;
}
/** Handle of the call the last UA_CMD_CALL started (-1 none). */
export function uaLastCall(): i32 { return lastCall; }

/** Starts a call to targetPtr (a SIP URI, no < >) with an SDP offer. Handle >= 0, or -UaErr. */
export function uaCallStart(targetPtr: usize, targetLen: i32, sdpPtr: usize, sdpLen: i32, now: f64): i32 {
  if (!ready) return -UaErr.NotReady;
  const h = callStart(targetPtr, targetLen, sdpPtr, sdpLen, now);
  leave();
  return h;
}
/** 200 with the SDP answer (application/sdp) to a ringing call (§13.3.1.4). UaErr. */
export function uaCallAccept(call: i32, sdpPtr: usize, sdpLen: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  const i = slotOf(call);
  if (i < 0) return UaErr.NoCall;
  if (sdpLen < 0) return UaErr.BadArg;
  const r = cmdAnswer(i, 200, sdpPtr, sdpLen, now);
  leave();
  return r;
}
/** A 300-699 final response to a ringing call (§13.3.1.3). UaErr. */
export function uaCallReject(call: i32, code: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  const i = slotOf(call);
  if (i < 0) return UaErr.NoCall;
  if (code < 300 || code > 699) return UaErr.BadArg;
  const r = cmdAnswer(i, code, 0, 0, now);
  leave();
  return r;
}
/** Ends a call: CANCEL (calling), BYE (up), 486 (ringing). UaErr. */
export function uaCallHangup(call: i32, now: f64): i32 {
  if (!ready) return UaErr.NotReady;
  const i = slotOf(call);
  if (i < 0) return UaErr.NoCall;
  const r = cmdHangup(i, now);
  leave();
  return r;
}
/** The remote AOR URI of a call: From of an incoming INVITE, our target of an outgoing one. */
export function uaCallPeerPtr(call: i32): usize { const i = slotOf(call); return i < 0 ? 0 : area(i, B_PEER); }
export function uaCallPeerLen(call: i32): i32 { const i = slotOf(call); return i < 0 ? 0 : callAt(i).peerLen; }
/** 1 calling, 2 up (caller), 3 ringing, 4 up (callee), 5 ending; -1 stale (ended) handle. */
export function uaCallStateOf(call: i32): i32 { const i = slotOf(call); return i < 0 ? -1 : callAt(i).state; }
/** The state of the most recent live call, 0 when there is none. */
export function uaCallState(): i32 { const i = slotRecent(false); if (i >= 0) return callAt(i).state; const j = anyLive(); return j < 0 ? C_IDLE : callAt(j).state; }
function anyLive(): i32 { for (let i = 0; i < UA_CALL_MAX; i++) if (callAt(i).state != C_IDLE) return i; return -1; }
/** Live calls. */
export function uaCallCount(): i32 { let n = 0; for (let i = 0; i < UA_CALL_MAX; i++) if (callAt(i).state != C_IDLE) n++; return n; }
export function uaRegistered(): bool { return regBound; }

function callStart(tp: usize, tl: i32, sdp: usize, sdpLen: i32, now: f64): i32 {
  if (tl <= 4 || tl > UA_AOR_CAP || tl > UA_PEER_CAP || sdpLen < 0 || sdpLen > UA_INVITE_CAP) return -UaErr.BadArg;
  for (let i = 0; i < tl; i++) {
    const c = load<u8>(tp + <usize>i);
    if (c <= 32 || c >= 127 || c == 60 || c == 62) return -UaErr.BadArg;
  }
  const i = slotFind();
  if (i < 0) return -UaErr.Busy;
  slotInit(i);
  const c = callAt(i);
  c.outgoing = 1;
  // the target is copied first: the caller's buffer may be anything (even BUILD2 below)
  memory.copy(area(i, B_PEER), tp, <usize>tl); c.peerLen = tl;
  const target = area(i, B_PEER);
  newTag(); memory.copy(area(i, B_LTAG), TAG, <usize>TAG_LEN);
  newTag(); memory.copy(area(i, B_CID), TAG, <usize>TAG_LEN); c.callIdLen = TAG_LEN;
  // the target in name-addr form lives in BUILD2 (free during this call)
  let n = put(BUILD2, 0, "<"); n = putSpan(BUILD2, n, target, tl); n = put(BUILD2, n, ">");
  REQ.ruriPtr = target; REQ.ruriLen = tl;
  REQ.toPtr = BUILD2; REQ.toLen = n;
  REQ.fromPtr = AOR; REQ.fromLen = aorLen;
  REQ.fromTagPtr = area(i, B_LTAG); REQ.fromTagLen = TAG_LEN;
  REQ.callIdPtr = area(i, B_CID); REQ.callIdLen = TAG_LEN;
  REQ.cseq = 1;
  REQ.routeLen = 0;
  const rnd = rnd64();
  REQ.rnd = rnd;
  wStart(W, BUILD, SRV_BUILD_CAP);
  const len = uaBuildInvite(W, LOCAL, REQ, sdp, sdpLen);
  if (len <= 0 || len > UA_INVITE_CAP) { slotFree(i, false); return -UaErr.Build; }
  memory.copy(area(i, B_INV), BUILD, <usize>len); c.invLen = len;
  putBranch(BR, rnd);
  const h = txnClientStart(Method.INVITE, tcp, serverPeer(), area(i, B_INV), len, BR, BRANCH_LEN, now);
  if (h < 0) { slotFree(i, false); return -UaErr.Txn; }
  c.invTxn = h; c.state = C_CALLING; c.dlg = -1;
  const handle = handleOf(i);
  drain(now);   // may already end the call (transport error -> Failed event for this handle)
  return handle;
}

function cmdHangup(i: i32, now: f64): i32 {
  const c = callAt(i);
  if (c.state == C_RINGING) return cmdAnswer(i, 486, 0, 0, now);
  if (c.state == C_CALLING) {
    // §9.1: CANCEL only once a provisional response came; before that we still send it (the
    // server's INVITE transaction matches it by branch) — a documented simplification.
    if (!parseInv(i)) return UaErr.NoCall;
    const inv = area(i, B_INV);
    wStart(W2, BUILD2, BUILD2_CAP);
    const n = uaBuildCancel(W2, OMSG);
    if (n <= 0) return UaErr.Build;
    if (viaTop(inv, OMSG.valOff(OMSG.firstVia), OMSG.valLen(OMSG.firstVia), V) != SipErr.Ok || V.branchOff < 0) return UaErr.Build;
    const h = txnClientStart(Method.CANCEL, tcp, serverPeer(), BUILD2, n, inv + <usize>V.branchOff, V.branchLen, now);
    if (h < 0) return UaErr.Txn;
    drain(now);
    return UaErr.Ok;
  }
  if (c.state == C_OUT_UP || c.state == C_IN_UP) {
    const rnd = rnd64();
    wStart(W, BUILD, SRV_BUILD_CAP);
    const n = dialogBuildBye(c.dlg, W, LOCAL, rnd);
    if (n <= 0) return UaErr.Build;
    putBranch(BR, rnd);
    const h = txnClientStart(Method.BYE, tcp, peerOrServer(i), BUILD, n, BR, BRANCH_LEN, now);
    if (h < 0) return UaErr.Txn;
    c.byeTxn = h; c.state = C_ENDING; c.okResendAt = -1;
    drain(now);
    return UaErr.Ok;
  }
  return UaErr.NoCall;
}

/** In-dialog requests go to the server (first route); over TCP reuse the flow the call came on. */
function peerOrServer(i: i32): u32 {
  // Requests go to the server's own address (its listening port), over our connection to it:
  // a connection the server opened to us is used only for responses to what came on it
  // (RFC 3261 §18.1.1 picks the connection by destination; reusing the server's connection for
  // our requests would need RFC 5923 connection reuse, which we do not negotiate).
  return serverPeer();
}

/** The app's answer to a ringing INVITE: 200 with the SDP answer, or a 3xx-6xx (§13.3.1). */
function cmdAnswer(i: i32, code: i32, sdp: usize, sdpLen: i32, now: f64): i32 {
  const c = callAt(i);
  if (c.state != C_RINGING || !parseInv(i)) return UaErr.NoCall;
  wStart(W, BUILD, SRV_BUILD_CAP);
  const n = uaBuildResponse(W, OMSG, code, LOCAL, area(i, B_LTAG), TAG_LEN, sdpLen > 0 ? "application/sdp" : "", sdp, sdpLen);
  if (n <= 0 || n > UA_RESP_CAP) return UaErr.Build;
  const resp = area(i, B_RESP);
  memory.copy(resp, BUILD, <usize>n); c.respLen = n;
  peerSend(c.peer, resp, n);
  if (code >= 200 && code < 300) {
    dialogConfirm(c.dlg);
    c.state = C_IN_UP;
    if (!peerIsStream(c.peer)) { c.okResendIv = T1_MS; c.okResendAt = now + T1_MS; c.okResendEnd = now + 64 * T1_MS; }
  } else {
    dialogTerminate(c.dlg);   // §12.3: a non-2xx final response ends the early dialog
    c.dlg = -1;
    slotFree(i, true);        // the response stays for a retransmitted INVITE (re-sent in onRequest)
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
      if (h == msgTxn) msgTxn = -1;
      for (let i = 0; i < UA_CALL_MAX; i++) {
        const c = callAt(i);
        if (c.invTxn == h) c.invTxn = -1;
        if (c.byeTxn == h) c.byeTxn = -1;
      }
    } else if (op == TxnAct.AckNeeded) {
      if (curIsResponse) sendNon2xxAck(h);
    }
  }
}

function onClientFail(h: i32, code: i32, reason: string): void {
  if (h == regTxn) { regTxn = -1; regBound = false; evError(-1, code, reason); return; }
  if (h == msgTxn) { msgTxn = -1; ev(UaEv.MessageResult, -1, code); return; }
  let i = slotByInvTxn(h);
  if (i >= 0) { const call = handleOf(i); callEnd(i); evPush(UaEv.Failed, call, code, 0, 0, 0, 0, reason); return; }
  i = slotByByeTxn(h);
  if (i >= 0) { const call = handleOf(i); callEnd(i); ev(UaEv.Ended, call, code); }
}

function onTuResponse(h: i32, st: i32, now: f64): void {
  if (h == regTxn) { onRegisterResponse(st, now); return; }
  if (h == msgTxn) {
    if (st < 200) return;
    msgTxn = -1;
    // §22.2: the same MESSAGE (Call-ID, From tag) with CSeq + 1, a new branch and credentials
    if (authOnChallenge(AUTH_CTX_MSG, st)) { msgCseq++; if (messageSend(now) == UaErr.Ok) return; }
    authSettled(AUTH_CTX_MSG);
    ev(UaEv.MessageResult, -1, st);
    return;
  }
  let i = slotByByeTxn(h);
  if (i >= 0) {
    if (st < 200) return;
    if (authOnChallenge(AUTH_CTX_CALL + i, st) && byeResend(i, now)) return;
    const call = handleOf(i);
    callEnd(i);   // §15.1.1: any final response ends it
    ev(UaEv.Ended, call, st);
    return;
  }
  i = slotByInvTxn(h);
  if (i < 0 || callAt(i).state != C_CALLING) return;
  if (st < 200) {
    if (st != 100) ev(UaEv.Progress, handleOf(i), st);   // 100 is hop-by-hop (§8.1.3.2), not for the app
    return;
  }
  if (st >= 300) {
    // the ACK went out via AckNeeded (§17.1.1.3); a challenge -> the INVITE again with credentials
    if (authOnChallenge(AUTH_CTX_CALL + i, st) && inviteResend(i, now)) return;
    const call = handleOf(i);
    callEnd(i);
    evPush(UaEv.Failed, call, st, 0, 0, 0, 0, uaReasonPhrase(st));
    return;
  }
  authSettled(AUTH_CTX_CALL + i);   // a challenge to a later BYE is a new one
  on2xx(i, now);
}

/**
 * §22.2: call i's INVITE was challenged (401/407, already ACKed by the transaction layer): the
 * same INVITE (Request-URI, To, From tag, Call-ID, offer) with CSeq + 1, a new branch and the
 * credentials, as a new client transaction. False when it cannot be sent (the caller fails the call).
 */
function inviteResend(i: i32, now: f64): bool {
  const c = callAt(i);
  if (!parseInv(i) || OMSG.firstCSeq < 0) return false;
  const inv = area(i, B_INV);
  if (cseqParse(inv, OMSG.valOff(OMSG.firstCSeq), OMSG.valLen(OMSG.firstCSeq), CS) != SipErr.Ok || CS.num >= 0x7ffffffe) return false;
  const tl = c.peerLen;
  let n = put(BUILD2, 0, "<"); n = putSpan(BUILD2, n, area(i, B_PEER), tl); n = put(BUILD2, n, ">");
  REQ.ruriPtr = area(i, B_PEER); REQ.ruriLen = tl;
  REQ.toPtr = BUILD2; REQ.toLen = n;
  REQ.fromPtr = AOR; REQ.fromLen = aorLen;
  REQ.fromTagPtr = area(i, B_LTAG); REQ.fromTagLen = TAG_LEN;
  REQ.callIdPtr = area(i, B_CID); REQ.callIdLen = c.callIdLen;
  REQ.cseq = CS.num + 1;
  REQ.routeLen = 0;
  const rnd = rnd64();
  REQ.rnd = rnd;
  wStart(W, BUILD, SRV_BUILD_CAP);
  let len = uaBuildInvite(W, LOCAL, REQ, inv + <usize>OMSG.bodyOff, OMSG.bodyLen);
  if (len > 0) len = authApply(AUTH_CTX_CALL + i, BUILD, len, SRV_BUILD_CAP, "INVITE");
  if (len <= 0 || len > UA_INVITE_CAP) return false;
  putBranch(BR, rnd);
  const h = txnClientStart(Method.INVITE, tcp, serverPeer(), BUILD, len, BR, BRANCH_LEN, now);
  if (h < 0) return false;
  memory.copy(inv, BUILD, <usize>len); c.invLen = len;   // CANCEL, the ACKs and the dialog use it
  c.invTxn = h;
  return true;
}

/** §22.2 in a dialog: our BYE was challenged: a new BYE (CSeq + 1 from the dialog) with credentials. */
function byeResend(i: i32, now: f64): bool {
  const c = callAt(i);
  if (c.dlg < 0 || !dialogByeRetry(c.dlg)) return false;
  const rnd = rnd64();
  wStart(W, BUILD, SRV_BUILD_CAP);
  let n = dialogBuildBye(c.dlg, W, LOCAL, rnd);
  if (n > 0) n = authApply(AUTH_CTX_CALL + i, BUILD, n, SRV_BUILD_CAP, "BYE");
  if (n <= 0) return false;
  putBranch(BR, rnd);
  const h = txnClientStart(Method.BYE, tcp, peerOrServer(i), BUILD, n, BR, BRANCH_LEN, now);
  if (h < 0) return false;
  c.byeTxn = h;
  return true;
}

/** A 2xx to our INVITE (§13.2.2.4): dialog, ACK end to end along the route set, event. */
function on2xx(i: i32, now: f64): void {
  const c = callAt(i);
  const call = handleOf(i);
  if (!parseInv(i)) return;
  const d = dialogFromUacResponse(OMSG, MSG, now);
  if (d < 0) { callEnd(i); evPush(UaEv.Failed, call, 502, 0, 0, 0, 0, "unusable 2xx"); return; }
  c.dlg = d;
  const rnd = rnd64();
  wStart(W2, BUILD2, BUILD2_CAP);
  const n = dialogBuildAck(d, W2, LOCAL, rnd, "", 0, 0);
  if (n <= 0) {
    // no ACK can be built: the dialog cannot be used; say so and end it with a BYE
    c.state = C_OUT_UP;
    evError(call, 500, "ACK does not fit");
    if (cmdHangup(i, now) != UaErr.Ok) { callEnd(i); evPush(UaEv.Failed, call, 500, 0, 0, 0, 0, "ACK does not fit"); }
    return;
  }
  if (n <= UA_ACK_CAP) { memory.copy(area(i, B_ACK), BUILD2, <usize>n); c.ackLen = n; peerSend(peerOrServer(i), area(i, B_ACK), n); }
  else { c.ackLen = 0; peerSend(peerOrServer(i), BUILD2, n); }   // sent, not kept for 2xx retransmissions
  c.state = C_OUT_UP;
  const b = MSG.base;
  if (!evPush(UaEv.Answered, call, dialogRouteCount(d), b + <usize>MSG.bodyOff, MSG.bodyLen, 0, 0, "")) {
    evError(call, 500, "event data does not fit");
  }
}

/** ACK for a 300-699 to our INVITE (§17.1.1.3): INVITE's Request-URI, top Via, Route, From,
 *  Call-ID and CSeq number; To from the response (it carries the UAS tag). */
const ACK_STR: usize = memory.data<u8>([65, 67, 75]);
function sendNon2xxAck(h: i32): void {
  const i = slotByInvTxn(h);
  if (i < 0 || !parseInv(i)) return;
  const b = area(i, B_INV);
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
    if (CS.method == TXN_METHOD_INVITE && m.status >= 200 && m.status < 300 && callIdOf(m)) {
      for (let i = 0; i < UA_CALL_MAX; i++) {
        const c = callAt(i);
        if (c.outgoing == 0 || (c.state != C_OUT_UP && c.state != C_ENDING) || c.ackLen <= 0 || !sameCallId(m, i)) continue;
        peerSend(peerOrServer(i), area(i, B_ACK), c.ackLen);
        break;
      }
    }
    return;
  }
  curIsResponse = true;
  txnClientOnResponse(h, m.status, now);
  drain(now);
  curIsResponse = false;
}

/** An incoming INVITE we hold with the same Call-ID and CSeq number (a retransmission), or -1.
 *  Includes calls that ended with a non-2xx response kept for exactly this (§17.2.1 in spirit). */
function storedInvite(m: SipMsg): i32 {
  if (!callIdOf(m)) return -1;
  if (m.firstCSeq < 0 || cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) return -1;
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    if (c.outgoing != 0 || c.invLen <= 0 || c.inCseq != CS.num || !sameCallId(m, i)) continue;
    return i;
  }
  return -1;
}

function onRequest(peer: u32, now: f64): void {
  const m = MSG;
  const chk = uaCheckRequest(m);
  if (m.method == Method.ACK) { onAck(now); return; }
  if (chk != 0) { respond(m, peer, chk, true); return; }
  if (m.method == Method.INVITE) {
    // a retransmission of an INVITE we are answering: the last response again (none: absorbed)
    const i = storedInvite(m);
    if (i >= 0) { const c = callAt(i); if (c.respLen > 0) peerSend(peer, area(i, B_RESP), c.respLen); return; }
  }
  if (m.method == Method.CANCEL) { onCancel(peer); return; }
  // uaCheckDialog ends the dialog a BYE matches: find its call first
  const byeDlg = m.method == Method.BYE ? dialogMatchRequest(m) : -1;
  const d = uaCheckDialog(m, now);
  if (d == UA_DROP) return;
  if (d != 0) { respond(m, peer, d, false); return; }
  const dlg = uaDialog();
  if (m.method == Method.BYE) {
    // uaCheckDialog matched (and ended) the dialog when the To has a tag; without one: §12.2.2 481
    if (!isOurDialogBye(m)) { respond(m, peer, 481, true); return; }
    respond(m, peer, 200, false);
    const i = slotByDialog(byeDlg);
    if (i >= 0) {
      const call = handleOf(i);
      callAt(i).dlg = -1;   // already freed by uaCheckDialog
      slotFree(i, false);
      ev(UaEv.Bye, call, viaCount(m));
    }
    return;
  }
  if (m.method == Method.OPTIONS) { respond(m, peer, 200, true); return; }
  if (m.method == Method.MESSAGE) {
    // RFC 3428 §7: the body goes to the app through the event arena; no room -> 503 (try later),
    // larger than the whole arena -> 413 (§21.4.11)
    if (m.bodyLen > UA_EV_ARENA_CAP) { respond(m, peer, 413, true); return; }
    if (!evRoom(m.bodyLen)) { respond(m, peer, 503, true); return; }
    respond(m, peer, 200, true);
    evPush(UaEv.Message, -1, 0, m.base + <usize>m.bodyOff, m.bodyLen, 0, 0, "");
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

function onInvite(peer: u32, now: f64): void {
  const m = MSG;
  const i = slotFind();
  const code = uaCheckInvite(m, i < 0, false);   // no free call slot -> 486 (§21.4.24)
  if (code != 0) { respond(m, peer, code, true); return; }
  if (m.len > UA_INVITE_CAP || !callIdOf(m) || cidLen > UA_CALLID_CAP ||
      cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) != SipErr.Ok) { respond(m, peer, 500, true); return; }
  // the From URI and the offer go to the app in the event arena: no room -> 503, try later (§21.5.4)
  let fromOff = 0, fromLen = 0;
  if (m.firstFrom >= 0 && nameAddrParse(m.base, m.valOff(m.firstFrom), m.valLen(m.firstFrom), NA, 0, SipErr.From) == SipErr.Ok) {
    fromOff = NA.uriOff; fromLen = NA.uriLen;
  }
  if (!evRoom(m.bodyLen + fromLen)) { respond(m, peer, 503, true); return; }
  slotInit(i);
  const c = callAt(i);   // still C_IDLE: nothing to undo on the error paths below
  const inv = area(i, B_INV);
  memory.copy(area(i, B_CID), m.base + <usize>cidOff, <usize>cidLen); c.callIdLen = cidLen;
  c.inCseq = CS.num;
  memory.copy(inv, m.base, <usize>m.len); c.invLen = m.len;
  if (fromLen > 0 && fromLen <= UA_PEER_CAP) { memory.copy(area(i, B_PEER), m.base + <usize>fromOff, <usize>fromLen); c.peerLen = fromLen; }
  if (!parseInv(i)) { c.invLen = 0; respond(m, peer, 500, true); return; }
  newTag(); memory.copy(area(i, B_LTAG), TAG, <usize>TAG_LEN);
  const d = dialogFromUasRequest(OMSG, area(i, B_LTAG), TAG_LEN, now);
  if (d < 0) { c.invLen = 0; respond(m, peer, 486, true); return; }
  c.dlg = d; c.peer = peer; c.state = C_RINGING; c.outgoing = 0;
  const call = handleOf(i);
  // 180 Ringing (§13.3.1.1): stops the proxy's INVITE retransmissions while the app decides
  wStart(W, BUILD, SRV_BUILD_CAP);
  const n = uaBuildResponse(W, OMSG, 180, LOCAL, area(i, B_LTAG), TAG_LEN, "", 0, 0);
  if (n > 0 && n <= UA_RESP_CAP) { memory.copy(area(i, B_RESP), BUILD, <usize>n); c.respLen = n; peerSend(peer, area(i, B_RESP), n); }
  evPush(UaEv.Invited, call, viaCount(OMSG), inv + <usize>OMSG.bodyOff, OMSG.bodyLen, inv + <usize>fromOff, fromLen, "");
}

function onAck(now: f64): void {
  const d = uaCheckDialog(MSG, now);
  if (d != 0) return;                       // §17: an ACK is never answered
  const i = slotByDialog(uaDialog());
  if (i < 0) return;
  const c = callAt(i);
  if (c.state != C_IN_UP) return;
  c.respLen = 0;                            // §13.3.1.4: the 2xx is acknowledged
  c.okResendAt = -1;
  ev(UaEv.Acked, handleOf(i), viaCount(MSG));
}

/** §9.2: CANCEL of an INVITE we are ringing on: 200, then 487 for the INVITE. */
function onCancel(peer: u32): void {
  const m = MSG;
  let found = -1;
  if (callIdOf(m) && m.firstCSeq >= 0 && cseqParse(m.base, m.valOff(m.firstCSeq), m.valLen(m.firstCSeq), CS) == SipErr.Ok) {
    for (let i = 0; i < UA_CALL_MAX; i++) {
      const c = callAt(i);
      if (c.state == C_RINGING && c.inCseq == CS.num && sameCallId(m, i) && parseInv(i)) { found = i; break; }
    }
  }
  wStart(W2, BUILD2, BUILD2_CAP);
  wStart(W, BUILD, SRV_BUILD_CAP);
  const tag = found >= 0 ? area(found, B_LTAG) : TAG;
  const r = uaOnCancel(W2, m, found >= 0, false, W, OMSG, tag, TAG_LEN);
  if (r < 0) return;
  peerSend(peer, BUILD2, W2.len);
  if (r == 200 && found >= 0) {
    const c = callAt(found);
    if (W.len > 0 && W.len <= UA_RESP_CAP) { memory.copy(area(found, B_RESP), BUILD, <usize>W.len); c.respLen = W.len; peerSend(c.peer, area(found, B_RESP), c.respLen); }
    const call = handleOf(found);
    c.dlg = -1;                  // uaOnCancel ended the early dialog
    slotFree(found, true);       // the 487 stays for a retransmitted INVITE
    ev(UaEv.Cancelled, call, 487);
  }
}

function dispatch(peer: u32, now: f64): void {
  if (MSG.isRequest != 0) onRequest(peer, now);
  else onResponse(now);
}

// ---- transport entry points (mirror assembly/server/server.ts) -----------------------------------

export function uaDatagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  if (!ready || fromLen <= 0 || len <= 0 || fromLen + len > INBOX_CAP) return -1;
  enter();
  const r = datagram(base, sock, fromLen, len, now);
  leave();
  return r;
}
function datagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
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
  enter();
  const r = connAccept(base, addrLen);
  leave();
  return r;
}

export function uaStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  if (!ready || !connValid(conn) || len < 0 || len > INBOX_CAP) return -1;
  enter();
  const r = stream(base, conn, len, now);
  leave();
  return r;
}
function stream(base: usize, conn: i32, len: i32, now: f64): i32 {
  const s: SipStream = connStream(conn);
  let off = 0;
  for (let g = 0; g <= len + 2; g++) {
    if (off < len) off += sipStreamFeed(s, base + <usize>off, len - off);
    const r = sipStreamNext(s, MSG);
    if (r > 0) {
      dispatch(connPeer(conn), now);
      // plain UA mode: each message's events leave now, so the arena never holds more than one
      if (jsonEvents) evJson();
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
  enter();
  connFree(conn);
  leave();
}

/** Timers: transactions (§17), the REGISTER refresh (§10.2.4), each call's 2xx re-sends (§13.3.1.4). */
export function uaTimer(now: f64): void {
  if (!ready) return;
  enter();
  txnOnTimer(now);
  drain(now);
  if (regRefreshAt >= 0 && now >= regRefreshAt && regTxn < 0) sendRegister(regAsk, now);
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    if (c.okResendAt < 0 || now < c.okResendAt) continue;
    if (c.state != C_IN_UP || c.respLen <= 0) { c.okResendAt = -1; continue; }
    if (now >= c.okResendEnd) {
      // §13.3.1.4: no ACK within 64*T1: end the dialog with a BYE and tell the app
      c.okResendAt = -1;
      const call = handleOf(i);
      evError(call, 408, "no ACK for 200");
      if (cmdHangup(i, now) != UaErr.Ok) { callEnd(i); ev(UaEv.Ended, call, 408); }
      continue;
    }
    peerSend(c.peer, area(i, B_RESP), c.respLen);
    c.okResendIv = c.okResendIv * 2 < T2_MS ? c.okResendIv * 2 : T2_MS;
    c.okResendAt = now + c.okResendIv;
    if (c.okResendAt > c.okResendEnd) c.okResendAt = c.okResendEnd;
  }
  leave();
}

export function uaNextDeadline(): f64 {
  let t = minDeadline(txnNextDeadline(), regTxn < 0 ? regRefreshAt : -1.0);
  for (let i = 0; i < UA_CALL_MAX; i++) {
    const c = callAt(i);
    if (c.state == C_IN_UP) t = minDeadline(t, c.okResendAt);
  }
  return t;
}
function minDeadline(a: f64, b: f64): f64 {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}
