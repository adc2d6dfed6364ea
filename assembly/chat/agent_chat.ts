// The chat role of the agent: the OMA SIMPLE IM chat flow (shared/design/CHAT-FLOW.md) glued
// from the layers below, sans-I/O. One instance is a chat HOST (the focus: it INVITEs
// participants, terminates every participant's MSRP session and relays messages; on a handset
// or as a server-hosted room) or a PARTICIPANT (it accepts an invitation, opens MSRP to the
// host, sends and receives). This file is the SIP side of the role, its commands and its entry
// points; the other concerns have their own files:
//
//   chat/links.ts     the role state and one link per dialog + MSRP session, app events
//   chat/messages.ts  incoming messages, the relay (custody, per-member queues), own sends
//   chat/notices.ts   roster notices (RFC 4575 in message/cpim)
//   chat/focus.ts     roster, who gets what, CPIM From rewritten (RFC 7701 §6)
//   ua/agent_ua.ts    REGISTER, one INVITE dialog per participant (call handles)
//   msrp/session.ts   sessions, binding, receiving (msrp/inbound.ts); msrp/sendq.ts sending
//
// The order of the seed (steps 2-9): the host offers `a=setup:passive` (RFC 6135) with its
// a=path; the participant connects, binds with an empty SEND (RFC 4975 §7.1.1), and only when
// the host's MSRP 200 arrives answers the INVITE with 200 OK (`a=setup:active`); the host
// ACKs through the IM server.
//
// Back-pressure without polling: chatMsrpStream takes only what the relay can hold (feedStep)
// and remembers the connection; when room comes back a RESUME record names it. An app send
// that was only partly taken gets a SEND_READY record. Frames left for lack of outbox room ask
// for a WAKE. Evictions: a member whose send queue makes no progress for the stall limit is
// cut off (BYE, "left" with the reason for everyone).
//
// App events (JSON EVENT records): registered, invited{from}, joined{member}, message{from,id,
// bytes[,private]}, left{member[,reason,code]}, ended{reason}, error{name,code,reason[,member]}.

import {
  CHAT_MEMBER_MAX, CHAT_AOR_CAP, SRV_ADDR_CAP, SDP_ATTR_MAX, SDP_MEDIA_MAX, OUTBOX_CAP, MSRP_Q_STALL_MS, MSRP_IN_IDLE_MS,
} from "../mem/limits";
import { eqNoCase } from "../mem/bytes";
import {
  outPush, outEventOpen, outEventClose, outStr, outJsonBytes, outDec, OUT_SEND_STREAM, OUT_CONNECT, OUT_CLOSE,
  OUT_RESUME, OUT_SEND_READY, OUT_WAKE, outboxFree,
} from "../mem/outbox";
import { rnd64 } from "../server/common";
import { splitAddr, splitHostLen, splitPort } from "../server/net";
import {
  uaStart, uaStop, uaSetJsonEvents, uaEvPop, uaEvCall, uaEvCode, uaEvPtr, uaEvLen, uaEvAuxPtr,
  uaEvAuxLen, uaEvReason, UaEv, uaCallStart, uaCallAccept, uaCallReject, uaCallHangup,
  uaDatagram, uaStreamOpen, uaStream, uaStreamClosed, uaTimer, uaNextDeadline, uaMessageSend,
} from "../ua/agent_ua";
import {
  msrpSessionCreate, msrpSessionSetRemote, msrpOnConnOpen, msrpOnConnClosed, msrpSessionClose, msrpOnStream,
  msrpOnTimer, msrpNextDeadline, msrpActPop, msrpActSession, msrpActConn, msrpActPtr, msrpActLen, msrpActIdPtr,
  msrpActIdLen, msrpActCode, msrpActMsg, msrpActAux, MsrpAct, msrpSessionConn, msrpSessReset, msrpSessionSetAccept,
  MSRP_ACCEPT_CPIM, MSRP_ACCEPT_TEXT, msrpSessionSetActive, msrpSessionState, msrpRelaySet, msrpRelayConnOpen,
  msrpRelayState, msrpSessionUseRelay, msrpSessionPath, msrpSessionPathPtr, MsrpRelayState, msrpSetInIdleMs,
  msrpPendingOut, msrpPoll, msrpConnHold, msrpConnInBody,
} from "../msrp/session";
import { sqReset, sqOpen, sqClose, sqFlush, sqOnResponse, sqOnTimer, sqNextDeadline, sqSetStallMs, sqNeedsWake } from "../msrp/sendq";
import {
  focusReset, focusCreate, focusInvite, focusJoin, focusLeave, focusEnd, focusActCount, focusAct, ChatActKind,
} from "./focus";
import { ChatErr } from "./roster";
import { SdpView, SdpMedia, sdpViewAt, parseSdp, SdpSetup, SdpConn } from "../wire/sdp";
import { SdpBuildParams, buildMsrpSdp } from "../wire/sdp_build";
import {
  R, SELF, Link, linkAt, aorOf, linkByCall, linkBySess, linkByMember, HOST_MEMBER, L_FREE, L_INVITING, L_OFFERED,
  L_BINDING, L_ANSWERED, L_UP, L_LEAVING, ev0, evMember, evError, evLeft, evEnded, putLit,
} from "./links";
import {
  messagesReset, onPiece, onDone, onAborted, feedStep, drainResults, stalledNext, forgetRecipient, sendStart,
  sendData, sendRoom, sending, sendReadyNow, assertLinkForgotten,
} from "./messages";
import { noticeSend, noticeFull, noticesReset } from "./notices";

// ---- public constants ---------------------------------------------------------------------------

/** chatStart flags. */
export const CHAT_HOST: i32 = 1;
/** Participant: accept every invitation without asking the app. */
export const CHAT_AUTO_ACCEPT: i32 = 2;
/** With CHAT_HOST: a server-hosted room (seed step 1, "hosted on the IM Server as well"): the
 *  focus is not a member itself; the room ends when fewer than two members remain. */
export const CHAT_ROOM: i32 = 4;
/** With CHAT_HOST: offer without a=setup, as a plain RFC 4975 endpoint does (the offerer then
 *  connects after the answer, §5.4) — for peers that do not do RFC 6135, and to test that path. */
export const CHAT_OFFER_NO_SETUP: i32 = 8;

/** Results of the chat commands (0 = ok); each has a name and a protocol code (tables below). */
export const enum ChatCmdErr {
  Ok = 0, NotReady = 1, BadArg = 2, NotHost = 3, NoChat = 4, Full = 5, NoInvite = 6, Busy = 7, Sip = 8, Msrp = 9,
  NoMember = 11,
  /** Not an error: every queue is full of messages in flight; SEND_READY says when to retry. */
  Wait = 12,
}
// @ts-ignore: decorator
@lazy const CMD_CODE = memory.data<u16>([0, 500, 400, 403, 481, 486, 481, 486, 503, 503, 500, 404]);
export function chatCmdCode(e: i32): i32 { return e <= 0 || e > ChatCmdErr.NoMember ? 500 : <i32>load<u16>(CMD_CODE + <usize>(e << 1)); }
export function chatCmdName(e: i32): string {
  switch (e) {
    case ChatCmdErr.NotReady: return "not_started";
    case ChatCmdErr.BadArg: return "bad_argument";
    case ChatCmdErr.NotHost: return "not_host";
    case ChatCmdErr.NoChat: return "not_in_chat";
    case ChatCmdErr.Full: return "chat_full";
    case ChatCmdErr.NoInvite: return "no_invitation";
    case ChatCmdErr.Busy: return "send_in_progress";
    case ChatCmdErr.Sip: return "sip_failed";
    case ChatCmdErr.Msrp: return "msrp_failed";
    case ChatCmdErr.NoMember: return "no_such_member";
  }
  return "error";
}
export function chatCmdReason(e: i32): string {
  switch (e) {
    case ChatCmdErr.Ok: return "ok";
    case ChatCmdErr.NotReady: return "chat agent not started";
    case ChatCmdErr.BadArg: return "bad argument";
    case ChatCmdErr.NotHost: return "only the host can invite";
    case ChatCmdErr.NoChat: return "not in a chat";
    case ChatCmdErr.Full: return "no free member slot";
    case ChatCmdErr.NoInvite: return "no pending invitation";
    case ChatCmdErr.Busy: return "a message is being sent";
    case ChatCmdErr.Sip: return "SIP request could not be sent";
    case ChatCmdErr.Msrp: return "MSRP session could not be set up";
    case ChatCmdErr.NoMember: return "no such member in the chat";
  }
  return "error";
}

/** MSRP connection ids given to the host start here (SIP connections are 0..CONN_MAX-1). */
export const MSRP_CONN_ID_BASE: i32 = 256;
/** Connection kinds (chatConnKind): what the host's tap calls a connection. */
export const CONN_SIP: i32 = 1;
export const CONN_MSRP: i32 = 2;
export function chatConnKind(conn: i32): i32 { return conn >= MSRP_CONN_ID_BASE ? CONN_MSRP : CONN_SIP; }

// ---- links ---------------------------------------------------------------------------------------

function linkNew(): i32 {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state != L_FREE) continue;
    memory.fill(changetype<usize>(l), 0, <usize>offsetof<Link>());
    l.call = -1; l.sess = -1; l.q = -1;
    return i;
  }
  return -1;
}
/** Ends a link: its send queue (what it still held is reported), its MSRP session (the
 *  connection closes with its last session, §5.4; messages it was sending end with '#'). */
function linkFree(i: i32, code: i32): void {
  const l = linkAt(i);
  if (l.state == L_FREE) return;
  if (l.q >= 0) sqClose(l.q, code);
  forgetRecipient(i);
  assertLinkForgotten(i);
  if (l.sess >= 0) msrpSessionClose(l.sess);
  l.sess = -1; l.call = -1; l.q = -1;
  l.state = L_FREE;
}

let nextConnId: i32 = MSRP_CONN_ID_BASE;
let registeredOnce = false;

const MHOST: usize = memory.data(SRV_ADDR_CAP, 8);         // MSRP listen host (IPv6 in brackets)
let mhostLen: i32 = 0;
let mport: i32 = 0;

const SDPBUF: usize = memory.data(2048, 8);
const SDPP = changetype<SdpBuildParams>(memory.data(offsetof<SdpBuildParams>(), 8));
const SDPV: SdpView = sdpViewAt(memory.data(offsetof<SdpView>(), 8), memory.data(SDP_ATTR_MAX * 20, 8),
  memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
const RND: usize = memory.data(16, 8);
const ACCEPT_TYPES = "message/cpim text/plain";
const WRAPPED_TYPES = "text/plain application/conference-info+xml";
const CPIM_CT = "message/cpim";
// byte copies of the literals the builders take as spans (written once by chatStart)
const B_DASH: usize = memory.data(4, 8);
const B_ACCEPT: usize = memory.data(64, 8);
const B_WRAPPED: usize = memory.data(64, 8);
function literalsOnce(): void {
  store<u8>(B_DASH, 45);
  putLit(B_ACCEPT, 0, ACCEPT_TYPES);
  putLit(B_WRAPPED, 0, WRAPPED_TYPES);
}

/** Connections whose bytes were not all taken (they wait for RESUME). */
const BLOCKED: usize = memory.data((CHAT_MEMBER_MAX + 2) * 4, 8);
let blockedCount: i32 = 0;
function blockConn(conn: i32): void {
  for (let j = 0; j < blockedCount; j++) if (load<i32>(BLOCKED + <usize>(j * 4)) == conn) return;
  // the list holds every MSRP connection of the role (one per member + the relay's)
  assert(blockedCount < CHAT_MEMBER_MAX + 2, "more held connections than members");
  store<i32>(BLOCKED + <usize>(blockedCount * 4), conn); blockedCount++;
  msrpConnHold(conn, true, R.lastNow);
}

// ---- start -----------------------------------------------------------------------------------------

/**
 * inbox: AOR [aorL], server "ip:port" [srvL], SIP listen "ip:port" [sipL], MSRP listen "ip:port"
 * [msrpL]. Starts the UA (REGISTER) with its events kept for this layer. Returns 0 or an error.
 */
export function chatStart(base: usize, aorL: i32, srvL: i32, sipL: i32, msrpL: i32, transport: i32, expiresS: i32,
                          flags: i32, seedLo: u32, seedHi: u32, now: f64): i32 {
  R.ready = 0;
  literalsOnce();
  if (aorL <= 0 || aorL > CHAT_AOR_CAP || msrpL <= 0 || msrpL > SRV_ADDR_CAP) return ChatCmdErr.BadArg;
  const mp = base + <usize>(aorL + srvL + sipL);
  if (!splitAddr(mp, msrpL)) return ChatCmdErr.BadArg;
  mhostLen = splitHostLen; mport = splitPort;
  memory.copy(MHOST, mp, <usize>mhostLen);
  memory.copy(SELF, base, <usize>aorL); R.selfLen = aorL;
  uaSetJsonEvents(false);
  const r = uaStart(base, aorL, srvL, sipL, transport, expiresS, seedLo, seedHi, now);
  if (r != 0) { uaSetJsonEvents(true); return r + 100; }
  R.isHost = (flags & CHAT_HOST) != 0 ? 1 : 0;
  R.isRoom = 0;
  stallLimitMs = MSRP_Q_STALL_MS;
  idleLimitMs = MSRP_IN_IDLE_MS;
  R.offerNoSetup = (flags & CHAT_OFFER_NO_SETUP) != 0 ? 1 : 0;
  R.autoAccept = (flags & CHAT_AUTO_ACCEPT) != 0 ? 1 : 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) linkAt(i).state = L_FREE;
  // a restart forgets every MSRP session, connection, queue, relay and notice of the previous run
  msrpSessReset();
  sqReset();
  sqSetStallMs(R.isHost != 0 ? stallLimitMs : 2 * stallLimitMs);
  msrpSetInIdleMs(R.isHost != 0 ? idleLimitMs : 2 * idleLimitMs);
  messagesReset();
  noticesReset();
  relayOn = false;
  blockedCount = 0;
  focusReset();
  R.chat = -1;
  registeredOnce = false;
  R.ended = 0;
  R.lastNow = now;
  if (R.isHost != 0) {
    // step 1: the chat URI of a handset-hosted chat is the host's AOR (RFC 7701 §4 lets any URI name the room)
    R.isRoom = (flags & CHAT_ROOM) != 0 ? 1 : 0;
    R.chat = R.isRoom != 0
      ? focusCreate(SELF, R.selfLen, HOST_MEMBER, SELF, 0)
      : focusCreate(SELF, R.selfLen, HOST_MEMBER, SELF, R.selfLen);
    if (R.chat < 0) { uaStop(); return ChatCmdErr.NoChat; }
  }
  R.ready = 1;
  drainUa(now);
  return ChatCmdErr.Ok;
}
export function chatReady(): bool { return R.ready != 0; }
export function chatStop(): void { R.ready = 0; uaSetJsonEvents(true); }

/**
 * The relay's time limits (ms; 0 = the default of mem/limits.ts): stallMs — a member whose
 * queue makes no progress this long is evicted; idleMs — an incoming message whose next chunk
 * does not come this long is aborted.
 */
export function chatSetLimits(stallMs: i32, idleMs: i32): void {
  stallLimitMs = stallMs > 0 ? stallMs : MSRP_Q_STALL_MS;
  sqSetStallMs(R.isHost != 0 ? stallLimitMs : 2 * stallLimitMs);
  idleLimitMs = idleMs > 0 ? idleMs : MSRP_IN_IDLE_MS;
  msrpSetInIdleMs(R.isHost != 0 ? idleLimitMs : 2 * idleLimitMs);
}
/** A participant gives its host twice both limits: the host may rightly hold it back for up to
 *  one stall limit while it cuts off a slow member, and it is the host that aborts (with '#') a
 *  relayed message whose sender went quiet. */
let idleLimitMs: i32 = MSRP_IN_IDLE_MS;
let stallLimitMs: i32 = MSRP_Q_STALL_MS;

// ---- SDP ------------------------------------------------------------------------------------------

/** Our SDP for link i (offer: setup passive; answer: setup active) into SDPBUF; its length or -1. */
function buildSdp(i: i32, setup: i32): i32 {
  const l = linkAt(i);
  const a = SDPP;
  // o= username "-" (RFC 4566 §5.2: no user id); literals are UTF-16, so bytes live in BYTES
  a.userPtr = B_DASH; a.userLen = 1;
  a.sessId = rnd64() >> 1; a.sessVersion = 1;
  let v6 = 0; let ap = MHOST; let al = mhostLen;
  if (al >= 2 && load<u8>(ap) == 91) { v6 = 1; ap += 1; al -= 2; }
  a.ipv6 = v6; a.addrPtr = ap; a.addrLen = al;
  a.port = mport; a.tls = 0;
  a.acceptPtr = B_ACCEPT; a.acceptLen = ACCEPT_TYPES.length;
  a.wrappedPtr = B_WRAPPED; a.wrappedLen = WRAPPED_TYPES.length;
  a.maxSize = 0;
  // RFC 4976 §5.1: through a relay our a=path is its Use-Path, then our URI
  a.pathLen = msrpSessionPath(l.sess); a.pathPtr = msrpSessionPathPtr();
  a.setup = setup; a.connection = setup == SdpSetup.None ? SdpConn.None : SdpConn.New;
  a.fpLen = 0;
  return buildMsrpSdp(SDPBUF, 1536, a);
}

/** Parses an SDP body; returns the index of the first MSRP media section or -1. */
function sdpMsrp(p: usize, n: i32): i32 {
  if (n <= 0 || parseSdp(SDPV, p, n, 2) < 0) return -1;
  for (let k = 0; k < SDPV.mediaCount; k++) {
    const m = SDPV.m(k);
    if (m.isMsrp != 0 && m.port != 0 && m.pathLen > 0) return k;
  }
  return -1;
}
/** a=accept-types of media k lists message/cpim or * (RFC 4975 §8.6, RFC 7701 §5). */
function acceptsCpim(p: usize, k: i32): bool {
  const m = SDPV.m(k);
  const s = p + <usize>m.acceptOff, e = m.acceptLen;
  let i = 0;
  while (i < e) {
    while (i < e && load<u8>(s + <usize>i) == 32) i++;
    let j = i;
    while (j < e && load<u8>(s + <usize>j) != 32) j++;
    if (j > i && (eqNoCase(s + <usize>i, j - i, CPIM_CT) || eqNoCase(s + <usize>i, j - i, "*"))) return true;
    i = j + 1;
  }
  return false;
}

/** A session for link i and its send queue; false when either pool is full. */
function newSession(i: i32, active: bool): bool {
  const l = linkAt(i);
  store<u64>(RND, rnd64()); store<u64>(RND, rnd64(), 8);
  const h = msrpSessionCreate(RND, 16, MHOST, mhostLen, mport, active);
  if (h < 0) return false;
  // RFC 4976 §5: with a relay every session runs through it (AUTH must be done: its Use-Path
  // goes into our a=path); without a usable relay the session cannot be offered or answered
  if (relayOn && msrpSessionUseRelay(h) != 0) { msrpSessionClose(h); return false; }
  // what our a=accept-types offers; any other type is refused with 415 (RFC 4975 §7.3, §8.6)
  msrpSessionSetAccept(h, MSRP_ACCEPT_CPIM | MSRP_ACCEPT_TEXT);
  const q = sqOpen(h, R.lastNow);
  if (q < 0) { msrpSessionClose(h); return false; }
  l.sess = h; l.q = q;
  return true;
}

// ---- MSRP relay (RFC 4976) --------------------------------------------------------------------

let relayOn = false;

/**
 * Configures an MSRP relay (RFC 4976): inbox = relay URI "msrp://HOST:PORT" [uriL], digest
 * user [userL], password [passL]. Call after chatStart. The relay connection opens at once
 * (CONNECT record) and AUTH goes out; {"event":"relay","state":"ready"} follows the 200 (the
 * Use-Path), {"event":"error",...} a failure. Until ready, invitations cannot be offered or
 * answered. 0 or a ChatCmdErr.
 */
export function chatSetRelay(base: usize, uriL: i32, userL: i32, passL: i32, now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  if (uriL <= 0 || userL < 0 || passL < 0) return ChatCmdErr.BadArg;
  R.lastNow = now;
  store<u64>(RND, rnd64()); store<u64>(RND, rnd64(), 8);
  if (msrpRelaySet(base, uriL, base + <usize>uriL, userL, base + <usize>(uriL + userL), passL, RND, 16,
    MHOST, mhostLen, mport, now) != 0) return ChatCmdErr.BadArg;
  relayOn = true;
  pump(now);
  return ChatCmdErr.Ok;
}
/** 0 none, 1 connecting, 2 authenticating, 3 ready, 4 failed (MsrpRelayState). */
export function chatRelayState(): i32 { return relayOn ? msrpRelayState() : MsrpRelayState.None; }

// ---- app commands ------------------------------------------------------------------------------

/** Host: invite the AOR at [p, p+n) (seed step 2). */
export function chatInvite(p: usize, n: i32, now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  if (R.isHost == 0 || R.chat < 0) return ChatCmdErr.NotHost;
  if (n <= 4 || n > CHAT_AOR_CAP) return ChatCmdErr.BadArg;
  R.lastNow = now;
  const i = linkNew();
  if (i < 0) return ChatCmdErr.Full;
  const l = linkAt(i);
  memory.copy(aorOf(i), p, <usize>n); l.aorLen = n;
  l.state = L_INVITING;
  if (!newSession(i, false)) { linkFree(i, 503); return ChatCmdErr.Msrp; }
  const sl = buildSdp(i, R.offerNoSetup != 0 ? SdpSetup.None : SdpSetup.Passive);
  if (sl <= 0) { linkFree(i, 500); return ChatCmdErr.Msrp; }
  const fe = focusInvite(R.chat, <u32>(i + 1), aorOf(i), n);
  if (fe != 0) {
    linkFree(i, 486);
    // the roster is full (the host counts as a member), or the AOR is in it already / unusable
    return fe == ChatErr.PoolFull ? ChatCmdErr.Full : fe == ChatErr.Duplicate ? ChatCmdErr.Busy : ChatCmdErr.BadArg;
  }
  const c = uaCallStart(aorOf(i), n, SDPBUF, sl, now);
  if (c < 0) { focusLeave(R.chat, <u32>(i + 1)); linkFree(i, 503); drainFocus(now, false); return ChatCmdErr.Sip; }
  l.call = c;
  pump(now);
  return ChatCmdErr.Ok;
}

/**
 * Asks the IM server's chat factory (factory URI, e.g. sip:chat@domain) to create a room and
 * invite the members listed in [listP, listP+listLen): a text/uri-list body (RFC 2483, one URI
 * per line), sent as a pager-mode MESSAGE (RFC 3428). The room then INVITEs everyone on the
 * list — us too — with the same flow as a handset host.
 */
export function chatCreateRoom(factoryP: usize, factoryLen: i32, listP: usize, listLen: i32, now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  if (R.isHost != 0 || factoryLen <= 4 || listLen <= 0) return ChatCmdErr.BadArg;
  R.lastNow = now;
  const r = uaMessageSend(factoryP, factoryLen, "text/uri-list", listP, listLen, now);
  pump(now);
  return r == 0 ? ChatCmdErr.Ok : ChatCmdErr.Sip;
}

/** Participant: accept the pending invitation: connect + bind MSRP first (seed steps 4-5). */
export function chatAccept(now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  R.lastNow = now;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    if (linkAt(i).state == L_OFFERED) { startBinding(i, now); pump(now); return ChatCmdErr.Ok; }
  }
  return ChatCmdErr.NoInvite;
}
/** Participant: decline the pending invitation (code 300-699, e.g. 486 / 603). */
export function chatReject(code: i32, now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  if (code < 300 || code > 699) return ChatCmdErr.BadArg;
  R.lastNow = now;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state == L_OFFERED) { uaCallReject(l.call, code, now); linkFree(i, 487); pump(now); return ChatCmdErr.Ok; }
  }
  return ChatCmdErr.NoInvite;
}

/** Leave (participant: BYE to the host, step 15) or end the chat (host: BYE to all, steps 16-20). */
export function chatLeave(now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  R.lastNow = now;
  if (R.isHost != 0) {
    if (R.chat < 0) return ChatCmdErr.NoChat;
    focusEnd(R.chat);
    drainFocus(now, false);
    pump(now);
    return ChatCmdErr.Ok;
  }
  let any = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state == L_FREE || l.state == L_LEAVING) continue;
    any = true;
    if (l.state == L_OFFERED) { uaCallReject(l.call, 603, now); linkFree(i, 487); continue; }
    uaCallHangup(l.call, now);
    l.state = L_LEAVING;
  }
  pump(now);
  return any ? ChatCmdErr.Ok : ChatCmdErr.NoChat;
}

/**
 * Starts an app message: CPIM From = us, To = the room (toLen 0) or one member (private,
 * RFC 7701 §7), content text/plain of `total` bytes that follow with chatSendData. Several
 * messages may be queued one after the other (each is taken whole before the next starts).
 */
export function chatSendStart(toP: usize, toLen: i32, total: i64, now: f64): i32 {
  if (R.ready == 0) return ChatCmdErr.NotReady;
  if (total < 0 || toLen < 0 || toLen > CHAT_AOR_CAP) return ChatCmdErr.BadArg;
  R.lastNow = now;
  const r = sendStart(toP, toLen, total, now);
  pump(now);
  return r;
}
/** Content bytes chatSendData would take now. */
export function chatSendRoom(): i32 { return R.ready == 0 ? 0 : sendRoom(); }
/** Content bytes of the app message; returns how many were taken (0..n), -1 when none is open.
 *  Fewer than n: a SEND_READY record says when to offer the rest. */
export function chatSendData(p: usize, n: i32, now: f64): i32 {
  if (R.ready == 0) return -1;
  R.lastNow = now;
  const r = sendData(p, n, now);
  pump(now);
  return r;
}
export function chatSending(): bool { return sending(); }

// ---- the pump: every queue drained, in a bounded loop -----------------------------------------

function pump(now: f64): void {
  for (let g = 0; g < 16; g++) {
    drainUa(now);
    drainMsrp(now);
    drainResults(now);
    evictStalled(now);
    sqFlush(now);
    drainMsrp(now);
    if (msrpPendingOut() > 0 && outboxFree() > 16384) { msrpPoll(now); drainMsrp(now); continue; }
    break;
  }
  signalRoom();
}

/** Tells the host what may go on now: held connections (RESUME), a waiting app send
 *  (SEND_READY), frames that did not fit this outbox (WAKE). */
function signalRoom(): void {
  for (let j = 0; j < blockedCount; ) {
    const conn = load<i32>(BLOCKED + <usize>(j * 4));
    if (feedStep(conn, false) > 0 && outPush(OUT_RESUME, conn, 0, 0, 0, 0)) {
      msrpConnHold(conn, false, R.lastNow);
      blockedCount--;
      store<i32>(BLOCKED + <usize>(j * 4), load<i32>(BLOCKED + <usize>(blockedCount * 4)));
      continue;
    }
    j++;
  }
  if (sendReadyNow()) outPush(OUT_SEND_READY, 0, 0, 0, 0, 0);
  if (sqNeedsWake()) outPush(OUT_WAKE, 0, 0, 0, 0, 0);
}

/** Members whose queue stalled past the limit are cut off: BYE, "left" with the reason. */
function evictStalled(now: f64): void {
  for (let g = 0; g < CHAT_MEMBER_MAX; g++) {
    const i = stalledNext();
    if (i < 0) return;
    const l = linkAt(i);
    if (l.state == L_FREE) continue;
    if (R.isHost == 0) {
      // our host does not take our messages: the chat is over for us
      evError(408, "host_stalled", "host does not answer our messages", aorOf(i), l.aorLen);
      if (l.state != L_LEAVING) uaCallHangup(l.call, now);
      linkFree(i, 408);
      evEnded("host stalled");
      continue;
    }
    const wasUp = l.state == L_UP;
    evLeft(aorOf(i), l.aorLen, "evicted: stalled", 408);
    if (l.state != L_LEAVING) uaCallHangup(l.call, now);
    l.state = L_LEAVING;
    linkFree(i, 408);
    // the link keeps its AOR bytes: the focus tells everyone else who left
    if (wasUp && R.chat >= 0) { focusLeave(R.chat, <u32>(i + 1)); drainFocus(now, true); }
  }
}

// ---- SIP events ---------------------------------------------------------------------------------

function drainUa(now: f64): void {
  for (let g = 0; g < 256; g++) {
    const k = uaEvPop();
    if (k == UaEv.None) return;
    const call = uaEvCall(), code = uaEvCode();
    if (k == UaEv.Registered) { if (!registeredOnce) { registeredOnce = true; ev0("registered"); } }
    else if (k == UaEv.Invited) onInvited(call, uaEvPtr(), uaEvLen(), uaEvAuxPtr(), uaEvAuxLen(), now);
    else if (k == UaEv.Answered) onAnswered(call, uaEvPtr(), uaEvLen(), now);
    else if (k == UaEv.Acked) onAcked(call);
    else if (k == UaEv.Bye) onPeerGone(call, now);
    else if (k == UaEv.Ended) onOurEnd(call, now);
    else if (k == UaEv.Cancelled) onCancelled(call, now);
    else if (k == UaEv.Failed) onInviteFailed(call, code, now);
    else if (k == UaEv.MessageResult) {
      if (code >= 300 || code < 200) evError(code, "room_refused", "room request refused", 0, 0);
    }
    else if (k == UaEv.Error) {
      const r = uaEvReason();
      if (outEventOpen()) {
        outStr("{\"event\":\"error\",\"name\":\"sip_error\",\"code\":"); outDec(<u32>code); outStr(",\"reason\":\""); outStr(r); outStr("\"}");
        outEventClose();
      }
    }
  }
}

/** Participant: an invitation (seed step 3). */
function onInvited(call: i32, sdp: usize, sdpLen: i32, from: usize, fromLen: i32, now: f64): void {
  if (R.isHost != 0) { uaCallReject(call, 486, now); return; }   // a host does not join other chats
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    if (linkAt(i).state != L_FREE) { uaCallReject(call, 486, now); return; }   // one chat at a time
  }
  const k = sdpMsrp(sdp, sdpLen);
  // RFC 3264 §6 / RFC 4975 §8: no usable MSRP stream -> 488; the host must accept message/cpim
  if (k < 0 || !acceptsCpim(sdp, k)) { uaCallReject(call, 488, now); return; }
  const m = SDPV.m(k);
  const setup = m.setup != SdpSetup.None ? m.setup : SDPV.setup;
  // RFC 6135 §4.1: we connect when the offerer is passive or actpass (the seed's order: bind
  // before 200 OK); an active offerer — or one without a=setup, RFC 4975 §5.4's default —
  // connects to us after our answer; holdconn is not a chat (488)
  if (setup == SdpSetup.HoldConn) { uaCallReject(call, 488, now); return; }
  const weConnect = setup == SdpSetup.Passive || setup == SdpSetup.ActPass;
  const i = linkNew();
  if (i < 0) { uaCallReject(call, 486, now); return; }
  const l = linkAt(i);
  l.call = call;
  const fl = fromLen < CHAT_AOR_CAP ? fromLen : CHAT_AOR_CAP;
  memory.copy(aorOf(i), from, <usize>fl); l.aorLen = fl;
  l.state = L_OFFERED;
  l.passive = weConnect ? 0 : 1;
  R.ended = 0;
  if (!newSession(i, weConnect) || msrpSessionSetRemotePending(i, sdp + <usize>m.pathOff, m.pathLen) < 0) {
    uaCallReject(call, 500, now); linkFree(i, 500); return;
  }
  evMember("invited", "from", aorOf(i), l.aorLen);
  if (R.autoAccept != 0) startBinding(i, now);
}

// the host's a=path is kept until the app accepts (then msrpSessionSetRemote starts the connect)
const PENDING_PATH: usize = memory.data(CHAT_MEMBER_MAX * 512, 8);
const PENDING_LEN: usize = memory.data(CHAT_MEMBER_MAX * 4, 8);
function msrpSessionSetRemotePending(i: i32, p: usize, n: i32): i32 {
  if (n <= 0 || n > 512) return -1;
  memory.copy(PENDING_PATH + <usize>(i * 512), p, <usize>n);
  store<i32>(PENDING_LEN + <usize>(i * 4), n);
  return 0;
}

/** Seed step 4: connect to the host's path and bind with an empty SEND. With an active
 *  offerer (or none said, RFC 4975 default) we answer at once and wait for its bind instead. */
function startBinding(i: i32, now: f64): void {
  const l = linkAt(i);
  l.state = L_BINDING;
  const n = load<i32>(PENDING_LEN + <usize>(i * 4));
  if (msrpSessionSetRemote(l.sess, PENDING_PATH + <usize>(i * 512), n, now) != 0) {
    uaCallReject(l.call, 488, now);
    evError(488, "bad_offer", "unusable MSRP path from", aorOf(i), l.aorLen);
    linkFree(i, 488);
    return;
  }
  if (l.passive != 0) answerInvite(i, SdpSetup.Passive, now);
}

/** Participant: 200 OK with our SDP answer (a=path, a=setup) for link i's invitation. */
function answerInvite(i: i32, setup: i32, now: f64): void {
  const l = linkAt(i);
  const n = buildSdp(i, setup);
  if (n <= 0 || uaCallAccept(l.call, SDPBUF, n, now) != 0) {
    evError(500, "answer_failed", "could not answer", aorOf(i), l.aorLen);
    uaCallReject(l.call, 500, now);
    linkFree(i, 500);
    return;
  }
  l.state = L_ANSWERED;
}

/** Host: the invitee's 200 OK (seed step 7); the ACK went out already (step 8). */
function onAnswered(call: i32, sdp: usize, sdpLen: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  const k = sdpMsrp(sdp, sdpLen);
  let ok = k >= 0;
  if (ok) {
    const m = SDPV.m(k);
    const setup = m.setup != SdpSetup.None ? m.setup : SDPV.setup;
    // we offered passive (RFC 6135 §4.1): an active answerer connects to us (the seed's order).
    // An answer without a=setup (a plain RFC 4975 peer) or a passive one leaves the connecting
    // to us, the offerer (RFC 4975 §5.4): connect now, unless its bind already arrived.
    ok = setup != SdpSetup.HoldConn;
    if (ok && setup != SdpSetup.Active && msrpSessionState(l.sess) == 1 /* Idle: no bind yet */) {
      ok = msrpSessionSetActive(l.sess, true) == 0;
    }
    if (ok) ok = msrpSessionSetRemote(l.sess, sdp + <usize>m.pathOff, m.pathLen, now) == 0;
  }
  if (!ok) {
    evError(488, "bad_answer", "unusable SDP answer from", aorOf(i), l.aorLen);
    uaCallHangup(call, now);
    l.state = L_LEAVING;
    focusLeave(R.chat, <u32>(i + 1));
    drainFocus(now, false);
    return;
  }
  l.state = L_UP;
  focusJoin(R.chat, <u32>(i + 1));
  if (R.isRoom != 0) evMember("joined", "member", aorOf(i), l.aorLen);
  drainFocus(now, false);
  noticeFull(i, now);   // the newcomer learns who is there already
}

/** Participant: the host's ACK (seed step 9): we are in. */
function onAcked(call: i32): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  if (l.state != L_ANSWERED) return;
  l.state = L_UP;
  evMember("joined", "member", SELF, R.selfLen);
}

/** A BYE from the peer (step 15 at the host; steps 17-18 at a participant). */
function onPeerGone(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  if (R.isHost != 0) {
    const wasUp = linkAt(i).state == L_UP;
    linkFree(i, 481);
    if (R.isRoom != 0 && wasUp) evMember("left", "member", aorOf(i), linkAt(i).aorLen);
    focusLeave(R.chat, <u32>(i + 1));
    drainFocus(now, false);
    return;
  }
  linkFree(i, 481);
  evEnded("host ended the chat");
}

/** Our BYE (or CANCEL) completed. */
function onOurEnd(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  linkFree(i, 481);
  if (R.isHost == 0) evMember("left", "member", SELF, R.selfLen);
}

function onCancelled(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  evError(487, "invitation_cancelled", "invitation cancelled by", aorOf(i), l.aorLen);
  linkFree(i, 487);
}

/** Host: the INVITE to a member failed (3xx-6xx, 408) — it never joined. */
function onInviteFailed(call: i32, code: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  evError(code, "invitation_failed", "invitation failed for", aorOf(i), l.aorLen);
  linkFree(i, code);
  if (R.isHost != 0 && R.chat >= 0) { focusLeave(R.chat, <u32>(i + 1)); drainFocus(now, false); }
}

// ---- focus actions ------------------------------------------------------------------------------

/** Performs the focus's actions; call once right after each focus call (it keeps its list until
 *  the next). evicted: the member left because we cut it off (the host's own "left" went out). */
function drainFocus(now: f64, evicted: bool): void {
  const n = focusActCount();
  for (let a = 0; a < n; a++) {
    const x = focusAct(a);
    const kind = x.kind, to = x.to, about = x.about;
    if (kind == ChatActKind.Joined || kind == ChatActKind.Left) {
      // the member may be gone from the roster already (Left): its link keeps the AOR bytes
      if (about == 0 || about > <u32>CHAT_MEMBER_MAX) continue;
      const li = <i32>about - 1;
      // participants are told with a roster notice over their MSRP session (RFC 4575 body)
      if (to != HOST_MEMBER) { noticeSend(to, kind == ChatActKind.Joined, li, now); continue; }
      if (evicted && kind == ChatActKind.Left) continue;
      evMember(kind == ChatActKind.Joined ? "joined" : "left", "member", aorOf(li), linkAt(li).aorLen);
    } else if (kind == ChatActKind.Ended) {
      evEnded(R.isRoom != 0 ? "fewer than two members" : "chat ended");
    } else if (kind == ChatActKind.Bye || kind == ChatActKind.Cancel) {
      const i = linkByMember(to);
      if (i < 0) continue;
      const l = linkAt(i);
      if (l.state == L_LEAVING) continue;
      uaCallHangup(l.call, now);
      l.state = L_LEAVING;
    }
  }
  // a Fanout list is consumed by the relay right after focusOnMessage; an Ended chat is gone
  if (R.ended != 0 && R.isHost != 0) R.chat = -1;
}

// ---- MSRP actions -------------------------------------------------------------------------------

const IDCOPY: usize = memory.data(64, 8);

/** drainMsrp never runs inside itself: what the MSRP layer queues while its actions are being
 *  handled waits for the loop that is running (a nested drain would reorder them). */
let drainingMsrp = false;

function drainMsrp(now: f64): void {
  assert(!drainingMsrp, "drainMsrp inside drainMsrp");
  drainingMsrp = true;
  drainMsrpOnce(now);
  drainingMsrp = false;
}

function drainMsrpOnce(now: f64): void {
  for (let g = 0; g < 8192; g++) {
    const op = msrpActPop();
    if (op == MsrpAct.None) return;
    const s = msrpActSession(), conn = msrpActConn();
    if (op == MsrpAct.SendBytes) { outPush(OUT_SEND_STREAM, conn, 0, 0, msrpActPtr(), msrpActLen()); continue; }
    if (op == MsrpAct.Response) { sqOnResponse(conn, msrpActIdPtr(), msrpActIdLen(), msrpActCode(), now); continue; }
    if (op == MsrpAct.Connect) {
      const id = nextConnId++;
      if (nextConnId > 0x3fffffff) nextConnId = MSRP_CONN_ID_BASE;
      outPush(OUT_CONNECT, id, msrpActPtr(), msrpActLen(), 0, 0);
      msrpOnConnOpen(<u32>id, s, now);   // the host buffers writes until the connect completes
      continue;
    }
    if (op == MsrpAct.Close) { outPush(OUT_CLOSE, conn, 0, 0, 0, 0); continue; }
    if (op == MsrpAct.RelayConnect) {
      // RFC 4976 §5: the client connects to its relay; AUTH goes out at once (the host buffers
      // writes until the connect completes, as for session connects)
      const id = nextConnId++;
      if (nextConnId > 0x3fffffff) nextConnId = MSRP_CONN_ID_BASE;
      outPush(OUT_CONNECT, id, msrpActPtr(), msrpActLen(), 0, 0);
      msrpRelayConnOpen(<u32>id, now);
      continue;
    }
    if (op == MsrpAct.RelayReady) {
      if (outEventOpen()) {
        outStr("{\"event\":\"relay\",\"state\":\"ready\",\"usePath\":\""); outJsonBytes(msrpActPtr(), msrpActLen());
        outStr("\",\"expires\":"); outDec(<u32>msrpActCode()); outStr("}");
        outEventClose();
      }
      continue;
    }
    if (op == MsrpAct.RelayFailed) { evError(msrpActCode(), "relay_failed", "MSRP relay failed", 0, 0); continue; }
    const k = msrpActMsg();
    // copy what the record points into the MSRP arena before calling back into the MSRP layer
    let idl = msrpActIdLen();
    if (idl > 64) idl = 64;
    if (idl > 0) memory.copy(IDCOPY, msrpActIdPtr(), <usize>idl);
    const code = msrpActCode();
    if (op == MsrpAct.DeliverPiece) { onPiece(k, s, IDCOPY, idl, msrpActPtr(), msrpActLen(), code, msrpActAux(), now); continue; }
    if (op == MsrpAct.MessageDone) { onDone(k, now); continue; }
    if (op == MsrpAct.MessageAborted) { onAborted(k, code, now); continue; }
    const i = linkBySess(s);
    if (op == MsrpAct.SessionBound) { if (i >= 0) onBound(i, now); continue; }
    if (op == MsrpAct.SendFailed) { onSendFailed(i, code, now); continue; }
    if (op == MsrpAct.SessionLost) { if (i >= 0) onLost(i, now); continue; }
    if (op == MsrpAct.ReportResult) {
      // §7.1.2: the far end could not deliver a message of ours (the host names the member it
      // failed for in its own events; the sender learns that it did not reach everyone)
      if (code != 200 && i >= 0) evError(code, "not_delivered", "a message did not reach every member; reported by", aorOf(i), linkAt(i).aorLen);
      continue;
    }
    // MessageSent: the MSRP layer's own messages (binds) need nothing more
  }
}

/** Participant: the host's MSRP 200 to our bind (step 5) -> our SIP 200 OK (step 6). */
function onBound(i: i32, now: f64): void {
  const l = linkAt(i);
  if (R.isHost != 0 || l.state != L_BINDING) return;
  answerInvite(i, SdpSetup.Active, now);
}

function onSendFailed(i: i32, code: i32, now: f64): void {
  if (i < 0) return;
  const l = linkAt(i);
  if (l.state == L_BINDING) {
    // the bind failed (481/403 from the host, or the connection): decline the invitation
    evError(code, "bind_failed", "MSRP bind failed towards", aorOf(i), l.aorLen);
    uaCallReject(l.call, 488, now);
    linkFree(i, code);
  }
}

/** The MSRP session of link i is gone (its connection closed or broke). */
function onLost(i: i32, now: f64): void {
  const l = linkAt(i);
  if (l.state == L_LEAVING) return;
  if (l.state == L_BINDING) { onSendFailed(i, 503, now); return; }
  // the MSRP session is gone: end the SIP side too (RFC 4975 §5.4 / RFC 7701 §5.2)
  if (R.isHost == 0) {
    // the host is gone (crashed, killed, unreachable): the chat ended for us, say so now and
    // send our BYE if the SIP side still goes anywhere
    evError(503, "host_lost", "MSRP connection to the host lost", aorOf(i), l.aorLen);
    uaCallHangup(l.call, now);
    l.state = L_LEAVING;
    evEnded("connection to the host lost");
    return;
  }
  evLeft(aorOf(i), l.aorLen, "MSRP connection lost", 503);
  uaCallHangup(l.call, now);
  const wasUp = l.state == L_UP;
  l.state = L_LEAVING;
  if (l.q >= 0) { sqClose(l.q, 503); l.q = -1; }
  forgetRecipient(i);
  if (wasUp && R.chat >= 0) { focusLeave(R.chat, <u32>(i + 1)); drainFocus(now, true); }
}

// ---- transport entry points ---------------------------------------------------------------------

export function chatDatagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  R.lastNow = now;
  const r = uaDatagram(base, sock, fromLen, len, now);
  pump(now);
  return r;
}
export function chatSipStreamOpen(base: usize, addrLen: i32): i32 { return uaStreamOpen(base, addrLen); }
export function chatSipStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  R.lastNow = now;
  uaStream(base, conn, len, now);
  pump(now);
  return len;
}

/** An accepted MSRP connection (the host's MSRP listener): its id. */
export function chatMsrpOpen(): i32 {
  const id = nextConnId++;
  if (nextConnId > 0x3fffffff) nextConnId = MSRP_CONN_ID_BASE;
  return id;
}

/** Offset just past the first CRLF CRLF in [p, p+n) (where a body starts), -1 when none. */
function headerEnd(p: usize, n: i32): i32 {
  for (let i = 0; i + 4 <= n; i++) if (load<u32>(p + <usize>i) == 0x0a0d0a0d) return i + 4;
  return -1;
}

/**
 * Bytes from MSRP connection conn; returns how many were taken. Fewer than len: the relay's
 * queues (or the outbox) are full; a RESUME record for conn says when to offer the rest.
 * Other connections (which carry the recipients' 200s that empty the queues) keep flowing.
 */
export function chatMsrpStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  if (R.ready == 0 || len < 0) return -1;
  R.lastNow = now;
  let off = 0;
  for (let g = 0; g < 4096 && off < len; g++) {
    const step = feedStep(conn, true);
    if (step <= 0) break;
    const n = len - off < step ? len - off : step;
    const used = msrpOnStream(<u32>conn, base + <usize>off, n, now);
    off += used;
    pump(now);
    if (used <= 0) break;
  }
  // Held back, the connection still gives everything short of a body: responses (they answer
  // our frames and empty the very queues that hold senders back — members waiting on each
  // other's 200s would otherwise wait until the stall limit), REPORTs, empty chunks, and the
  // header section of the next SEND. Its body waits: no body byte is taken without room.
  // (the first bytes one at a time: an empty line split across reads ends a header section
  // that began in an earlier read)
  for (let g = 0; g < 3 && off < len && !msrpConnInBody(conn) && outboxFree() >= OUTBOX_CAP / 4; g++) {
    const used = msrpOnStream(<u32>conn, base + <usize>off, 1, now);
    off += used;
    pump(now);
    if (used < 1) break;
  }
  for (let g = 0; g < 64 && off < len && !msrpConnInBody(conn) && outboxFree() >= OUTBOX_CAP / 4; g++) {
    const e = headerEnd(base + <usize>off, len - off);
    const n = e < 0 ? len - off : e;
    const used = msrpOnStream(<u32>conn, base + <usize>off, n, now);
    off += used;
    pump(now);
    if (used < n || e < 0) break;
  }
  if (off < len) { blockConn(conn); pump(now); }
  return off;
}

export function chatMsrpClosed(conn: i32, now: f64): void {
  R.lastNow = now;
  msrpOnConnClosed(<u32>conn);
  for (let j = 0; j < blockedCount; j++) {
    if (load<i32>(BLOCKED + <usize>(j * 4)) != conn) continue;
    blockedCount--;
    store<i32>(BLOCKED + <usize>(j * 4), load<i32>(BLOCKED + <usize>(blockedCount * 4)));
    break;
  }
  pump(now);
}
export function chatSipStreamClosed(conn: i32, now: f64): void {
  uaStreamClosed(conn, now);
  pump(now);
}

export function chatTimer(now: f64): void {
  R.lastNow = now;
  uaTimer(now);
  msrpOnTimer(now);
  sqOnTimer(now);
  pump(now);
}
export function chatNextDeadline(): f64 {
  let d = uaNextDeadline();
  const b = msrpNextDeadline();
  if (b >= 0 && (d < 0 || b < d)) d = b;
  const c = sqNextDeadline(R.lastNow);
  if (c >= 0 && (d < 0 || c < d)) d = c;
  return d;
}

/** Members in the chat (host: joined participants; participant: 1 when in a chat). */
export function chatMembers(): i32 {
  let n = 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (linkAt(i).state == L_UP) n++;
  return n;
}
