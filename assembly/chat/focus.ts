// Chat host (focus) logic, sans-I/O: rooms, roster changes, and the relay of chat messages.
//
// RFCs and sections:
//   RFC 7701 (multi-party chat using MSRP), the parts this file implements:
//     - the focus relays a member's message to every OTHER member of the room, never back to
//       the sender, wrapped in message/cpim;
//     - it never trusts the CPIM From the sender wrote: the relayed From is the sender's own
//       URI as the roster knows it (the identity its SIP dialog was set up with), optionally
//       with its nickname as the display name;
//     - a private message names one member in its CPIM To (instead of the room URI): it goes to
//       that member only; an unknown recipient -> MSRP 404 "Failure to resolve recipient's URI";
//     - nicknames are unique per room (425 in use, 424 malformed; see roster.ts).
//   RFC 3862 §3-§5  message/cpim: From, To, DateTime, NS, Require and extension headers; the
//            encapsulated MIME part (Content-Type etc. and the content) is copied byte for byte.
//   RFC 5438 §6     imdn.* headers (and their NS) are copied, so delivery notifications still work.
//   RFC 3339 §5.6   DateTime: kept when the sender set one (the parser checked it), else set
//            from the host-given time; the core never reads a clock.
//   Seed/issue 5 steps 15-20: a participant leaves -> the others are told; the room lives while
//            at least two members (host included; invited members count as coming) remain,
//            and ends when fewer do; the host leaving ends it at once and BYEs everyone.
//
// API (chat handles are i32 = index | generation << 8; members are u32 handles the caller
// chose, e.g. its MSRP session or dialog handle; every call first clears the action queue,
// so drain it after each call):
//   focusCreate(uriPtr, uriLen, hostHandle, hostAorPtr, hostAorLen): i32   handle or -1
//       hostAorLen == 0: server-hosted room (no host member; focusEnd closes it)
//   focusInvite(chat, member, aorPtr, aorLen): ChatErr      roster += member (invited)
//   focusJoin(chat, member): ChatErr                         invited -> joined; JOINED to the others
//   focusAdmit(chat, member, aorPtr, aorLen): ChatErr       invite + join (member INVITEd the room)
//   focusLeave(chat, member): ChatErr                        LEFT to the others; maybe ENDED + BYE-all
//   focusEnd(chat): ChatErr                                  ENDED + BYE/CANCEL to every other member
//   focusSetNick(chat, member, nickPtr, nickLen): ChatErr   RFC 7701 nickname (len 0 clears)
//   focusOnSend(chat, member, ctypePtr, ctypeLen, bodyPtr, bodyLen, nowSec, flags): ChatErr
//       checks the MSRP Content-Type is message/cpim (else 415), then focusOnMessage
//   focusOnMessage(chat, member, bodyPtr, bodyLen, nowSec, flags): ChatErr
//       builds the relayed body once into a fixed buffer and queues FANOUT(to, ptr, len)
//   focusActCount() / focusAct(i): ChatAct                   the queued actions
//   focusOutPtr() / focusOutLen() / focusContentOff()        the rebuilt body; where the
//       copied MIME part starts in the input (prefix mode: bytes after bodyLen go out unchanged)
//   focusLastError() / focusCpimErr() / chatErrCode(e) / chatErrReason(e)
//   focusChatState(chat), focusMemberState(chat, member), focusMemberCount(chat, state),
//   focusMemberAorPtr/Len(chat, member), focusMemberNickPtr/Len(chat, member), focusChatUriPtr/Len(chat)
//   focusReset()
//
// Errors never touch the other members: a bad message is refused for its sender (the caller
// answers with chatErrCode) and nothing is queued for anybody.

import { CHAT_MAX, CHAT_MEMBER_MAX, CHAT_AOR_CAP, CHAT_OUT_CAP, CHAT_ACT_MAX, CPIM_BODY_MAX, CPIM_HDR_MAX } from "../mem/limits";
import { eqNoCase, isWs, isClass, C_TOKEN } from "../mem/bytes";
import { CpimMsg, CpimHdrEntry, CpimHdr, CpimErr, cpimMsgAt, parseCpim } from "../wire/cpim";
import { putDateTime } from "../wire/cpim_build";
import { BodyWriter, bwStart, bwStr, bwSpan, bwRaw } from "../wire/sdp_build";
import {
  ChatErr, MemberState, Member, memberAt, memberAorPtr, memberNickPtr, rosterClear, rosterAdd,
  rosterRemove, rosterFindHandle, rosterFindAor, rosterSetNick, rosterCount, aorCheck, aorCheckStart, aorEq,
} from "./roster";

export { ChatErr, chatErrCode, chatErrReason, MemberState } from "./roster";

export const enum ChatState { Free = 0, Open = 1 }

/** Action kinds (the caller turns them into MSRP SENDs, app events, SIP BYE/CANCEL). */
export const enum ChatActKind {
  /** Send body [ptr, ptr+len) as a message/cpim SEND to member `to`; `about` = the sender. */
  Fanout = 1,
  /** Tell member `to` that member `about` joined. */
  Joined = 2,
  /** Tell member `to` that member `about` left. */
  Left = 3,
  /** The chat has ended (once per chat; `to` = the host member or 0, `about` = who caused it or 0). */
  Ended = 4,
  /** End member `to`'s dialog with BYE (it had joined) and close its MSRP session. */
  Bye = 5,
  /** Member `to` was still being invited: CANCEL the INVITE (RFC 3261 §9). */
  Cancel = 6,
}

/** prefix mode: [bodyPtr, bodyLen) is only the first piece of a larger CPIM body (all headers in it). */
export const FOCUS_PREFIX: i32 = 1;

// @ts-ignore: decorator
@unmanaged
export class ChatAct {
  kind: i32;
  chat: i32;
  to: u32;
  about: u32;
  ptr: usize;
  len: i32;
}

// @ts-ignore: decorator
@unmanaged
class Chat {
  state: i32;
  gen: u32;
  uriLen: i32;
  hostSlot: i32;
  seq: i32;
}

// @ts-ignore: decorator
@inline const GEN_MASK: u32 = 0xffffff;

const CHATS: usize = memory.data(CHAT_MAX * offsetof<Chat>(), 8);
const URIS: usize = memory.data(CHAT_MAX * CHAT_AOR_CAP, 8);
const ACTS: usize = memory.data(CHAT_ACT_MAX * offsetof<ChatAct>(), 8);
const OUT: usize = memory.data(CHAT_OUT_CAP, 8);
const DT: usize = memory.data(32, 8);
const W = changetype<BodyWriter>(memory.data(offsetof<BodyWriter>(), 8));
const MSG: CpimMsg = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));

let actCount: i32 = 0;
let lastErr: i32 = 0;
let cpimErr: i32 = 0;
let outLen: i32 = 0;
let contentOff: i32 = 0;
let inited: bool = false;

// @ts-ignore: decorator
@inline function chatAt(i: i32): Chat { return changetype<Chat>(CHATS + <usize>(i * offsetof<Chat>())); }
// @ts-ignore: decorator
@inline function uriPtr(i: i32): usize { return URIS + <usize>(i * CHAT_AOR_CAP); }

function ensureInit(): void {
  if (inited) return;
  inited = true;
  for (let i = 0; i < CHAT_MAX; i++) { const c = chatAt(i); c.state = ChatState.Free; c.gen = 1; c.uriLen = 0; c.hostSlot = -1; c.seq = 0; }
}

/** Frees every chat (tests, agent restart); generations move on so old handles go stale. */
export function focusReset(): void {
  ensureInit();
  for (let i = 0; i < CHAT_MAX; i++) {
    const c = chatAt(i);
    if (c.state != ChatState.Free) freeChat(i);
    rosterClear(i);
  }
  actCount = 0; lastErr = 0; cpimErr = 0; outLen = 0; contentOff = 0;
}

/** Chat index of a live handle, or -1 (lastErr = BadChat). */
function chatIndex(h: i32): i32 {
  ensureInit();
  const i = h & 0xff;
  if (h < 0 || i >= CHAT_MAX) { lastErr = ChatErr.BadChat; return -1; }
  const c = chatAt(i);
  if (c.state == ChatState.Free || c.gen != (<u32>h >>> 8)) { lastErr = ChatErr.BadChat; return -1; }
  return i;
}

function freeChat(i: i32): void {
  const c = chatAt(i);
  c.state = ChatState.Free; c.uriLen = 0; c.hostSlot = -1;
  let g = (c.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  c.gen = g;
  rosterClear(i);
}

function fail(e: i32): i32 { lastErr = e; return e; }

function push(kind: i32, chat: i32, to: u32, about: u32, ptr: usize, len: i32): bool {
  if (actCount >= CHAT_ACT_MAX) return false;
  const a = changetype<ChatAct>(ACTS + <usize>(actCount * offsetof<ChatAct>()));
  a.kind = kind; a.chat = chat; a.to = to; a.about = about; a.ptr = ptr; a.len = len;
  actCount++;
  return true;
}

function begin(): void { actCount = 0; lastErr = ChatErr.Ok; cpimErr = 0; }

// ---- rooms and roster ------------------------------------------------------------------

/**
 * Creates a room at chat URI [uriPtr, uriLen) (the handset host's own AOR or chat URI, or the
 * server's sip:chat-<id>@domain). With hostAorLen > 0 the host is the first member, joined at
 * once (it counts toward "two members remain"). Returns the chat handle, or -1 (focusLastError:
 * BadAor, ChatPoolFull).
 */
export function focusCreate(uriP: usize, uriLen: i32, hostHandle: u32, hostAorPtr: usize, hostAorLen: i32): i32 {
  ensureInit();
  begin();
  const n = aorCheck(uriP, uriLen);
  if (n < 0) { lastErr = ChatErr.BadAor; return -1; }
  const us = aorCheckStart();
  if (hostAorLen > 0 && aorCheck(hostAorPtr, hostAorLen) < 0) { lastErr = ChatErr.BadAor; return -1; }
  for (let i = 0; i < CHAT_MAX; i++) {
    const c = chatAt(i);
    if (c.state != ChatState.Free) continue;
    rosterClear(i);
    memory.copy(uriPtr(i), uriP + us, n);
    c.uriLen = n; c.hostSlot = -1; c.seq = 0; c.state = ChatState.Open;
    if (hostAorLen > 0) {
      const s = rosterAdd(i, hostHandle, hostAorPtr, hostAorLen, MemberState.Joined, true, c.seq++);
      if (s < 0) { freeChat(i); lastErr = -s; return -1; }
      c.hostSlot = s;
    }
    return i | <i32>(c.gen << 8);
  }
  lastErr = ChatErr.ChatPoolFull;
  return -1;
}

/** Adds an invited member (the host sent, or is about to send, its INVITE). PoolFull -> 486. */
export function focusInvite(chat: i32, member: u32, aorPtr: usize, aorLen: i32): i32 {
  begin();
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  const c = chatAt(i);
  const s = rosterAdd(i, member, aorPtr, aorLen, MemberState.Invited, false, c.seq + 1);
  if (s < 0) return fail(-s);
  c.seq++;
  return ChatErr.Ok;
}

/** Invited -> joined (its dialog is confirmed and its MSRP session bound): JOINED to every other joined member. */
export function focusJoin(chat: i32, member: u32): i32 {
  begin();
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  const s = rosterFindHandle(i, member);
  if (s < 0) return fail(ChatErr.NotMember);
  const m = memberAt(i, s);
  if (m.state != MemberState.Invited) return fail(ChatErr.BadState);
  m.state = MemberState.Joined;
  tellOthers(i, chat, s, ChatActKind.Joined);
  return ChatErr.Ok;
}

/** A member that INVITEd the room itself (server-hosted rooms): invite + join in one step. */
export function focusAdmit(chat: i32, member: u32, aorPtr: usize, aorLen: i32): i32 {
  const e = focusInvite(chat, member, aorPtr, aorLen);
  if (e != ChatErr.Ok) return e;
  return focusJoin(chat, member);
}

function tellOthers(i: i32, chat: i32, s: i32, kind: i32): void {
  const about = memberAt(i, s).handle;
  for (let k = 0; k < CHAT_MEMBER_MAX; k++) {
    if (k == s) continue;
    const o = memberAt(i, k);
    if (o.state == MemberState.Joined) push(kind, chat, o.handle, about, 0, 0);
  }
}

/** ENDED, then BYE (joined) / CANCEL (invited) to every member but the host; frees the room. */
function endChat(i: i32, chat: i32, about: u32): void {
  const c = chatAt(i);
  let hostHandle: u32 = 0;
  if (c.hostSlot >= 0) {
    const hm = memberAt(i, c.hostSlot);
    if (hm.state != MemberState.Free) hostHandle = hm.handle;
  }
  push(ChatActKind.Ended, chat, hostHandle, about, 0, 0);
  for (let k = 0; k < CHAT_MEMBER_MAX; k++) {
    const o = memberAt(i, k);
    if (o.state == MemberState.Free || o.isHost != 0) continue;
    push(o.state == MemberState.Joined ? ChatActKind.Bye : ChatActKind.Cancel, chat, o.handle, about, 0, 0);
  }
  freeChat(i);
}

/**
 * A member leaves (BYE received, invitation declined or failed). The others are told (LEFT,
 * when it had joined). The host leaving ends the room; otherwise the room ends when fewer than
 * two members (joined or still invited) remain, and the remaining non-host member gets a BYE.
 */
export function focusLeave(chat: i32, member: u32): i32 {
  begin();
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  const s = rosterFindHandle(i, member);
  if (s < 0) return fail(ChatErr.NotMember);
  const m = memberAt(i, s);
  if (m.isHost != 0) { endChat(i, chat, member); return ChatErr.Ok; }
  if (m.state == MemberState.Joined) tellOthers(i, chat, s, ChatActKind.Left);
  rosterRemove(i, s);
  if (rosterCount(i, -1) < 2) endChat(i, chat, member);
  return ChatErr.Ok;
}

/** The host (or the server for a server-hosted room) closes the room: ENDED + BYE-all. */
export function focusEnd(chat: i32): i32 {
  begin();
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  endChat(i, chat, 0);
  return ChatErr.Ok;
}

/** RFC 7701 nickname for a member (len 0 clears). NickBad -> 424, NickInUse -> 425. */
export function focusSetNick(chat: i32, member: u32, p: usize, len: i32): i32 {
  begin();
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  const s = rosterFindHandle(i, member);
  if (s < 0) return fail(ChatErr.NotMember);
  const e = rosterSetNick(i, s, p, len);
  if (e != ChatErr.Ok) return fail(e);
  return ChatErr.Ok;
}

// ---- messages ---------------------------------------------------------------------------

/** RFC 7701: chat messages are message/cpim; parameters after ";" are allowed. NotCpim -> 415. */
export function focusOnSend(chat: i32, member: u32, ctypePtr: usize, ctypeLen: i32,
                            bodyPtr: usize, bodyLen: i32, nowSec: u64, flags: i32): i32 {
  let n = 0;
  while (n < ctypeLen && load<u8>(ctypePtr + n) != 0x3b) n++;
  while (n > 0 && isWs(load<u8>(ctypePtr + n - 1))) n--;
  if (!eqNoCase(ctypePtr, n, "message/cpim")) {
    begin();
    if (chatIndex(chat) < 0) return ChatErr.BadChat;
    return fail(ChatErr.NotCpim);
  }
  return focusOnMessage(chat, member, bodyPtr, bodyLen, nowSec, flags);
}

/** Length of the header line that starts at off (up to, not including, CR or LF). */
function lineLen(p: usize, len: i32, off: i32): i32 {
  let i = off;
  while (i < len) {
    const c = load<u8>(p + i);
    if (c == 13 || c == 10) break;
    i++;
  }
  return i - off;
}

/** Offset just after the empty line that ends the CPIM message headers (first CRLF CRLF), or -1. */
function mimeStart(p: usize, len: i32): i32 {
  for (let i = 0; i + 3 < len; i++) {
    if (load<u8>(p + i) == 13 && load<u8>(p + i + 1) == 10 && load<u8>(p + i + 2) == 13 && load<u8>(p + i + 3) == 10) return i + 4;
  }
  return -1;
}

/** Writes [name SP]<uri> for a member: the nickname, if any, as a Token run or a quoted String (RFC 3862 §4.1). */
function writeMemberAddr(w: BodyWriter, m: Member): void {
  const nl = m.nickLen;
  if (nl > 0) {
    const np = memberNickPtr(m);
    let plain = true;
    for (let k = 0; k < nl; k++) {
      const ch = <u32>load<u8>(np + k);
      if (!isClass(ch, C_TOKEN)) { plain = false; break; }
    }
    if (!plain) bwStr(w, "\"");
    bwSpan(w, np, nl);
    bwStr(w, plain ? " " : "\" ");
  }
  bwStr(w, "<"); bwSpan(w, memberAorPtr(m), m.aorLen); bwStr(w, ">\r\n");
}

/**
 * A chat message from `member` (its MSRP SEND body, message/cpim). Parses it, picks the
 * recipients (the room: every other joined member; or one member named in the CPIM To), and
 * builds the relayed body once into the fan-out buffer:
 *   From: [nick ]<sender AOR from the roster>   (RFC 7701: never the sender's own From)
 *   To: <room URI> (or <recipient AOR> for a private message)
 *   DateTime: the sender's (validated) or nowSec's (omitted when both are absent)
 *   the other message headers in order (NS, Require, Subject, imdn.*, extensions; cc dropped)
 *   the empty line, then the encapsulated MIME part copied unchanged.
 * Queues FANOUT(to, ptr, len) per recipient. Returns ChatErr; on error nothing is queued.
 * flags FOCUS_PREFIX: the body is the first piece of a larger message; the rest of the
 * original bytes are to be forwarded unchanged after the rebuilt piece.
 */
export function focusOnMessage(chat: i32, member: u32, bodyPtr: usize, bodyLen: i32, nowSec: u64, flags: i32): i32 {
  begin();
  outLen = 0; contentOff = 0;
  const i = chatIndex(chat);
  if (i < 0) return ChatErr.BadChat;
  const s = rosterFindHandle(i, member);
  if (s < 0) return fail(ChatErr.NotMember);
  const sender = memberAt(i, s);
  if (sender.state != MemberState.Joined) return fail(ChatErr.BadState);
  if (bodyLen > CPIM_BODY_MAX) return fail(ChatErr.TooLarge);
  if (bodyLen <= 0) { cpimErr = CpimErr.Empty; return fail(ChatErr.BadCpim); }
  const m = MSG;
  if (parseCpim(m, bodyPtr, bodyLen, 0) < 0) {
    cpimErr = m.err;
    // prefix mode: no LF before the end of the piece means a header line is cut short, not bad
    if ((flags & FOCUS_PREFIX) != 0 && m.err == CpimErr.NoEmptyLine) return fail(ChatErr.NeedMore);
    return fail(m.err == CpimErr.TooLarge ? ChatErr.TooLarge : ChatErr.BadCpim);
  }
  const ms = mimeStart(bodyPtr, bodyLen);
  if (ms < 0) { cpimErr = CpimErr.NoEmptyLine; return fail(ChatErr.BadCpim); }

  // recipients: a To naming the room makes it a room message; else exactly one To = private
  const cu = uriPtr(i), cl = chatAt(i).uriLen;
  let toRoom = false;
  let toIdx = -1;
  for (let k = 0; k < m.msgHdrCount; k++) {
    const h = m.h(k);
    if (h.kind != CpimHdr.To) continue;
    if (aorEq(bodyPtr + h.uriOff, h.uriLen, cu, cl)) { toRoom = true; break; }
    if (toIdx < 0) toIdx = k;
  }
  let target = -1;
  if (!toRoom) {
    if (m.toCount != 1) return fail(ChatErr.BadRecipient);
    const h = m.h(toIdx);
    target = rosterFindAor(i, bodyPtr + h.uriOff, h.uriLen);
    if (target < 0 || memberAt(i, target).state != MemberState.Joined) return fail(ChatErr.UnknownRecipient);
    if (target == s) return fail(ChatErr.BadRecipient);
  }

  // build once
  const w = W;
  bwStart(w, OUT, CHAT_OUT_CAP);
  bwStr(w, "From: ");
  writeMemberAddr(w, sender);
  bwStr(w, "To: <");
  if (toRoom) bwSpan(w, cu, cl);
  else { const t = memberAt(i, target); bwSpan(w, memberAorPtr(t), t.aorLen); }
  bwStr(w, ">\r\n");
  if (m.dateTimeIdx >= 0) {
    const h = m.h(m.dateTimeIdx);
    bwSpan(w, bodyPtr + h.nameOff, lineLen(bodyPtr, bodyLen, h.nameOff)); bwStr(w, "\r\n");
  } else if (nowSec > 0) {
    const n = putDateTime(DT, nowSec);
    if (n > 0) { bwStr(w, "DateTime: "); bwSpan(w, DT, n); bwStr(w, "\r\n"); }
  }
  for (let k = 0; k < m.msgHdrCount; k++) {
    const h = m.h(k);
    const kd = h.kind;
    if (kd == CpimHdr.From || kd == CpimHdr.To || kd == CpimHdr.Cc || kd == CpimHdr.DateTime) continue;
    bwSpan(w, bodyPtr + h.nameOff, lineLen(bodyPtr, bodyLen, h.nameOff)); bwStr(w, "\r\n");
  }
  bwStr(w, "\r\n");
  bwRaw(w, bodyPtr + ms, bodyLen - ms);
  if (w.pos < 0) return fail(ChatErr.TooLarge);
  outLen = w.pos;
  contentOff = ms;

  if (toRoom) {
    for (let k = 0; k < CHAT_MEMBER_MAX; k++) {
      if (k == s) continue;
      const o = memberAt(i, k);
      if (o.state != MemberState.Joined) continue;
      if (!push(ChatActKind.Fanout, chat, o.handle, member, OUT, outLen)) { actCount = 0; return fail(ChatErr.ActFull); }
    }
  } else {
    push(ChatActKind.Fanout, chat, memberAt(i, target).handle, member, OUT, outLen);
  }
  return ChatErr.Ok;
}

// ---- accessors ----------------------------------------------------------------------------

export function focusActCount(): i32 { return actCount; }
/** Action record i (0 <= i < focusActCount()); valid until the next focus call. */
export function focusAct(i: i32): ChatAct {
  const k = i < 0 ? 0 : (i >= CHAT_ACT_MAX ? CHAT_ACT_MAX - 1 : i);
  return changetype<ChatAct>(ACTS + <usize>(k * offsetof<ChatAct>()));
}
export function focusOutPtr(): usize { return OUT; }
export function focusOutLen(): i32 { return outLen; }
/** Offset in the last input where the copied MIME part began. */
export function focusContentOff(): i32 { return contentOff; }
export function focusLastError(): i32 { return lastErr; }
/** CpimErr detail of the last BadCpim / NeedMore. */
export function focusCpimErr(): i32 { return cpimErr; }

/** ChatState of a handle (Free for stale handles, e.g. after the room ended). */
export function focusChatState(chat: i32): i32 {
  const e = lastErr;
  const i = chatIndex(chat);
  lastErr = e;
  return i < 0 ? ChatState.Free : chatAt(i).state;
}

function slotOf(chat: i32, member: u32): i32 {
  const e = lastErr;
  const i = chatIndex(chat);
  lastErr = e;
  if (i < 0) return -1;
  const s = rosterFindHandle(i, member);
  return s < 0 ? -1 : (i << 8) | s;
}

/** MemberState of a member (Free when not in the room). */
export function focusMemberState(chat: i32, member: u32): i32 {
  const r = slotOf(chat, member);
  return r < 0 ? MemberState.Free : memberAt(r >> 8, r & 0xff).state;
}
/** Members in a MemberState, or all live ones with state < 0. 0 for a stale handle. */
export function focusMemberCount(chat: i32, state: i32): i32 {
  const e = lastErr;
  const i = chatIndex(chat);
  lastErr = e;
  return i < 0 ? 0 : rosterCount(i, state);
}
export function focusMemberAorPtr(chat: i32, member: u32): usize {
  const r = slotOf(chat, member);
  return r < 0 ? 0 : memberAorPtr(memberAt(r >> 8, r & 0xff));
}
export function focusMemberAorLen(chat: i32, member: u32): i32 {
  const r = slotOf(chat, member);
  return r < 0 ? 0 : memberAt(r >> 8, r & 0xff).aorLen;
}
export function focusMemberNickPtr(chat: i32, member: u32): usize {
  const r = slotOf(chat, member);
  return r < 0 ? 0 : memberNickPtr(memberAt(r >> 8, r & 0xff));
}
export function focusMemberNickLen(chat: i32, member: u32): i32 {
  const r = slotOf(chat, member);
  return r < 0 ? 0 : memberAt(r >> 8, r & 0xff).nickLen;
}
export function focusChatUriPtr(chat: i32): usize {
  const e = lastErr;
  const i = chatIndex(chat);
  lastErr = e;
  return i < 0 ? 0 : uriPtr(i);
}
export function focusChatUriLen(chat: i32): i32 {
  const e = lastErr;
  const i = chatIndex(chat);
  lastErr = e;
  return i < 0 ? 0 : chatAt(i).uriLen;
}
