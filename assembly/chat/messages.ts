// Chat messages through the role: incoming ones (the host relays them, everyone shows them to
// the app), the app's own, and what becomes of each copy. RFC 4975 §5.1 / §7.1, RFC 7701 §6,
// RFC 3862 (message/cpim).
//
// Incoming, per message (msrp/inbound.ts record k: chunks of several messages interleave):
//   - the CPIM header blocks are collected (CHAT_HDR_CAP) and parsed; text/plain from simple
//     clients gets the header the relay would have had (From = the sender's dialog identity);
//   - host: focusOnMessage rebuilds the header (From = the sender's roster AOR) and names the
//     recipients; each gets its own copy in its own send queue (msrp/sendq.ts): the rebuilt
//     header, then every content piece as it arrives. The sender's chunk is answered 200 only
//     after its pieces went into every recipient's queue (the MSRP layer answers at the
//     end-line, after the pieces were handed here): a 200 means custody. feedStep() keeps the
//     sender unread while any recipient's queue could not take the next step;
//   - '$' ends every copy; '#', an error or an idle sender aborts every copy ('#' on the wire):
//     a recipient never sees a partial message as complete;
//   - a copy that cannot be delivered (recipient refused it, timed out, left, was evicted)
//     gets the sender a failure REPORT (§7.1.2) and the host app an event naming the member.
// Body bytes are copied twice on the relay path: inbox -> recipient queue (sqWrite), queue ->
// outbox frame (sqFlush). App delivery is one copy: inbox -> DATA outbox record.

import {
  CHAT_MEMBER_MAX, CHAT_AOR_CAP, CHAT_HDR_CAP, CHAT_FEED_STEP, MSRP_IN_MAX, MSRP_MSGID_CAP, CPIM_HDR_MAX,
  OUTBOX_CAP, MSRP_Q_SLACK,
} from "../mem/limits";
import { eqNoCase } from "../mem/bytes";
import { outPush, outEventOpen, outEventClose, outStr, outJsonBytes, outDec, outboxFree, OUT_DATA } from "../mem/outbox";
import { msrpSessionConn, msrpSendFailureReport, MSRP_TYPE_TEXT, PIECE_NO_REPORT } from "../msrp/session";
import {
  sqMsgStart, sqWrite, sqEnd, sqAbort, sqRoom, sqMsgsFree, sqResultPop, sqResQueue, sqResTag, sqResOrigin, sqResCode,
  sqResIdPtr, sqResIdLen, SqResult,
} from "../msrp/sendq";
import { focusOnMessage, focusActCount, focusAct, focusOutPtr, focusOutLen, ChatActKind, FOCUS_PREFIX, chatErrCode, chatErrReason } from "./focus";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, CpimErr, CpimHdr } from "../wire/cpim";
import {
  R, SELF, HOST_MEMBER, L_UP, L_ANSWERED, L_FREE, linkAt, aorOf, linkByMember, linkBySess, linkByQueue, evError, putLit,
} from "./links";
import { noticeRead, CONF_CT, TAG_NOTICE } from "./notices";

const IN_NONE: i32 = 0, IN_HDR: i32 = 1, IN_BODY: i32 = 2, IN_DROP: i32 = 3;
/** Participant: a roster notice (application/conference-info+xml) being collected. */
const IN_NOTICE: i32 = 4;

/** Sender tag of a copy whose origin asked for no failure reports (§7.3.1). */
const TAG_RELAY: i32 = -1;
/** Tag of the app's own messages (roster notices: TAG_NOTICE of notices.ts). */
export const TAG_APP: i32 = -2;

export const CPIM_CT = "message/cpim";
const B_CPIM: usize = memory.data(16, 8);
export function cpimCt(): usize { putLit(B_CPIM, 0, CPIM_CT); return B_CPIM; }

// @ts-ignore: decorator
@unmanaged
class InChat {
  phase: i32;
  /** Sender's link. */
  link: i32;
  hdrLen: i32;
  /** Bytes of the header we made up for a text/plain message (not on the wire). */
  synthLen: i32;
  appMsg: u32;
  appBytes: u32;
  inPrivate: i32;
  fromLen: i32;
  noticeOff: i32;
  /** Copies still open (host). */
  copies: i32;
  /** The sender's declared total (-1: '*'). */
  total: f64;
  origin: i32;
  originIdLen: i32;
}

const IC_SIZE: i32 = (offsetof<InChat>() + 7) & ~7;
const ICS: usize = memory.data(MSRP_IN_MAX * ((offsetof<InChat>() + 7) & ~7), 8);
const HDRS: usize = memory.data(MSRP_IN_MAX * CHAT_HDR_CAP, 8);
const FROMS: usize = memory.data(MSRP_IN_MAX * CHAT_AOR_CAP, 8);
const ORIGIDS: usize = memory.data(MSRP_IN_MAX * MSRP_MSGID_CAP, 8);
/** Per incoming message, per recipient link: its copy's slot in that link's queue (-1 none). */
const COPIES: usize = memory.data(MSRP_IN_MAX * CHAT_MEMBER_MAX * 4, 8);
const CPIM: CpimMsg = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));

// @ts-ignore: decorator
@inline function icAt(k: i32): InChat { return changetype<InChat>(ICS + <usize>(k * IC_SIZE)); }
// @ts-ignore: decorator
@inline function hdrOf(k: i32): usize { return HDRS + <usize>(k * CHAT_HDR_CAP); }
// @ts-ignore: decorator
@inline function fromOf(k: i32): usize { return FROMS + <usize>(k * CHAT_AOR_CAP); }
// @ts-ignore: decorator
@inline function copyAt(k: i32, t: i32): usize { return COPIES + <usize>((k * CHAT_MEMBER_MAX + t) * 4); }

let appSeq: u32 = 0;

export function messagesReset(): void {
  for (let k = 0; k < MSRP_IN_MAX; k++) { icAt(k).phase = IN_NONE; icAt(k).copies = 0; for (let t = 0; t < CHAT_MEMBER_MAX; t++) store<i32>(copyAt(k, t), -1); }
  sendReset();
  stalledCount = 0;
}

// ---- incoming ------------------------------------------------------------------------------

/** A piece of incoming message k on session sess (msrp DELIVER_PIECE; info = MSRP_TYPE_* |
 *  PIECE_NO_REPORT, total = its declared total or -1). */
export function onPiece(k: i32, sess: i32, id: usize, idl: i32, p: usize, n: i32, info: i32, total: f64, now: f64): void {
  if (k < 0 || k >= MSRP_IN_MAX) return;
  const c = icAt(k);
  if (c.phase == IN_NONE) {
    const i = linkBySess(sess);
    if (i < 0) { c.phase = IN_DROP; return; }
    const l = linkAt(i);
    if (l.state != L_UP && l.state != L_ANSWERED) { c.phase = IN_DROP; c.link = i; return; }
    c.phase = IN_HDR; c.link = i; c.hdrLen = 0; c.synthLen = 0; c.appMsg = 0; c.appBytes = 0; c.inPrivate = 0;
    c.fromLen = 0; c.copies = 0; c.total = total;
    c.origin = (info & PIECE_NO_REPORT) != 0 ? -1 : sess;
    const il = idl < MSRP_MSGID_CAP ? idl : MSRP_MSGID_CAP;
    memory.copy(ORIGIDS + <usize>(k * MSRP_MSGID_CAP), id, <usize>il); c.originIdLen = il;
    for (let t = 0; t < CHAT_MEMBER_MAX; t++) store<i32>(copyAt(k, t), -1);
    // text/plain (our a=accept-types offers it, as simple MSRP clients send it): wrap it in the
    // CPIM header the relay would have had — From = the sender's dialog identity, To = the room
    if ((info & 0xff) == MSRP_TYPE_TEXT) {
      let w = putLit(hdrOf(k), 0, "From: <");
      memory.copy(hdrOf(k) + <usize>w, aorOf(i), <usize>l.aorLen); w += l.aorLen;
      w = putLit(hdrOf(k), w, ">\r\nTo: <");
      const rp = R.isHost != 0 ? SELF : aorOf(i), rl = R.isHost != 0 ? R.selfLen : l.aorLen;
      memory.copy(hdrOf(k) + <usize>w, rp, <usize>rl); w += rl;
      c.hdrLen = putLit(hdrOf(k), w, ">\r\n\r\nContent-Type: text/plain\r\n\r\n");
      c.synthLen = c.hdrLen;
    }
  }
  if (c.phase == IN_DROP) return;
  if (c.phase == IN_BODY) { bodyPiece(k, p, n, now); return; }
  if (c.phase == IN_NOTICE) {
    const m = n < CHAT_HDR_CAP - c.hdrLen ? n : CHAT_HDR_CAP - c.hdrLen;
    memory.copy(hdrOf(k) + <usize>c.hdrLen, p, <usize>m);
    c.hdrLen += m;
    return;
  }
  // IN_HDR: collect until the CPIM header blocks are complete
  const room = CHAT_HDR_CAP - c.hdrLen;
  const take = n < room ? n : room;
  memory.copy(hdrOf(k) + <usize>c.hdrLen, p, <usize>take);
  c.hdrLen += take;
  if (parseCpim(CPIM, hdrOf(k), c.hdrLen, 2) < 0) {
    if (CPIM.err == CpimErr.NoEmptyLine && c.hdrLen < CHAT_HDR_CAP) return;   // more to come
    c.phase = IN_DROP;
    const code = CPIM.err == CpimErr.NoEmptyLine ? 413 : 400;
    evError(code, "bad_message", "unusable message/cpim from", aorOf(c.link), linkAt(c.link).aorLen);
    reportOrigin(k, code);
    return;
  }
  if (!headerDone(k, now)) return;
  if (take < n) bodyPiece(k, p + <usize>take, n - take, now);
}

/** A failure REPORT to the sender of incoming message k (its copies cannot all be delivered). */
function reportOrigin(k: i32, code: i32): void {
  const c = icAt(k);
  if (c.origin < 0) return;
  msrpSendFailureReport(c.origin, ORIGIDS + <usize>(k * MSRP_MSGID_CAP), c.originIdLen, code, 0, R.lastNow);
}

/** A CPIM To of the parsed message names our own AOR: at a participant that makes it a private
 *  message (RFC 7701 §7); at a handset host, our AOR is also the room's URI. */
function toNamesUs(hb: usize): bool {
  for (let j = 0; j < CPIM.msgHdrCount; j++) {
    const h = CPIM.h(j);
    if (h.kind != CpimHdr.To) continue;
    if (h.uriLen == R.selfLen && memory.compare(hb + <usize>h.uriOff, SELF, <usize>R.selfLen) == 0) return true;
  }
  return false;
}

/** The CPIM headers of message k are in: route it. False: dropped. */
function headerDone(k: i32, now: f64): bool {
  const c = icAt(k);
  const hb = hdrOf(k);
  const contentOff = CPIM.contentOff;
  if (R.isHost == 0) {
    // participant: the host relayed it; From is the original sender (RFC 7701 §6)
    if (CPIM.fromIdx >= 0) {
      const h = CPIM.h(CPIM.fromIdx);
      const fl = h.uriLen < CHAT_AOR_CAP ? h.uriLen : CHAT_AOR_CAP;
      memory.copy(fromOf(k), hb + <usize>h.uriOff, <usize>fl); c.fromLen = fl;
    }
    c.inPrivate = toNamesUs(hb) ? 1 : 0;
    // a roster notice from the focus: collected whole (small), read at its end
    if (CPIM.contentTypeIdx >= 0) {
      const h = CPIM.h(CPIM.contentTypeIdx);
      if (h.valLen >= CONF_CT.length && eqNoCase(hb + <usize>h.valOff, CONF_CT.length, CONF_CT)) {
        c.phase = IN_NOTICE; c.noticeOff = contentOff;
        return true;
      }
    }
    c.phase = IN_BODY;
    appStart(k, hb + <usize>contentOff, c.hdrLen - contentOff);
    return true;
  }
  // host: the focus picks the recipients and rebuilds the header (From from the roster)
  const e = focusOnMessage(R.chat, <u32>(c.link + 1), hb, c.hdrLen, 0, FOCUS_PREFIX);
  if (e != 0) {
    c.phase = IN_DROP;
    evError(chatErrCode(e), "bad_message", chatErrReason(e), aorOf(c.link), linkAt(c.link).aorLen);
    reportOrigin(k, chatErrCode(e));
    return false;
  }
  c.phase = IN_BODY;
  const out = focusOutPtr(), outLen = focusOutLen();
  // the copy's total: known when the sender declared one (the header changed length)
  const t0 = c.total;
  const total: i64 = t0 < 0 ? -1 : <i64>outLen + (<i64>t0 - <i64>(c.hdrLen - c.synthLen));
  const na = focusActCount();
  let toApp = false;
  for (let a = 0; a < na; a++) {
    const x = focusAct(a);
    if (x.kind != ChatActKind.Fanout) continue;
    if (x.to == HOST_MEMBER) { toApp = true; continue; }
    const t = linkByMember(x.to);
    if (t < 0 || linkAt(t).q < 0) continue;
    const q = linkAt(t).q;
    const m = sqMsgStart(q, cpimCt(), CPIM_CT.length, total, c.origin < 0 ? TAG_RELAY : k, c.origin,
      ORIGIDS + <usize>(k * MSRP_MSGID_CAP), c.originIdLen);
    if (m < 0 || !sqWrite(q, m, out, outLen, now)) {
      if (m >= 0) sqAbort(q, m);
      copyFailed(t, c.origin, ORIGIDS + <usize>(k * MSRP_MSGID_CAP), c.originIdLen, 503);
      continue;
    }
    store<i32>(copyAt(k, t), m);
    c.copies++;
  }
  if (toApp) {
    // the host's own app reads it too (it is a member of its chat)
    c.inPrivate = CPIM.toCount == 1 && !toNamesUs(hb) ? 1 : 0;
    memory.copy(fromOf(k), aorOf(c.link), <usize>linkAt(c.link).aorLen); c.fromLen = linkAt(c.link).aorLen;
    appStart(k, hb + <usize>contentOff, c.hdrLen - contentOff);
  }
  return true;
}

function bodyPiece(k: i32, p: usize, n: i32, now: f64): void {
  const c = icAt(k);
  if (c.copies > 0) {
    for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
      const m = load<i32>(copyAt(k, t));
      if (m < 0) continue;
      const q = linkAt(t).q;
      if (!sqWrite(q, m, p, n, now)) {
        // the copy failed at its recipient meanwhile (reported then), or no room was left
        sqAbort(q, m);
        store<i32>(copyAt(k, t), -1);
        c.copies--;
      }
    }
  }
  if (c.appMsg != 0) appData(k, p, n);
}

/** MESSAGE_DONE for k: every copy ends ('$'), the app gets its message event. */
export function onDone(k: i32, now: f64): void {
  if (k < 0 || k >= MSRP_IN_MAX) return;
  const c = icAt(k);
  if (c.phase == IN_HDR) {
    // the whole message is shorter than a complete CPIM header block
    evError(400, "bad_message", "incomplete message/cpim from", aorOf(c.link), linkAt(c.link).aorLen);
    reportOrigin(k, 400);
  } else if (c.phase == IN_NOTICE) {
    noticeRead(hdrOf(k) + <usize>c.noticeOff, c.hdrLen - c.noticeOff);
  } else if (c.phase == IN_BODY) {
    for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
      const m = load<i32>(copyAt(k, t));
      if (m >= 0) sqEnd(linkAt(t).q, m);
    }
    if (c.appMsg != 0 && outEventOpen()) {
      outStr("{\"event\":\"message\",\"from\":\""); outJsonBytes(fromOf(k), c.fromLen);
      outStr("\",\"id\":"); outDec(c.appMsg); outStr(",\"bytes\":"); outDec(c.appBytes);
      if (c.inPrivate != 0) outStr(",\"private\":true");
      outStr("}");
      outEventClose();
    }
  }
  clearIn(k);
}

/** MESSAGE_ABORTED for k (code 0: the sender's '#'): every copy ends with '#', the app shows nothing. */
export function onAborted(k: i32, code: i32, now: f64): void {
  if (k < 0 || k >= MSRP_IN_MAX) return;
  const c = icAt(k);
  if (c.phase == IN_NONE) return;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    const m = load<i32>(copyAt(k, t));
    if (m >= 0 && linkAt(t).q >= 0) sqAbort(linkAt(t).q, m);
  }
  if (c.phase != IN_DROP && c.link >= 0) {
    const l = linkAt(c.link);
    if (code == 0) evError(499, "message_interrupted", "message interrupted by its sender", aorOf(c.link), l.aorLen);
    else evError(code, "message_aborted", code == 408 ? "message stalled, aborted: from" : "message aborted: from", aorOf(c.link), l.aorLen);
  }
  clearIn(k);
}

function clearIn(k: i32): void {
  const c = icAt(k);
  c.phase = IN_NONE; c.appMsg = 0; c.copies = 0;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) store<i32>(copyAt(k, t), -1);
}

/** Link t is gone: copies towards it are forgotten (its queue was closed and reported them). */
export function forgetRecipient(t: i32): void {
  for (let k = 0; k < MSRP_IN_MAX; k++) {
    if (load<i32>(copyAt(k, t)) >= 0) { store<i32>(copyAt(k, t), -1); icAt(k).copies--; }
  }
  if (load<i32>(sendAt(t)) >= 0) store<i32>(sendAt(t), -1);
}

function appStart(k: i32, p: usize, n: i32): void {
  const c = icAt(k);
  appSeq++; if (appSeq == 0) appSeq = 1;
  c.appMsg = appSeq; c.appBytes = 0;
  if (n > 0) appData(k, p, n);
}
function appData(k: i32, p: usize, n: i32): void {
  const c = icAt(k);
  if (n <= 0) return;
  outPush(OUT_DATA, <i32>c.appMsg, 0, 0, p, n);
  c.appBytes += <u32>n;
}

// ---- room: how much a sender may give now ---------------------------------------------------------

/** Smallest SEND that can start a message at us (start line, our To-Path, ids, end-line). */
const MSG_BYTES_MIN: i32 = 64;

/**
 * Bytes of connection conn the relay can take now (0: hold the sender back). The host's
 * recipients are every member up but the senders on conn; each of their queues must hold the
 * step plus the slack a rebuilt header may add, and a message record for each message the step
 * could start. The outbox keeps half free for the frames and events one step produces.
 */
export function feedStep(conn: i32, outbox: bool): i32 {
  // (RESUME decisions ignore the outbox: the host empties it right after the call)
  if (outbox && outboxFree() < OUTBOX_CAP / 2) return 0;
  let step = CHAT_FEED_STEP;
  if (R.isHost == 0) return step;
  for (let t = 0; t < CHAT_MEMBER_MAX; t++) {
    const l = linkAt(t);
    if (l.state != L_UP || l.q < 0 || msrpSessionConn(l.sess) == conn) continue;
    const byRoom = sqRoom(l.q) - MSRP_Q_SLACK;
    const byMsgs = (sqMsgsFree(l.q) - 1) * MSG_BYTES_MIN;
    if (byRoom < step) step = byRoom;
    if (byMsgs < step) step = byMsgs;
  }
  return step < 0 ? 0 : step;
}

// ---- what became of each copy -----------------------------------------------------------------

const STALLED: usize = memory.data(CHAT_MEMBER_MAX * 4, 8);
let stalledCount: i32 = 0;

/** A copy for link t could not be delivered (code): the sender gets a REPORT, the host app an event. */
function copyFailed(t: i32, origin: i32, idp: usize, idl: i32, code: i32): void {
  if (origin >= 0) msrpSendFailureReport(origin, idp, idl, code, 0, R.lastNow);
  evError(code, "not_delivered", "message not delivered to", aorOf(t), linkAt(t).aorLen);
}

/** Pops the send queues' results: failures reported; stalled queues listed for the caller. */
export function drainResults(now: f64): void {
  for (let g = 0; g < 4096; g++) {
    const r = sqResultPop();
    if (r == SqResult.None) return;
    const t = linkByQueue(sqResQueue());
    if (r == SqResult.Stalled) {
      if (t >= 0 && stalledCount < CHAT_MEMBER_MAX) { store<i32>(STALLED + <usize>(stalledCount * 4), t); stalledCount++; }
      continue;
    }
    if (r != SqResult.Failed) continue;
    const tag = sqResTag();
    if (tag == TAG_NOTICE) continue;   // a roster notice: the member is going anyway
    const origin = sqResOrigin();
    if (origin >= 0) msrpSendFailureReport(origin, sqResIdPtr(), sqResIdLen(), sqResCode(), <i64>0, now);
    if (t >= 0) evError(sqResCode(), "not_delivered", "message not delivered to", aorOf(t), linkAt(t).aorLen);
    else if (outEventOpen()) {
      outStr("{\"event\":\"error\",\"name\":\"not_delivered\",\"code\":"); outDec(<u32>sqResCode());
      outStr(",\"reason\":\"message not delivered (member gone)\"}");
      outEventClose();
    }
  }
}

/** The next link whose queue stalled (-1 none): the caller evicts it. */
export function stalledNext(): i32 {
  if (stalledCount <= 0) return -1;
  stalledCount--;
  return load<i32>(STALLED + <usize>(stalledCount * 4));
}

// ---- the app's own messages ----------------------------------------------------------------------

const SEND_HDR: usize = memory.data(CHAT_HDR_CAP, 8);
const SENDS: usize = memory.data(CHAT_MEMBER_MAX * 4, 8);   // queue message slot per link, -1 none
// @ts-ignore: decorator
@inline function sendAt(i: i32): usize { return SENDS + <usize>(i * 4); }
let sendActive = false;
let sendLeft: i64 = 0;
let sendHdrLen: i32 = 0;
let sendHdrDone = false;
/** A chatSendData took less than offered: SEND_READY goes out when room comes back. */
let sendWaiting = false;
/** A sendStart found a target queue without a free message record (SEND_WAIT): SEND_READY
 *  goes out when every member's queue has one again. */
let startWaiting = false;
/** sendStart's answer when the queues cannot take a new message yet (not an error). */
export const SEND_WAIT: i32 = 12;

/** Every member's queue can take one more message. */
function recordsFree(): bool {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if ((l.state == L_UP || l.state == L_ANSWERED) && l.q >= 0 && sqMsgsFree(l.q) < 1) return false;
  }
  return true;
}

function sendReset(): void {
  sendActive = false; sendWaiting = false; startWaiting = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) store<i32>(sendAt(i), -1);
}
export function sending(): bool { return sendActive; }

/**
 * Starts an app message: CPIM From = us, To = the room (toLen 0) or one member (private,
 * RFC 7701 §7), content text/plain of `total` bytes that follow with sendData. 0, or
 * 4 (no chat), 7 (a message is open), 11 (no such member).
 */
export function sendStart(toP: usize, toLen: i32, total: i64, now: f64): i32 {
  if (sendActive) return 7;
  // pipelining is bounded by the queues' message records: a full queue means wait, not fail
  if (!recordsFree()) { startWaiting = true; return SEND_WAIT; }
  // the room URI: the host's own AOR, or (participant) the host the invitation came from
  let roomP: usize = SELF, roomL = R.selfLen;
  let targets = 0, named = 0;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    store<i32>(sendAt(i), -1);
    const l = linkAt(i);
    if (l.state != L_UP && l.state != L_ANSWERED) continue;
    if (R.isHost == 0) { roomP = aorOf(i); roomL = l.aorLen; }
    if (R.isHost != 0 && toLen > 0 && !(l.aorLen == toLen && memory.compare(aorOf(i), toP, <usize>toLen) == 0)) continue;
    if (l.q < 0) continue;
    store<i32>(sendAt(i), -2);   // chosen
    targets++; named++;
    if (R.isHost == 0) break;
  }
  if (targets == 0) return R.isHost != 0 && toLen > 0 ? 11 : 4;
  let n = putLit(SEND_HDR, 0, "From: <");
  memory.copy(SEND_HDR + <usize>n, SELF, <usize>R.selfLen); n += R.selfLen;
  n = putLit(SEND_HDR, n, ">\r\nTo: <");
  if (toLen > 0) { memory.copy(SEND_HDR + <usize>n, toP, <usize>toLen); n += toLen; }
  else { memory.copy(SEND_HDR + <usize>n, roomP, <usize>roomL); n += roomL; }
  n = putLit(SEND_HDR, n, ">\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n\r\n");
  const msgTotal = <i64>n + total;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    if (load<i32>(sendAt(i)) != -2) continue;
    store<i32>(sendAt(i), -1);
    const m = sqMsgStart(linkAt(i).q, cpimCt(), CPIM_CT.length, msgTotal, TAG_APP, -1, 0, 0);
    if (m < 0) { evError(503, "not_delivered", "send queue full towards", aorOf(i), linkAt(i).aorLen); continue; }
    store<i32>(sendAt(i), m);
  }
  sendActive = true;
  sendLeft = total;
  sendHdrLen = n;
  sendHdrDone = false;
  // the header goes into the queues with the first content bytes (one chunk for a short
  // message); a message without content is complete with its header alone
  if (total == 0) sendFlushHeader(now);
  return 0;
}

/** Content bytes every target queue can take now. */
export function sendRoom(): i32 {
  if (!sendActive) return 0;
  let room = 0x7fffffff;
  let any = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const m = load<i32>(sendAt(i));
    if (m < 0) continue;
    any = true;
    const r = sqRoom(linkAt(i).q);
    if (r < room) room = r;
  }
  if (!any) return 0;
  if (!sendHdrDone) room -= sendHdrLen;
  return room < 0 ? 0 : room;
}

function sendFlushHeader(now: f64): void {
  if (sendHdrDone) return;
  let room = 0x7fffffff;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (load<i32>(sendAt(i)) >= 0) { const r = sqRoom(linkAt(i).q); if (r < room) room = r; }
  if (room < sendHdrLen) return;
  sendHdrDone = true;
  sendWrite(SEND_HDR, sendHdrLen, now);
  if (sendLeft == 0) sendFinish();
}

function sendWrite(p: usize, n: i32, now: f64): void {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const m = load<i32>(sendAt(i));
    if (m < 0) continue;
    if (!sqWrite(linkAt(i).q, m, p, n, now)) {
      // failed at its recipient meanwhile (reported then), or a notice took the room
      sqAbort(linkAt(i).q, m);
      store<i32>(sendAt(i), -1);
    }
  }
}

function sendFinish(): void {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const m = load<i32>(sendAt(i));
    if (m >= 0) sqEnd(linkAt(i).q, m);
    store<i32>(sendAt(i), -1);
  }
  sendActive = false;
}

/** Content bytes of the app message; returns how many were taken (0..n), -1 when none is open. */
export function sendData(p: usize, n: i32, now: f64): i32 {
  if (!sendActive) return -1;
  sendFlushHeader(now);
  if (!sendHdrDone) { sendWaiting = true; return 0; }
  let take = sendRoom();
  if (<i64>take > sendLeft) take = <i32>sendLeft;
  if (take > n) take = n;
  if (take < 0) take = 0;
  if (take > 0) sendWrite(p, take, now);
  sendLeft -= take;
  if (sendLeft == 0) sendFinish();
  else if (take < n) sendWaiting = true;
  let open = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (load<i32>(sendAt(i)) >= 0) open = true;
  if (!open) sendActive = false;
  return take;
}

/** True once when an app message that waited for room can go on (the caller sends SEND_READY). */
export function sendReadyNow(): bool {
  if (startWaiting) {
    if (!recordsFree()) return false;
    startWaiting = false;
    return true;
  }
  if (!sendWaiting) return false;
  let open = false;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (load<i32>(sendAt(i)) >= 0) open = true;
  // every recipient is gone: the app's next call learns it (-1)
  if (!open) sendActive = false;
  if (!sendActive) { sendWaiting = false; return true; }
  if (sendRoom() <= 0 && sendHdrDone) return false;
  if (!sendHdrDone) {
    let room = 0x7fffffff;
    for (let i = 0; i < CHAT_MEMBER_MAX; i++) if (load<i32>(sendAt(i)) >= 0) { const r = sqRoom(linkAt(i).q); if (r < room) room = r; }
    if (room < sendHdrLen) return false;
  }
  sendWaiting = false;
  return true;
}

/** Invariant after linkFree: no copy and no app message points at link t's (closed) queue. */
export function assertLinkForgotten(t: i32): void {
  for (let k = 0; k < MSRP_IN_MAX; k++) assert(load<i32>(copyAt(k, t)) < 0, "a copy outlived its recipient");
  assert(load<i32>(sendAt(t)) < 0, "an app message outlived its recipient");
}
