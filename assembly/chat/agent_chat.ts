// The chat role of the agent: the OMA SIMPLE IM chat flow (shared/design/CHAT-FLOW.md) glued
// from the layers below, sans-I/O. One instance is either a chat HOST (the focus: it INVITEs
// participants, terminates every participant's MSRP session and relays messages) or a
// PARTICIPANT (it accepts an invitation, opens MSRP to the host, sends and receives).
//
//   SIP   ua/agent_ua.ts       REGISTER, one INVITE dialog per participant (call handles)
//   MSRP  msrp/session.ts      sessions, binding, chunking, 200s, REPORTs, streamed relay
//   chat  chat/focus.ts        roster, who gets what, CPIM From rewritten (RFC 7701 §6)
//   wire  sdp / sdp_build / cpim
//
// The order of the seed (steps 2-9): the host offers `a=setup:passive` (RFC 6135) with its
// a=path; the participant connects, binds with an empty SEND (RFC 4975 §7.1.1), and only when
// the host's MSRP 200 arrives answers the INVITE with 200 OK (`a=setup:active`); the host
// ACKs through the IM server.
//
// Messages are never held whole (a 1 MiB message passes through 2 KiB pieces):
//   - incoming: the CPIM header block (RFC 3862 §3) is collected (CHAT_HDR_CAP) and parsed;
//     the content then streams through in the pieces the MSRP layer delivers;
//   - the host relays while the message arrives: the rebuilt CPIM header (focusOnMessage, From =
//     the sender's roster identity) then the rest, as a streamed MSRP message per recipient
//     (msrpStream*); what a recipient cannot take yet waits in a small per-sender buffer and
//     the sender's connection is not read further until it is taken;
//   - back-pressure: bytes from a connection are fed to MSRP CHAT_FEED_STEP at a time, and
//     only while the outbox and the sender's relay streams have room; chatMsrpStream returns
//     how many bytes it took and the host offers the rest again later (TCP flow control).
//   - app delivery: content bytes go out as DATA outbox records (op 6, id = message number),
//     then {"event":"message","from":AOR,"id":N,"bytes":B} — the host joins the DATA.
//
// App events (JSON EVENT records): registered, invited{from}, joined{member}, message{from,id,
// bytes[,private]}, left{member}, ended, error{code,reason}.
//
// Gaps (documented in the issue notes): a CPIM header block larger than CHAT_HDR_CAP is
// dropped (the MSRP 200 was already sent) with an error event at the host; relays of two members sending large messages to each other at the same
// time wait on each other until the 30 s MSRP timeout.

import {
  CHAT_MEMBER_MAX, CHAT_AOR_CAP, CHAT_HDR_CAP, CHAT_FEED_STEP, MSRP_MSGID_CAP,
  OUTBOX_CAP, SRV_ADDR_CAP, SDP_ATTR_MAX, SDP_MEDIA_MAX, CPIM_HDR_MAX, MSRP_CHUNK_SIZE,
} from "../mem/limits";
import { eqNoCase } from "../mem/bytes";
import {
  outPush, outboxUsed, outEventOpen, outEventClose, outStr, outJsonBytes, outDec, OUT_SEND_STREAM,
  OUT_CONNECT, OUT_CLOSE, OUT_DATA,
} from "../mem/outbox";
import { rnd64 } from "../server/common";
import { splitAddr, splitHostLen, splitPort } from "../server/net";
import {
  uaStart, uaReady, uaStop, uaSetJsonEvents, uaEvPop, uaEvCall, uaEvCode, uaEvPtr, uaEvLen, uaEvAuxPtr,
  uaEvAuxLen, uaEvReason, UaEv, uaCallStart, uaCallAccept, uaCallReject, uaCallHangup,
  uaDatagram, uaStreamOpen, uaStream, uaStreamClosed, uaTimer, uaNextDeadline, uaMessageSend,
} from "../ua/agent_ua";
import {
  msrpSessionCreate, msrpSessionLocalUriPtr, msrpSessionLocalUriLen, msrpSessionSetRemote, msrpOnConnOpen,
  msrpOnConnClosed, msrpSessionClose, msrpOnStream, msrpOnTimer, msrpNextDeadline, msrpActPop, msrpActSession,
  msrpActConn, msrpActPtr, msrpActLen, msrpActIdPtr, msrpActIdLen, msrpActCode, msrpActOffset, MsrpAct,
  msrpSessionConn, msrpSessReset, msrpSessionSetAccept, msrpSessionInType, MSRP_ACCEPT_CPIM, MSRP_ACCEPT_TEXT, MSRP_TYPE_TEXT, msrpSendMessage, msrpSessionSetActive, msrpSessionState, msrpStreamStart, msrpStreamWrite, msrpStreamRoom, msrpStreamAbort, msrpSessionRoom, msrpPoll, msrpPendingOut,
  msrpRelaySet, msrpRelayConnOpen, msrpRelayState, msrpSessionUseRelay, msrpSessionPath, msrpSessionPathPtr, MsrpRelayState,
} from "../msrp/session";
import {
  focusReset, focusCreate, focusInvite, focusJoin, focusLeave, focusEnd, focusOnMessage, focusActCount,
  focusAct, focusOutPtr, focusOutLen, ChatActKind, FOCUS_PREFIX,
  chatErrCode, chatErrReason,
} from "./focus";
import { SdpView, SdpMedia, sdpViewAt, parseSdp, SdpSetup, SdpConn } from "../wire/sdp";
import { SdpBuildParams, buildMsrpSdp } from "../wire/sdp_build";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, CpimErr, CpimHdr } from "../wire/cpim";

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

/** Results of the chat commands (0 = ok). */
export const enum ChatCmdErr {
  Ok = 0, NotReady = 1, BadArg = 2, NotHost = 3, NoChat = 4, Full = 5, NoInvite = 6, Busy = 7, Sip = 8, Msrp = 9,
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
  }
  return "error";
}

/** MSRP connection ids given to the host start here (SIP connections are 0..CONN_MAX-1). */
export const MSRP_CONN_ID_BASE: i32 = 256;

// ---- links: one per SIP dialog + MSRP session (the host has one per member) ----------------------

const L_FREE: i32 = 0;
const L_INVITING: i32 = 1;    // host: INVITE out, waiting for the answer
const L_OFFERED: i32 = 2;     // participant: INVITE in, waiting for the app (or auto-accept)
const L_BINDING: i32 = 3;     // participant: MSRP connect + bind in progress (seed steps 4-5)
const L_ANSWERED: i32 = 4;    // participant: 200 OK sent, waiting for the ACK
const L_UP: i32 = 5;
const L_LEAVING: i32 = 6;     // our BYE (or CANCEL) is out

const IN_NONE: i32 = 0, IN_HDR: i32 = 1, IN_BODY: i32 = 2, IN_DROP: i32 = 3;
/** Participant: a roster notice (application/conference-info+xml) being collected. */
const IN_NOTICE: i32 = 4;

/** The focus's handle of the host member (links use index + 1). */
const HOST_MEMBER: u32 = 0x7fff;

// @ts-ignore: decorator
@unmanaged
class Link {
  state: i32;
  call: i32;
  sess: i32;
  aorLen: i32;
  /** Incoming message: phase, id, collected header bytes, app message number (0 = not for the app). */
  inPhase: i32;
  inIdLen: i32;
  hdrLen: i32;
  appMsg: u32;
  appBytes: u32;
  inPrivate: i32;
  /** Relay bytes not yet taken by every recipient (PEND), and whether the '$' is due. */
  pendLen: i32;
  pendLast: i32;
  /** Participant: where the notice body starts in the collected bytes. */
  noticeOff: i32;
  /** Participant: the offerer connects to us (offer a=setup:active or none, RFC 4975 §5.4). */
  passive: i32;
  /** Participant: sender of the message being received (CPIM From URI). */
  fromLen: i32;
  relayCount: i32;
}

const LINK_SIZE: i32 = (offsetof<Link>() + 7) & ~7;
const LINKS: usize = memory.data(CHAT_MEMBER_MAX * LINK_SIZE, 8);
const AORS: usize = memory.data(CHAT_MEMBER_MAX * CHAT_AOR_CAP, 8);
const FROMS: usize = memory.data(CHAT_MEMBER_MAX * CHAT_AOR_CAP, 8);
const INIDS: usize = memory.data(CHAT_MEMBER_MAX * MSRP_MSGID_CAP, 8);
const HDRS: usize = memory.data(CHAT_MEMBER_MAX * CHAT_HDR_CAP, 8);
/** Relay streams of each link's incoming message, one per recipient link (-1 none). */
const RELAYS: usize = memory.data(CHAT_MEMBER_MAX * CHAT_MEMBER_MAX * 4, 8);

// @ts-ignore: decorator
@inline function linkAt(i: i32): Link { return changetype<Link>(LINKS + <usize>(i * LINK_SIZE)); }
// @ts-ignore: decorator
@inline function aorOf(i: i32): usize { return AORS + <usize>(i * CHAT_AOR_CAP); }
// @ts-ignore: decorator
@inline function fromOf(i: i32): usize { return FROMS + <usize>(i * CHAT_AOR_CAP); }
// @ts-ignore: decorator
@inline function inIdOf(i: i32): usize { return INIDS + <usize>(i * MSRP_MSGID_CAP); }
// @ts-ignore: decorator
@inline function hdrOf(i: i32): usize { return HDRS + <usize>(i * CHAT_HDR_CAP); }
// @ts-ignore: decorator
@inline function relayAt(i: i32, t: i32): usize { return RELAYS + <usize>((i * CHAT_MEMBER_MAX + t) * 4); }

// ---- configuration and role state ----------------------------------------------------------------

let ready = false;
let isHost = false;
let autoAccept = false;
const SELF: usize = memory.data(CHAT_AOR_CAP, 8);          // our AOR "sip:user@domain"
let selfLen: i32 = 0;
const MHOST: usize = memory.data(SRV_ADDR_CAP, 8);         // MSRP listen host (IPv6 in brackets)
let mhostLen: i32 = 0;
let mport: i32 = 0;
let chat: i32 = -1;                                         // focus chat handle (host)
let nextConnId: i32 = MSRP_CONN_ID_BASE;
let appSeq: u32 = 0;
let registeredOnce = false;
let ended = false;

const SDPBUF: usize = memory.data(2048, 8);
const SDPP = changetype<SdpBuildParams>(memory.data(offsetof<SdpBuildParams>(), 8));
const SDPV: SdpView = sdpViewAt(memory.data(offsetof<SdpView>(), 8), memory.data(SDP_ATTR_MAX * 20, 8),
  memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
const CPIM: CpimMsg = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));
const RND: usize = memory.data(16, 8);
const MSGID: usize = memory.data(32, 8);
const IDCOPY: usize = memory.data(MSRP_MSGID_CAP, 8);
const ACCEPT_TYPES = "message/cpim text/plain";
const WRAPPED_TYPES = "text/plain application/conference-info+xml";
const CPIM_CT = "message/cpim";
// byte copies of the literals the builders take as spans (written once by chatStart)
const B_DASH: usize = memory.data(4, 8);
const B_ACCEPT: usize = memory.data(64, 8);
const B_WRAPPED: usize = memory.data(64, 8);
const B_CPIM: usize = memory.data(16, 8);
function literalsOnce(): void {
  store<u8>(B_DASH, 45);
  putLit(B_ACCEPT, 0, ACCEPT_TYPES);
  putLit(B_WRAPPED, 0, WRAPPED_TYPES);
  putLit(B_CPIM, 0, CPIM_CT);
}

// app message being sent (one at a time)
const SEND_HDR: usize = memory.data(CHAT_HDR_CAP, 8);
let sendActive = false;
let sendLeft: i64 = 0;
let sendHdrLen: i32 = 0;
let sendHdrDone = false;
const SENDS: usize = memory.data(CHAT_MEMBER_MAX * 4, 8);   // stream per link, -1 none
// @ts-ignore: decorator
@inline function sendAt(i: i32): usize { return SENDS + <usize>(i * 4); }

function putLit(dst: usize, at: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + <usize>(at + i), <u8>s.charCodeAt(i));
  return at + s.length;
}

/** 16 hex digits of fresh randomness at dst (Message-IDs, RFC 4975 §7.1.1: unique in the session). */
function putHexId(dst: usize): i32 {
  const v = rnd64();
  for (let i = 0; i < 16; i++) {
    const d = <u32>((v >> (<u64>(60 - 4 * i))) & 15);
    store<u8>(dst + <usize>i, <u8>(d < 10 ? 48 + d : 87 + d));
  }
  return 16;
}

// ---- events ----------------------------------------------------------------------------------------

function ev0(name: string): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\"}");
  outEventClose();
}
function evMember(name: string, key: string, p: usize, n: i32): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\",\""); outStr(key); outStr("\":\"");
  outJsonBytes(p, n); outStr("\"}");
  outEventClose();
}
function evError(code: i32, reason: string, p: usize, n: i32): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\"error\",\"code\":"); outDec(<u32>code); outStr(",\"reason\":\""); outStr(reason);
  if (n > 0) { outStr(": "); outJsonBytes(p, n); }
  outStr("\"}");
  outEventClose();
}

// ---- links ---------------------------------------------------------------------------------------

function linkNew(): i32 {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state != L_FREE) continue;
    memory.fill(changetype<usize>(l), 0, <usize>LINK_SIZE);
    l.call = -1; l.sess = -1;
    for (let t = 0; t < CHAT_MEMBER_MAX; t++) store<i32>(relayAt(i, t), -1);
    store<i32>(sendAt(i), -1);
    return i;
  }
  return -1;
}
function linkByCall(call: i32): i32 {
  if (call < 0) return -1;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { const l = linkAt(i); if (l.state != L_FREE && l.call == call) return i; }
  return -1;
}
function linkBySess(s: i32): i32 {
  if (s < 0) return -1;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { const l = linkAt(i); if (l.state != L_FREE && l.sess == s) return i; }
  return -1;
}
function linkByMember(m: u32): i32 {
  if (m == 0 || m > <u32>CHAT_MEMBER_MAX) return -1;
  const i = <i32>m - 1;
  return linkAt(i).state != L_FREE ? i : -1;
}
/** Ends a link: its MSRP session (the connection closes with its last session, §5.4), relays. */
function linkFree(i: i32): void {
  const l = linkAt(i);
  if (l.state == L_FREE) return;
  // streams towards this link die with its session; forget them everywhere
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) store<i32>(relayAt(s, i), -1);
  store<i32>(sendAt(i), -1);
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    const r = load<i32>(relayAt(i, t));
    if (r >= 0) msrpStreamAbort(r, lastNow);
    store<i32>(relayAt(i, t), -1);
  }
  if (l.sess >= 0) msrpSessionClose(l.sess);
  l.sess = -1; l.call = -1;
  l.state = L_FREE;
}

let lastNow: f64 = 0;

// ---- start -----------------------------------------------------------------------------------------

/**
 * inbox: AOR [aorL], server "ip:port" [srvL], SIP listen "ip:port" [sipL], MSRP listen "ip:port"
 * [msrpL]. Starts the UA (REGISTER) with its events kept for this layer. Returns 0 or an error.
 */
export function chatStart(base: usize, aorL: i32, srvL: i32, sipL: i32, msrpL: i32, transport: i32, expiresS: i32,
                          flags: i32, seedLo: u32, seedHi: u32, now: f64): i32 {
  ready = false;
  literalsOnce();
  if (aorL <= 0 || aorL > CHAT_AOR_CAP || msrpL <= 0 || msrpL > SRV_ADDR_CAP) return ChatCmdErr.BadArg;
  const mp = base + <usize>(aorL + srvL + sipL);
  if (!splitAddr(mp, msrpL)) return ChatCmdErr.BadArg;
  mhostLen = splitHostLen; mport = splitPort;
  memory.copy(MHOST, mp, <usize>mhostLen);
  memory.copy(SELF, base, <usize>aorL); selfLen = aorL;
  uaSetJsonEvents(false);
  const r = uaStart(base, aorL, srvL, sipL, transport, expiresS, seedLo, seedHi, now);
  if (r != 0) { uaSetJsonEvents(true); return r + 100; }
  isHost = (flags & CHAT_HOST) != 0;
  isRoom = false;
  offerNoSetup = (flags & CHAT_OFFER_NO_SETUP) != 0;
  autoAccept = (flags & CHAT_AUTO_ACCEPT) != 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { linkAt(i).state = L_FREE; store<i32>(sendAt(i), -1); }
  // a restart forgets every MSRP session, connection, relay and notice of the previous run
  msrpSessReset();
  relayOn = false;
  memory.fill(NOTICE_META, 0, <usize>(CHAT_MEMBER_MAX * NOTICE_SLOTS * 20));
  focusReset();
  chat = -1;
  sendActive = false;
  registeredOnce = false;
  ended = false;
  lastNow = now;
  if (isHost) {
    // step 1: the chat URI of a handset-hosted chat is the host's AOR (RFC 7701 §4 lets any URI name the room)
    isRoom = (flags & CHAT_ROOM) != 0;
    chat = isRoom
      ? focusCreate(SELF, selfLen, HOST_MEMBER, SELF, 0)
      : focusCreate(SELF, selfLen, HOST_MEMBER, SELF, selfLen);
    if (chat < 0) { uaStop(); return ChatCmdErr.NoChat; }
  }
  ready = true;
  drainUa(now);
  return ChatCmdErr.Ok;
}
export function chatReady(): bool { return ready; }
export function chatStop(): void { ready = false; uaSetJsonEvents(true); }

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

function newSession(active: bool): i32 {
  store<u64>(RND, rnd64()); store<u64>(RND, rnd64(), 8);
  const h = msrpSessionCreate(RND, 16, MHOST, mhostLen, mport, active);
  // RFC 4976 §5: with a relay every session runs through it (AUTH must be done: its Use-Path
  // goes into our a=path); without a usable relay the session cannot be offered or answered
  if (h >= 0 && relayOn && msrpSessionUseRelay(h) != 0) { msrpSessionClose(h); return -1; }
  // what our a=accept-types offers; any other type is refused with 415 (RFC 4975 §7.3, §8.6)
  if (h >= 0) msrpSessionSetAccept(h, MSRP_ACCEPT_CPIM | MSRP_ACCEPT_TEXT);
  return h;
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
  if (!ready) return ChatCmdErr.NotReady;
  if (uriL <= 0 || userL < 0 || passL < 0) return ChatCmdErr.BadArg;
  lastNow = now;
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
  if (!ready) return ChatCmdErr.NotReady;
  if (!isHost || chat < 0) return ChatCmdErr.NotHost;
  if (n <= 4 || n > CHAT_AOR_CAP) return ChatCmdErr.BadArg;
  lastNow = now;
  const i = linkNew();
  if (i < 0) return ChatCmdErr.Full;
  const l = linkAt(i);
  memory.copy(aorOf(i), p, <usize>n); l.aorLen = n;
  l.sess = newSession(false);
  if (l.sess < 0) return ChatCmdErr.Msrp;
  l.state = L_INVITING;
  const sl = buildSdp(i, offerNoSetup ? SdpSetup.None : SdpSetup.Passive);
  if (sl <= 0) { linkFree(i); return ChatCmdErr.Msrp; }
  if (focusInvite(chat, <u32>(i + 1), aorOf(i), n) != 0) { linkFree(i); return ChatCmdErr.BadArg; }
  const c = uaCallStart(aorOf(i), n, SDPBUF, sl, now);
  if (c < 0) { focusLeave(chat, <u32>(i + 1)); linkFree(i); drainFocus(now); return ChatCmdErr.Sip; }
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
  if (!ready) return ChatCmdErr.NotReady;
  if (isHost || factoryLen <= 4 || listLen <= 0) return ChatCmdErr.BadArg;
  lastNow = now;
  const r = uaMessageSend(factoryP, factoryLen, "text/uri-list", listP, listLen, now);
  pump(now);
  return r == 0 ? ChatCmdErr.Ok : ChatCmdErr.Sip;
}

/** Participant: accept the pending invitation: connect + bind MSRP first (seed steps 4-5). */
export function chatAccept(now: f64): i32 {
  if (!ready) return ChatCmdErr.NotReady;
  lastNow = now;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    if (linkAt(i).state == L_OFFERED) { startBinding(i, now); pump(now); return ChatCmdErr.Ok; }
  }
  return ChatCmdErr.NoInvite;
}
/** Participant: decline the pending invitation (code 300-699, e.g. 486 / 603). */
export function chatReject(code: i32, now: f64): i32 {
  if (!ready) return ChatCmdErr.NotReady;
  if (code < 300 || code > 699) return ChatCmdErr.BadArg;
  lastNow = now;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state == L_OFFERED) { uaCallReject(l.call, code, now); linkFree(i); pump(now); return ChatCmdErr.Ok; }
  }
  return ChatCmdErr.NoInvite;
}

/** Leave (participant: BYE to the host, step 15) or end the chat (host: BYE to all, steps 16-20). */
export function chatLeave(now: f64): i32 {
  if (!ready) return ChatCmdErr.NotReady;
  lastNow = now;
  if (isHost) {
    if (chat < 0) return ChatCmdErr.NoChat;
    focusEnd(chat);
    drainFocus(now);
    pump(now);
    return ChatCmdErr.Ok;
  }
  let any = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state == L_FREE || l.state == L_LEAVING) continue;
    any = true;
    if (l.state == L_OFFERED) { uaCallReject(l.call, 603, now); linkFree(i); continue; }
    uaCallHangup(l.call, now);
    l.state = L_LEAVING;
  }
  pump(now);
  return any ? ChatCmdErr.Ok : ChatCmdErr.NoChat;
}

/**
 * Starts an app message: CPIM From = us, To = the room (toLen 0) or one member (private,
 * RFC 7701 §7), content text/plain of `total` bytes that follow with chatSendData.
 */
export function chatSendStart(toP: usize, toLen: i32, total: i64, now: f64): i32 {
  if (!ready) return ChatCmdErr.NotReady;
  if (sendActive) return ChatCmdErr.Busy;
  if (total < 0 || toLen < 0 || toLen > CHAT_AOR_CAP) return ChatCmdErr.BadArg;
  lastNow = now;
  // the room URI: the host's own AOR, or (participant) the host the invitation came from
  let roomP: usize = SELF, roomL = selfLen;
  let targets = 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    store<i32>(sendAt(i), -1);
    const l = linkAt(i);
    if (l.state != L_UP && l.state != L_ANSWERED) continue;
    if (!isHost) { roomP = aorOf(i); roomL = l.aorLen; }
    if (isHost && toLen > 0 && !(l.aorLen == toLen && memory.compare(aorOf(i), toP, <usize>toLen) == 0)) continue;
    store<i32>(sendAt(i), -2);   // chosen
    targets++;
    if (!isHost) break;
  }
  if (targets == 0) return ChatCmdErr.NoChat;
  let n = putLit(SEND_HDR, 0, "From: <");
  memory.copy(SEND_HDR + <usize>n, SELF, <usize>selfLen); n += selfLen;
  n = putLit(SEND_HDR, n, ">\r\nTo: <");
  if (toLen > 0) { memory.copy(SEND_HDR + <usize>n, toP, <usize>toLen); n += toLen; }
  else { memory.copy(SEND_HDR + <usize>n, roomP, <usize>roomL); n += roomL; }
  n = putLit(SEND_HDR, n, ">\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n\r\n");
  const msgTotal = <i64>n + total;
  const idl = putHexId(MSGID);
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    if (load<i32>(sendAt(i)) != -2) continue;
    store<i32>(sendAt(i), -1);
    const s = msrpStreamStart(linkAt(i).sess, MSGID, idl, B_CPIM, CPIM_CT.length, msgTotal, 0, 0, now);
    if (s < 0) continue;
    store<i32>(sendAt(i), s);
  }
  // the header goes out with the first chatSendData call that finds room for it (a recipient's
  // session may still be finishing another message)
  sendActive = true;
  sendLeft = total;
  sendHdrLen = n;
  sendHdrDone = false;
  pump(now);
  return ChatCmdErr.Ok;
}

/** Content bytes every open send stream can take now (and the outbox can hold). */
export function chatSendRoom(): i32 {
  const r = sendRoomRaw();
  if (sendHdrDone) return r;
  return r >= sendHdrLen ? r - sendHdrLen : 0;
}
function sendRoomRaw(): i32 {
  if (!ready || !sendActive) return 0;
  let room = outboxFree() - 8192;
  if (room <= 0) return 0;
  let any = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const s = load<i32>(sendAt(i));
    if (s < 0) continue;
    any = true;
    const r = msrpStreamRoom(s);
    if (r < room) room = r;
  }
  if (!any) return 0;
  return room < 0 ? 0 : room;
}

/** Content bytes of the app message; returns how many were taken (0..n), -1 when none is open. */
export function chatSendData(p: usize, n: i32, now: f64): i32 {
  if (!ready || !sendActive) return -1;
  lastNow = now;
  if (!sendHdrDone) {
    if (sendRoomRaw() < sendHdrLen) { pump(now); return 0; }
    sendHdrDone = true;
    sendWrite(SEND_HDR, sendHdrLen, sendLeft == 0, now);
    if (sendLeft == 0) { sendActive = false; pump(now); return 0; }
  }
  let take = chatSendRoom();
  if (<i64>take > sendLeft) take = <i32>sendLeft;
  if (take > n) take = n;
  if (take < 0) take = 0;
  sendLeft -= take;
  const last = sendLeft == 0;
  if (take > 0 || last) sendWrite(p, take, last, now);
  if (last) sendActive = false;
  let open = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (load<i32>(sendAt(i)) >= 0) open = true;
  if (!open) sendActive = false;
  pump(now);
  return take;
}

/** Writes an app message's bytes to every send stream, a chunk at a time, draining between
 *  chunks (only called from the entry points, never from inside drainMsrp). */
function sendWrite(p: usize, n: i32, last: bool, now: f64): void {
  let off = 0;
  for (let g = 0; g < 1 + n / MSRP_CHUNK_SIZE + 1; g++) {
    const k = n - off < MSRP_CHUNK_SIZE ? n - off : MSRP_CHUNK_SIZE;
    const fin = last && off + k >= n;
    for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
      const s = load<i32>(sendAt(i));
      if (s < 0) continue;
      const w = msrpStreamWrite(s, p + <usize>off, k, fin, now);
      if (w != k) {
        // the stream could not take what its room promised: this member misses the message
        if (w >= 0) msrpStreamAbort(s, now);
        store<i32>(sendAt(i), -1);
        evError(503, "message not delivered to", aorOf(i), linkAt(i).aorLen);
        continue;
      }
      if (fin) store<i32>(sendAt(i), -1);
    }
    drainMsrp(now);
    off += k;
    if (off >= n) break;
  }
}

// ---- the pump: every queue drained, in a bounded loop -----------------------------------------

function pump(now: f64): void {
  for (let g = 0; g < 16; g++) {
    drainUa(now);
    drainMsrp(now);
    if (isHost) {
      for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (linkAt(i).state != L_FREE && relayBusy(i)) relayFlush(i, now);
      drainMsrp(now);
    }
    if (msrpPendingOut() > 0 && outboxFree() > OUTBOX_CAP / 2) { msrpPoll(now); drainMsrp(now); }
    else break;
  }
}

function outboxFree(): i32 { return OUTBOX_CAP - outboxUsed(); }

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
      if (code >= 300 || code < 200) evError(code, "room request refused", 0, 0);
    }
    else if (k == UaEv.Error) {
      const r = uaEvReason();
      if (outEventOpen()) {
        outStr("{\"event\":\"error\",\"code\":"); outDec(<u32>code); outStr(",\"reason\":\""); outStr(r); outStr("\"}");
        outEventClose();
      }
    }
  }
}

/** Participant: an invitation (seed step 3). */
function onInvited(call: i32, sdp: usize, sdpLen: i32, from: usize, fromLen: i32, now: f64): void {
  if (isHost) { uaCallReject(call, 486, now); return; }   // a host does not join other chats
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
  l.sess = newSession(weConnect);
  l.passive = weConnect ? 0 : 1;
  if (l.sess < 0 || msrpSessionSetRemotePending(i, sdp + <usize>m.pathOff, m.pathLen) < 0) {
    uaCallReject(call, 500, now); linkFree(i); return;
  }
  l.state = L_OFFERED;
  evMember("invited", "from", aorOf(i), l.aorLen);
  if (autoAccept) startBinding(i, now);
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
    evError(488, "unusable MSRP path from", aorOf(i), l.aorLen);
    linkFree(i);
    return;
  }
  if (l.passive != 0) answerInvite(i, SdpSetup.Passive, now);
}

/** Participant: 200 OK with our SDP answer (a=path, a=setup) for link i's invitation. */
function answerInvite(i: i32, setup: i32, now: f64): void {
  const l = linkAt(i);
  const n = buildSdp(i, setup);
  if (n <= 0 || uaCallAccept(l.call, SDPBUF, n, now) != 0) {
    evError(500, "could not answer", aorOf(i), l.aorLen);
    uaCallReject(l.call, 500, now);
    linkFree(i);
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
    evError(488, "unusable SDP answer from", aorOf(i), l.aorLen);
    uaCallHangup(call, now);
    l.state = L_LEAVING;
    focusLeave(chat, <u32>(i + 1));
    drainFocus(now);
    return;
  }
  l.state = L_UP;
  focusJoin(chat, <u32>(i + 1));
  if (isRoom) evMember("joined", "member", aorOf(i), l.aorLen);
  drainFocus(now);
  noticeFull(i, now);   // the newcomer learns who is there already
}

/** Participant: the host's ACK (seed step 9): we are in. */
function onAcked(call: i32): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  if (l.state != L_ANSWERED) return;
  l.state = L_UP;
  evMember("joined", "member", SELF, selfLen);
}

/** A BYE from the peer (step 15 at the host; steps 17-18 at a participant). */
function onPeerGone(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  if (isHost) {
    const wasUp = linkAt(i).state == L_UP;
    linkFree(i);
    if (isRoom && wasUp) evMember("left", "member", aorOf(i), linkAt(i).aorLen);
    focusLeave(chat, <u32>(i + 1));
    drainFocus(now);
    return;
  }
  linkFree(i);
  if (!ended) { ended = true; ev0("ended"); }
}

/** Our BYE (or CANCEL) completed. */
function onOurEnd(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  linkFree(i);
  if (!isHost) evMember("left", "member", SELF, selfLen);
}

function onCancelled(call: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  evError(487, "invitation cancelled by", aorOf(i), l.aorLen);
  linkFree(i);
}

/** Host: the INVITE to a member failed (3xx-6xx, 408) — it never joined. */
function onInviteFailed(call: i32, code: i32, now: f64): void {
  const i = linkByCall(call);
  if (i < 0) return;
  const l = linkAt(i);
  evError(code, "invitation failed for", aorOf(i), l.aorLen);
  linkFree(i);
  if (isHost && chat >= 0) { focusLeave(chat, <u32>(i + 1)); drainFocus(now); }
}

// ---- focus actions ------------------------------------------------------------------------------

let isRoom = false;
let offerNoSetup = false;
/** Performs the focus's actions; call once right after each focus call (it keeps its list until the next). */
function drainFocus(now: f64): void {
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
      evMember(kind == ChatActKind.Joined ? "joined" : "left", "member", aorOf(li), linkAt(li).aorLen);
    } else if (kind == ChatActKind.Ended) {
      if (!ended) { ended = true; ev0("ended"); }
    } else if (kind == ChatActKind.Bye || kind == ChatActKind.Cancel) {
      const i = linkByMember(to);
      if (i < 0) continue;
      const l = linkAt(i);
      if (l.state == L_LEAVING) continue;
      uaCallHangup(l.call, now);
      l.state = L_LEAVING;
    }
  }
  // a Fanout list is consumed by relayStart right after focusOnMessage; an Ended chat is gone
  if (ended && isHost) chat = -1;
}

// ---- MSRP actions -------------------------------------------------------------------------------

function drainMsrp(now: f64): void {
  for (let g = 0; g < 8192; g++) {
    const op = msrpActPop();
    if (op == MsrpAct.None) return;
    const s = msrpActSession(), conn = msrpActConn();
    if (op == MsrpAct.SendBytes) { outPush(OUT_SEND_STREAM, conn, 0, 0, msrpActPtr(), msrpActLen()); continue; }
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
    if (op == MsrpAct.RelayFailed) { evError(msrpActCode(), "MSRP relay failed", 0, 0); continue; }
    const i = linkBySess(s);
    // copy what the record points into the MSRP arena before calling back into the MSRP layer
    let idl = msrpActIdLen();
    if (idl > MSRP_MSGID_CAP) idl = MSRP_MSGID_CAP;
    if (idl > 0) memory.copy(IDCOPY, msrpActIdPtr(), <usize>idl);
    const code = msrpActCode();
    if (op == MsrpAct.SessionBound) { if (i >= 0) onBound(i, now); continue; }
    if (op == MsrpAct.DeliverPiece) { if (i >= 0) onPiece(i, IDCOPY, idl, msrpActPtr(), msrpActLen(), now); continue; }
    if (op == MsrpAct.MessageDone) { if (i >= 0) onDone(i, now); continue; }
    if (op == MsrpAct.MessageAborted) { if (i >= 0) onAborted(i, code, now); continue; }
    if (op == MsrpAct.SendFailed) { noticeFree(IDCOPY, idl); onSendFailed(i, code, now); continue; }
    if (op == MsrpAct.SessionLost) { if (i >= 0) onLost(i, now); continue; }
    if (op == MsrpAct.MessageSent) { noticeFree(IDCOPY, idl); continue; }
    // ReportResult: nothing to do (streams are forgotten when written to the end)
  }
}

/** Participant: the host's MSRP 200 to our bind (step 5) -> our SIP 200 OK (step 6). */
function onBound(i: i32, now: f64): void {
  const l = linkAt(i);
  if (isHost || l.state != L_BINDING) return;
  answerInvite(i, SdpSetup.Active, now);
}

function onSendFailed(i: i32, code: i32, now: f64): void {
  if (i < 0) return;
  const l = linkAt(i);
  if (l.state == L_BINDING) {
    // the bind failed (481/403 from the host, or the connection): decline the invitation
    evError(code, "MSRP bind failed towards", aorOf(i), l.aorLen);
    uaCallReject(l.call, 488, now);
    linkFree(i);
    return;
  }
  // a relay or app message to this member failed: forget its streams
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) store<i32>(relayAt(s, i), -1);
  store<i32>(sendAt(i), -1);
  evError(code, "message not delivered to", aorOf(i), l.aorLen);
}

function onLost(i: i32, now: f64): void {
  const l = linkAt(i);
  if (l.state == L_LEAVING) { l.sess = -1; return; }
  // the MSRP session is gone: end the SIP side too (RFC 4975 §5.4 / RFC 7701 §5.2)
  if (l.state == L_BINDING) { onSendFailed(i, 503, now); return; }
  evError(503, "MSRP connection lost with", aorOf(i), l.aorLen);
  uaCallHangup(l.call, now);
  l.state = L_LEAVING;
  if (isHost && chat >= 0) { focusLeave(chat, <u32>(i + 1)); drainFocus(now); }
}

// ---- incoming messages --------------------------------------------------------------------------

function onPiece(i: i32, id: usize, idl: i32, p: usize, n: i32, now: f64): void {
  const l = linkAt(i);
  if (l.state != L_UP && l.state != L_ANSWERED) return;
  // a new Message-ID starts a new message (the layer below tracks one at a time per session)
  if (l.inPhase == IN_NONE || l.inIdLen != idl || memory.compare(inIdOf(i), id, <usize>idl) != 0) {
    if (l.inPhase == IN_BODY) finishIn(i, false, now);
    l.inPhase = IN_HDR; l.hdrLen = 0; l.appMsg = 0; l.appBytes = 0; l.inPrivate = 0;
    memory.copy(inIdOf(i), id, <usize>idl); l.inIdLen = idl;
    // text/plain (our a=accept-types offers it, as simple MSRP clients send it): wrap it in the
    // CPIM header the relay would have had — From = the sender's dialog identity, To = the room
    if (msrpSessionInType(l.sess) == MSRP_TYPE_TEXT) {
      let n = putLit(hdrOf(i), 0, "From: <");
      memory.copy(hdrOf(i) + <usize>n, aorOf(i), <usize>l.aorLen); n += l.aorLen;
      n = putLit(hdrOf(i), n, ">\r\nTo: <");
      const rp = isHost ? SELF : aorOf(i), rl = isHost ? selfLen : l.aorLen;
      memory.copy(hdrOf(i) + <usize>n, rp, <usize>rl); n += rl;
      l.hdrLen = putLit(hdrOf(i), n, ">\r\n\r\nContent-Type: text/plain\r\n\r\n");
    }
  }
  if (l.inPhase == IN_DROP) return;
  if (l.inPhase == IN_BODY) { bodyPiece(i, p, n, now); return; }
  if (l.inPhase == IN_NOTICE) {
    const k = n < CHAT_HDR_CAP - l.hdrLen ? n : CHAT_HDR_CAP - l.hdrLen;
    memory.copy(hdrOf(i) + <usize>l.hdrLen, p, <usize>k);
    l.hdrLen += k;
    return;
  }
  // IN_HDR: collect until the CPIM header blocks are complete
  const room = CHAT_HDR_CAP - l.hdrLen;
  const take = n < room ? n : room;
  memory.copy(hdrOf(i) + <usize>l.hdrLen, p, <usize>take);
  l.hdrLen += take;
  if (parseCpim(CPIM, hdrOf(i), l.hdrLen, 2) < 0) {
    if (CPIM.err == CpimErr.NoEmptyLine && l.hdrLen < CHAT_HDR_CAP) return;   // more to come
    l.inPhase = IN_DROP;
    evError(CPIM.err == CpimErr.NoEmptyLine ? 413 : 400, "unusable message/cpim from", aorOf(i), l.aorLen);
    return;
  }
  if (!headerDone(i, now)) return;
  if (take < n) bodyPiece(i, p + <usize>take, n - take, now);
}

/** The CPIM headers of link i's message are in; route it. False: dropped. */
function headerDone(i: i32, now: f64): bool {
  const l = linkAt(i);
  const hb = hdrOf(i);
  const contentOff = CPIM.contentOff;
  if (!isHost) {
    // participant: the host relayed it; From is the original sender (RFC 7701 §6)
    if (CPIM.fromIdx >= 0) {
      const h = CPIM.h(CPIM.fromIdx);
      const fl = h.uriLen < CHAT_AOR_CAP ? h.uriLen : CHAT_AOR_CAP;
      memory.copy(fromOf(i), hb + <usize>h.uriOff, <usize>fl); l.fromLen = fl;
    } else { l.fromLen = 0; }
    l.inPrivate = toNamesUs(hb) ? 1 : 0;
    // a roster notice from the focus: collected whole (small), read at its end
    if (CPIM.contentTypeIdx >= 0) {
      const h = CPIM.h(CPIM.contentTypeIdx);
      if (h.valLen >= CONF_CT.length && eqNoCase(hb + <usize>h.valOff, CONF_CT.length, CONF_CT)) {
        l.inPhase = IN_NOTICE; l.noticeOff = contentOff;
        return true;
      }
    }
    l.inPhase = IN_BODY;
    appStart(i, hb + <usize>contentOff, l.hdrLen - contentOff);
    return true;
  }
  // host: the focus picks the recipients and rebuilds the header (From from the roster)
  const e = focusOnMessage(chat, <u32>(i + 1), hb, l.hdrLen, 0, FOCUS_PREFIX);
  if (e != 0) {
    l.inPhase = IN_DROP;
    evError(chatErrCode(e), chatErrReason(e), aorOf(i), l.aorLen);
    return false;
  }
  l.inPhase = IN_BODY;
  if (l.relayCount > 0 || l.pendLen > 0) relayAbortAll(i, now);   // a previous message never ended
  l.relayCount = 0; l.pendLen = 0; l.pendLast = 0;
  const out = focusOutPtr(), outLen = focusOutLen();
  const na = focusActCount();
  let toApp = false;
  for (let a = 0; a < na; a++) {
    const x = focusAct(a);
    if (x.kind != ChatActKind.Fanout) continue;
    if (x.to == HOST_MEMBER) { toApp = true; continue; }
    const t = linkByMember(x.to);
    if (t < 0) continue;
    const idl = putHexId(MSGID);
    const s = msrpStreamStart(linkAt(t).sess, MSGID, idl, B_CPIM, CPIM_CT.length, -1, 0, 0, now);
    if (s < 0) { evError(503, "relay stream refused for", aorOf(t), linkAt(t).aorLen); continue; }
    store<i32>(relayAt(i, t), s);
    store<i32>(doneAt(i, t), 0);
    l.relayCount++;
  }
  // the relayed bytes: the rebuilt header + whatever content the collected bytes already hold
  relayPush(i, out, outLen, now);
  if (toApp) {
    // the host's own app reads it too (it is a member of its chat)
    l.inPrivate = CPIM.toCount == 1 && !toNamesUs(hb) ? 1 : 0;
    memory.copy(fromOf(i), aorOf(i), <usize>l.aorLen); l.fromLen = l.aorLen;
    // re-parse: focusOnMessage used its own view, ours still describes hb
    appStart(i, hb + <usize>contentOff, l.hdrLen - contentOff);
  }
  return true;
}

/** A CPIM To of the parsed message (CPIM) names our own AOR: at a participant that makes it a
 *  private message (RFC 7701 §7); at a handset host, our AOR is also the room's URI. */
function toNamesUs(hb: usize): bool {
  for (let k = 0; k < CPIM.msgHdrCount; k++) {
    const h = CPIM.h(k);
    if (h.kind != CpimHdr.To) continue;
    if (h.uriLen == selfLen && memory.compare(hb + <usize>h.uriOff, SELF, <usize>selfLen) == 0) return true;
  }
  return false;
}

function bodyPiece(i: i32, p: usize, n: i32, now: f64): void {
  const l = linkAt(i);
  if (isHost && l.relayCount > 0) relayPush(i, p, n, now);
  if (l.appMsg != 0) appData(i, p, n);
}

/**
 * Relay: the bytes of link i's incoming message go to each recipient's stream as they come.
 * A stream may take less than offered (its session still finishes another message, or the
 * send window is full): what it did not take waits in the link's PEND buffer, per recipient
 * offset, and the sender's connection is not read further until every recipient took it
 * (feedRoom). The MSRP layer buffers partial chunks itself, so the relay's last frame
 * carries '$' with data (RFC 4975 §5.1). Never drains the MSRP queue: this runs inside
 * drainMsrp, whose loop sends the frames after this piece (a nested drain would reorder).
 */
function relayPush(i: i32, p: usize, n: i32, now: f64): void { relayWrite(i, p, n, false, now); }

const PEND_CAP: i32 = CHAT_HDR_CAP + 1024 + CHAT_FEED_STEP;
const PENDS: usize = memory.data(CHAT_MEMBER_MAX * (CHAT_HDR_CAP + 1024 + CHAT_FEED_STEP), 8);
const PEND_DONE: usize = memory.data(CHAT_MEMBER_MAX * CHAT_MEMBER_MAX * 4, 8);
// @ts-ignore: decorator
@inline function pendOf(i: i32): usize { return PENDS + <usize>(i * PEND_CAP); }
// @ts-ignore: decorator
@inline function doneAt(i: i32, t: i32): usize { return PEND_DONE + <usize>((i * CHAT_MEMBER_MAX + t) * 4); }

function relayWrite(i: i32, p: usize, n: i32, last: bool, now: f64): void {
  const l = linkAt(i);
  if (n > 0) {
    if (n > PEND_CAP - l.pendLen) {
      // cannot happen while feedRoom holds the sender back; fail the relays rather than corrupt
      relayAbortAll(i, now);
      evError(503, "relay buffer overflow for", aorOf(i), l.aorLen);
      return;
    }
    memory.copy(pendOf(i) + <usize>l.pendLen, p, <usize>n);
    l.pendLen += n;
  }
  if (last) l.pendLast = 1;
  relayFlush(i, now);
}

/** Offers link i's pending relay bytes to every recipient stream; drops what all of them took. */
function relayFlush(i: i32, now: f64): void {
  const l = linkAt(i);
  let minDone = l.pendLen;
  let active = 0;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    const s = load<i32>(relayAt(i, t));
    if (s < 0) continue;
    const off = load<i32>(doneAt(i, t));
    const rem = l.pendLen - off;
    if (rem > 0 || l.pendLast != 0) {
      const w = msrpStreamWrite(s, pendOf(i) + <usize>off, rem, l.pendLast != 0, now);
      if (w < 0) { store<i32>(relayAt(i, t), -1); continue; }   // failed: SEND_FAILED told the app
      store<i32>(doneAt(i, t), off + w);
      if (l.pendLast != 0 && w == rem) { store<i32>(relayAt(i, t), -1); continue; }   // '$' went out
    }
    active++;
    const d = load<i32>(doneAt(i, t));
    if (d < minDone) minDone = d;
  }
  if (active == 0) { l.pendLen = 0; l.pendLast = 0; l.relayCount = 0; return; }
  if (minDone > 0) {
    memory.copy(pendOf(i), pendOf(i) + <usize>minDone, <usize>(l.pendLen - minDone));
    l.pendLen -= minDone;
    for (let t = 0; t < CHAT_MEMBER_MAX; t++) store<i32>(doneAt(i, t), load<i32>(doneAt(i, t)) - minDone);
  }
}

function relayAbortAll(i: i32, now: f64): void {
  const l = linkAt(i);
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    const s = load<i32>(relayAt(i, t));
    if (s >= 0) msrpStreamAbort(s, now);
    store<i32>(relayAt(i, t), -1);
  }
  l.relayCount = 0; l.pendLen = 0; l.pendLast = 0;
}

/** The sender's relays still hold bytes a recipient has not taken. */
function relayBusy(i: i32): bool {
  const l = linkAt(i);
  if (l.relayCount <= 0) return false;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    if (load<i32>(relayAt(i, t)) < 0) continue;
    if (l.pendLen - load<i32>(doneAt(i, t)) > 0 || l.pendLast != 0) return true;
  }
  return false;
}

/** The sender's '$' chunk arrived: relays end, the app gets its message event. */
function onDone(i: i32, now: f64): void {
  const l = linkAt(i);
  if (l.inPhase == IN_HDR) {
    // the whole message is shorter than a complete CPIM header block
    l.inPhase = IN_NONE;
    evError(400, "incomplete message/cpim from", aorOf(i), l.aorLen);
    return;
  }
  if (l.inPhase == IN_NOTICE) { noticeRead(hdrOf(i) + <usize>l.noticeOff, l.hdrLen - l.noticeOff); l.inPhase = IN_NONE; return; }
  if (l.inPhase != IN_BODY) { l.inPhase = IN_NONE; return; }
  finishIn(i, true, now);
}

function finishIn(i: i32, complete: bool, now: f64): void {
  const l = linkAt(i);
  if (isHost && l.relayCount > 0) {
    if (complete) relayWrite(i, 0, 0, true, now);
    else relayAbortAll(i, now);
  }
  if (l.appMsg != 0) {
    if (complete && outEventOpen()) {
      outStr("{\"event\":\"message\",\"from\":\""); outJsonBytes(fromOf(i), l.fromLen);
      outStr("\",\"id\":"); outDec(l.appMsg); outStr(",\"bytes\":"); outDec(l.appBytes);
      if (l.inPrivate != 0) outStr(",\"private\":true");
      outStr("}");
      outEventClose();
    }
    l.appMsg = 0;
  }
  l.inPhase = IN_NONE;
}

function onAborted(i: i32, code: i32, now: f64): void {
  const l = linkAt(i);
  if (l.inPhase == IN_BODY) finishIn(i, false, now);
  l.inPhase = IN_NONE;
  evError(code == 0 ? 499 : code, "message aborted by", aorOf(i), l.aorLen);
}

function appStart(i: i32, p: usize, n: i32): void {
  const l = linkAt(i);
  appSeq++; if (appSeq == 0) appSeq = 1;
  l.appMsg = appSeq; l.appBytes = 0;
  if (n > 0) appData(i, p, n);
}
function appData(i: i32, p: usize, n: i32): void {
  const l = linkAt(i);
  if (n <= 0) return;
  outPush(OUT_DATA, <i32>l.appMsg, 0, 0, p, n);
  l.appBytes += <u32>n;
}

// ---- transport entry points ---------------------------------------------------------------------

export function chatDatagram(base: usize, sock: i32, fromLen: i32, len: i32, now: f64): i32 {
  lastNow = now;
  const r = uaDatagram(base, sock, fromLen, len, now);
  pump(now);
  return r;
}
export function chatSipStreamOpen(base: usize, addrLen: i32): i32 { return uaStreamOpen(base, addrLen); }
export function chatSipStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  lastNow = now;
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

/** Room to take the next CHAT_FEED_STEP bytes from connection conn: the outbox has room and
 *  the relays of whoever sends on conn took everything so far. Other connections (which
 *  carry the recipients' 200s that open the window) keep flowing. */
function feedRoom(conn: i32): bool {
  if (outboxFree() < OUTBOX_CAP / 2) return false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state == L_FREE || l.relayCount <= 0) continue;
    if (msrpSessionConn(l.sess) == conn && relayBusy(i)) return false;
  }
  return true;
}

/** Bytes from MSRP connection conn; returns how many were taken (the host offers the rest later). */
export function chatMsrpStream(base: usize, conn: i32, len: i32, now: f64): i32 {
  if (!ready || len < 0) return -1;
  lastNow = now;
  let off = 0;
  for (let g = 0; g < 4096 && off < len; g++) {
    if (!feedRoom(conn)) break;
    const n = len - off < CHAT_FEED_STEP ? len - off : CHAT_FEED_STEP;
    const used = msrpOnStream(<u32>conn, base + <usize>off, n, now);
    off += used;
    pump(now);
    if (used <= 0) break;
  }
  return off;
}

export function chatMsrpClosed(conn: i32, now: f64): void {
  lastNow = now;
  msrpOnConnClosed(<u32>conn);
  pump(now);
}
export function chatSipStreamClosed(conn: i32, now: f64): void {
  uaStreamClosed(conn, now);
  pump(now);
}

export function chatTimer(now: f64): void {
  lastNow = now;
  uaTimer(now);
  msrpOnTimer(now);
  pump(now);
}
export function chatNextDeadline(): f64 {
  const a = uaNextDeadline(), b = msrpNextDeadline();
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

/** Members in the chat (host: joined participants; participant: 1 when in a chat). */
export function chatMembers(): i32 {
  let n = 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (linkAt(i).state == L_UP) n++;
  return n;
}
export function chatSending(): bool { return sendActive; }

// ---- roster notices (RFC 4575 conference-info, carried in message/cpim over MSRP) ----------------
//
// RFC 7701 §5 lets the focus tell members who is in the room with the conference event package
// (RFC 4575). We carry the same XML body, a partial update with one <user> per change, inside
// message/cpim on the member's existing MSRP session instead of a SUBSCRIBE/NOTIFY dialog (no
// extra SIP dialog per member on a handset). A participant turns each <user> into a
// "joined" (state full/partial) or "left" (state deleted) event.

const CONF_CT = "application/conference-info+xml";
const NOTICE_SLOTS: i32 = 4;
const NOTICE_CAP: i32 = 2048;
const NOTICES: usize = memory.data(CHAT_MEMBER_MAX * 4 * 2048, 8);
/** Per slot: i32 state (0 free, 1 in flight) + 16-byte Message-ID. */
const NOTICE_META: usize = memory.data(CHAT_MEMBER_MAX * 4 * 20, 8);
let noticeVersion: u32 = 0;
let noticeDropped: u32 = 0;

function noticeMeta(t: i32, k: i32): usize { return NOTICE_META + <usize>((t * NOTICE_SLOTS + k) * 20); }

/** Tells member `to` (a focus handle) that link `about` joined or left (a partial update). */
function noticeSend(to: u32, joined: bool, about: i32, now: f64): void {
  const t = linkByMember(to);
  if (t < 0) return;
  const d = noticeOpen(t, false);
  if (d == 0) return;
  noticeUser(d, aorOf(about), linkAt(about).aorLen, joined);
  noticeClose(t, now);
}

/** Tells link t, which just joined, who is in the room already (state="full", RFC 4575 §4.1):
 *  the host (a handset-hosted chat) and every other member that is up. */
function noticeFull(t: i32, now: f64): void {
  let others = 0;
  for (let j = 0; j < CHAT_MEMBER_MAX; j++) if (j != t && linkAt(j).state == L_UP) others++;
  if (others == 0 && isRoom) return;
  const d = noticeOpen(t, true);
  if (d == 0) return;
  if (!isRoom) noticeUser(d, SELF, selfLen, true);
  for (let j = 0; j < CHAT_MEMBER_MAX; j++) if (j != t && linkAt(j).state == L_UP) noticeUser(d, aorOf(j), linkAt(j).aorLen, true);
  noticeClose(t, now);
}

// the notice being built: its buffer, length and slot (one at a time, within one call)
let nLen: i32 = 0, nSlot: i32 = -1, nOk = false;

/** Starts a notice to link t in a free slot: CPIM header + conference-info head. 0 = none. */
function noticeOpen(t: i32, full: bool): usize {
  const l = linkAt(t);
  if (l.state != L_UP || l.sess < 0) return 0;
  nSlot = -1;
  for (let j = 0; j < NOTICE_SLOTS; j++) if (load<i32>(noticeMeta(t, j)) == 0) { nSlot = j; break; }
  if (nSlot < 0) { noticeDropped++; return 0; }   // notices in flight fill the slots: this one is lost (counted)
  const d = NOTICES + <usize>((t * NOTICE_SLOTS + nSlot) * NOTICE_CAP);
  if (2 * selfLen + l.aorLen + 400 > NOTICE_CAP) { noticeDropped++; return 0; }
  let n = putLit(d, 0, "From: <");
  memory.copy(d + <usize>n, SELF, <usize>selfLen); n += selfLen;
  n = putLit(d, n, ">\r\nTo: <");
  memory.copy(d + <usize>n, aorOf(t), <usize>l.aorLen); n += l.aorLen;
  n = putLit(d, n, ">\r\n\r\nContent-Type: application/conference-info+xml\r\n\r\n");
  n = putLit(d, n, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"");
  memory.copy(d + <usize>n, SELF, <usize>selfLen); n += selfLen;
  n = putLit(d, n, full ? "\" state=\"full\" version=\"" : "\" state=\"partial\" version=\"");
  noticeVersion++;
  n += putU32(d + <usize>n, noticeVersion);
  n = putLit(d, n, "\"><users>");
  nLen = n; nOk = true;
  return d;
}

/** One <user entity=".." state="full|deleted"/> (RFC 4575 §5.6). */
function noticeUser(d: usize, p: usize, len: i32, present: bool): void {
  if (!nOk || nLen + len + 64 > NOTICE_CAP - 48) { nOk = false; return; }
  let n = putLit(d, nLen, "<user entity=\"");
  memory.copy(d + <usize>n, p, <usize>len); n += len;
  nLen = putLit(d, n, present ? "\" state=\"full\"/>" : "\" state=\"deleted\"/>");
}

function noticeClose(t: i32, now: f64): void {
  if (!nOk) { noticeDropped++; return; }
  const d = NOTICES + <usize>((t * NOTICE_SLOTS + nSlot) * NOTICE_CAP);
  const n = putLit(d, nLen, "</users></conference-info>\r\n");
  const m = noticeMeta(t, nSlot);
  store<u8>(m + 4, 110); store<u8>(m + 5, 116);            // "nt" + 14 hex
  const v = rnd64();
  for (let j = 0; j < 14; j++) { const x = <u32>((v >> (<u64>(4 * j))) & 15); store<u8>(m + 6 + <usize>j, <u8>(x < 10 ? 48 + x : 87 + x)); }
  if (msrpSendMessage(linkAt(t).sess, m + 4, 16, B_CPIM, CPIM_CT.length, d, n, 0, 0, now) != 0) { noticeDropped++; return; }
  store<i32>(m, 1);
}

function putU32(d: usize, v: u32): i32 {
  let k = 1; let x = v;
  while (x >= 10) { x /= 10; k++; }
  let y = v;
  for (let j = k - 1; j >= 0; j--) { store<u8>(d + <usize>j, <u8>(48 + y % 10)); y /= 10; }
  return k;
}

/** MESSAGE_SENT / SEND_FAILED for a notice: its slot is free again. */
function noticeFree(id: usize, idl: i32): void {
  if (idl != 16 || load<u8>(id) != 110 || load<u8>(id + 1) != 116) return;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    for (let k = 0; k < NOTICE_SLOTS; k++) {
      const m = noticeMeta(t, k);
      if (load<i32>(m) != 0 && memory.compare(m + 4, id, 16) == 0) { store<i32>(m, 0); return; }
    }
  }
}

/** Offset of s in [p, p+n) at or after `from`, or -1. */
function findLit(p: usize, n: i32, from: i32, s: string): i32 {
  const l = s.length;
  for (let i = from; i + l <= n; i++) {
    let ok = true;
    for (let j = 0; j < l; j++) if (<u32>load<u8>(p + <usize>(i + j)) != <u32>s.charCodeAt(j)) { ok = false; break; }
    if (ok) return i;
  }
  return -1;
}

/** Reads the <user entity=".." state=".."> elements of a conference-info body into events. */
function noticeRead(p: usize, n: i32): void {
  let at = 0;
  for (let g = 0; g < 16; g++) {
    const u = findLit(p, n, at, "<user ");
    if (u < 0) return;
    let e = findLit(p, n, u, ">");
    if (e < 0) return;
    at = e + 1;
    const es = findLit(p, e, u, "entity=\"");
    if (es < 0) continue;
    const ev = findLit(p, e, es + 8, "\"");
    if (ev < 0 || ev - (es + 8) <= 0 || ev - (es + 8) > CHAT_AOR_CAP) continue;
    const ss = findLit(p, e, u, "state=\"");
    const deleted = ss >= 0 && findLit(p, e, ss, "state=\"deleted\"") == ss;
    const ep = p + <usize>(es + 8), el = ev - (es + 8);
    if (el == selfLen && memory.compare(ep, SELF, <usize>selfLen) == 0) continue;
    evMember(deleted ? "left" : "joined", "member", ep, el);
  }
}
