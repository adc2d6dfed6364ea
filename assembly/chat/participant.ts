// Participant side of a chat: one invitation's way from INVITE to "in chat" to "left", as an
// explicit transition table (h11 style) over a fixed pool. Sans-I/O: the caller reports what
// happened on SIP and MSRP (partStep) and gets back the new state, or an error when the step
// comes out of order; it never sends anything itself.
//
// RFCs and sections:
//   Seed steps 3-9 / CHAT-FLOW.md: the participant opens the MSRP connection to the host and
//            binds its session (the host answers the bind SEND with 200) BEFORE it answers the
//            INVITE with 200 OK; then the host ACKs. That is RFC 6135's connection model with
//            the host offering a=setup:passive (or actpass) and us answering a=setup:active.
//   RFC 4975 §5.4: without a=setup the offerer (the host) is the active side and connects after
//            the answer: mode PART_ANSWER_FIRST (200 OK first; the host's bind and the ACK may
//            then come in either order).
//   RFC 4975 §7.1.1: the bind is a SEND (an empty one is allowed) that the other side answers 200.
//   RFC 3261 §15: the callee must not send BYE before the ACK for its 2xx has arrived (or the 2xx
//            retransmissions have timed out): leaving while answered gives LeaveHow.ByeAfterAck.
//   RFC 3261 §9.2: a CANCEL before our final answer ends the invitation (EvRemoteBye when invited).
//   RFC 7701 / RFC 3862: partBuildCpim wraps our text in message/cpim, To = the room (or one
//            member for a private message), From = our own AOR.
//
// States (PartState) and steps (PartEv), mode PART_CONNECT_FIRST (the seed's order):
//   Invited --Connect--> Connecting --Bound--> Bound --Answered--> Answered --Acked--> InChat
// mode PART_ANSWER_FIRST (RFC 4975 default):
//   Invited --Answered--> AnsweredUnbound --Bound--> Answered --Acked--> InChat
//                                         --Acked--> AckedUnbound --Bound--> InChat
// Leave / RemoteBye / Fail take any live state to Left. Anything else is OutOfOrder and changes
// nothing. Left slots are reused when the pool has no free slot.
//
// API (handles are i32 = index | generation << 8; -1 = error, partLastError() says why):
//   partInvited(ref, chatUriPtr, chatUriLen, mode): i32     a new invitation (PoolFull -> 486)
//   partStep(h, ev): i32                                      new PartState, or -1 (OutOfOrder)
//   partLeave(h): i32                                         LeaveHow (what to send), or -1
//   partState(h), partRef(h), partMode(h), partChatUriPtr(h) / partChatUriLen(h)
//   partBuildCpim(h, dst, cap, fromPtr, fromLen, toPtr, toLen, ctypePtr, ctypeLen,
//                 contentPtr, contentLen, nowSec): i32 length or -1 (only InChat)
//   partFree(h), partReset(), partLastError(), partErrCode(e), partErrReason(e)

import { CHAT_PART_MAX, CHAT_AOR_CAP } from "../mem/limits";
import { aorCheck, aorCheckStart } from "./roster";
import { CpimBuildParams, buildCpim, putDateTime } from "../wire/cpim_build";

export const enum PartState {
  Free = 0, Invited = 1, Connecting = 2, Bound = 3, Answered = 4, InChat = 5, Left = 6,
  AnsweredUnbound = 7, AckedUnbound = 8, Count = 9
}

export const enum PartEv {
  /** We start the MSRP connection to the host's a=path (the app accepted the invitation). */
  Connect = 0,
  /** The session is bound: the bind SEND got its 200 (ours in connect-first, the host's in answer-first). */
  Bound = 1,
  /** We sent 200 OK to the INVITE. */
  Answered = 2,
  /** The host's ACK arrived. */
  Acked = 3,
  /** We leave (or decline). */
  Leave = 4,
  /** The host sent BYE (or CANCEL before our answer). */
  RemoteBye = 5,
  /** MSRP connect/bind failed or timed out, or the dialog failed. */
  Fail = 6,
  Count = 7
}

/** The seed's order (RFC 6135, we are a=setup:active): connect + bind, then 200 OK. */
export const PART_CONNECT_FIRST: i32 = 0;
/** RFC 4975 §5.4 default (no a=setup in the offer): 200 OK, then the host connects and binds. */
export const PART_ANSWER_FIRST: i32 = 1;

/** What leaving means on the wire, from the state we leave. */
export const enum LeaveHow {
  /** No 2xx sent yet: answer the INVITE with a final error (603 Decline) and close any MSRP connection. */
  Decline = 1,
  /** 200 OK sent, no ACK yet: send BYE once the ACK arrives (RFC 3261 §15). */
  ByeAfterAck = 2,
  /** Dialog confirmed: send BYE and close the MSRP session. */
  Bye = 3,
}

export const enum PartErr { Ok = 0, BadHandle = 1, OutOfOrder = 2, PoolFull = 3, BadUri = 4, BadEvent = 5, Count = 6 }

export function partErrCode(e: i32): i32 {
  switch (e) {
    case PartErr.Ok: return 200;
    case PartErr.BadHandle: return 481;
    case PartErr.OutOfOrder: return 500;
    case PartErr.PoolFull: return 486;
    case PartErr.BadUri: return 400;
    case PartErr.BadEvent: return 500;
  }
  return 500;
}

export function partErrReason(e: i32): string {
  switch (e) {
    case PartErr.Ok: return "ok";
    case PartErr.BadHandle: return "no such invitation";
    case PartErr.OutOfOrder: return "step out of order for this chat state";
    case PartErr.PoolFull: return "too many chats";
    case PartErr.BadUri: return "unusable chat URI";
    case PartErr.BadEvent: return "unknown step";
  }
  return "participant error";
}

// @ts-ignore: decorator
@inline const X: u8 = 0xff;

// NEXT[mode][state][ev], ev order: Connect, Bound, Answered, Acked, Leave, RemoteBye, Fail.
// @ts-ignore: decorator
@lazy const NEXT: usize = memory.data<u8>([
  // mode 0, PART_CONNECT_FIRST
  X, X, X, X, X, X, X,   // Free
  2, X, X, X, 6, 6, 6,   // Invited -> Connecting
  X, 3, X, X, 6, 6, 6,   // Connecting -> Bound
  X, X, 4, X, 6, 6, 6,   // Bound -> Answered
  X, X, X, 5, 6, 6, 6,   // Answered -> InChat
  X, X, X, X, 6, 6, 6,   // InChat
  X, X, X, X, X, X, X,   // Left
  X, X, X, X, X, X, X,   // AnsweredUnbound (not in this mode)
  X, X, X, X, X, X, X,   // AckedUnbound (not in this mode)
  // mode 1, PART_ANSWER_FIRST
  X, X, X, X, X, X, X,   // Free
  X, X, 7, X, 6, 6, 6,   // Invited -> AnsweredUnbound
  X, X, X, X, X, X, X,   // Connecting (not in this mode)
  X, X, X, X, X, X, X,   // Bound (not in this mode)
  X, X, X, 5, 6, 6, 6,   // Answered (bound, waiting for ACK) -> InChat
  X, X, X, X, 6, 6, 6,   // InChat
  X, X, X, X, X, X, X,   // Left
  X, 4, X, 8, 6, 6, 6,   // AnsweredUnbound -> Answered / AckedUnbound
  X, 5, X, X, 6, 6, 6,   // AckedUnbound -> InChat
]);

// @ts-ignore: decorator
@unmanaged
class Part {
  state: i32;
  gen: u32;
  mode: i32;
  ref: u32;
  uriLen: i32;
  age: u32;
}

// @ts-ignore: decorator
@inline const GEN_MASK: u32 = 0xffffff;

const PARTS: usize = memory.data(CHAT_PART_MAX * offsetof<Part>(), 8);
const URIS: usize = memory.data(CHAT_PART_MAX * CHAT_AOR_CAP, 8);
const BP = changetype<CpimBuildParams>(memory.data(offsetof<CpimBuildParams>(), 8));
const DT: usize = memory.data(32, 8);

let lastErr: i32 = 0;
let inited: bool = false;
let clock: u32 = 0;

// @ts-ignore: decorator
@inline function partAt(i: i32): Part { return changetype<Part>(PARTS + <usize>(i * offsetof<Part>())); }

function ensureInit(): void {
  if (inited) return;
  inited = true;
  for (let i = 0; i < CHAT_PART_MAX; i++) { const p = partAt(i); p.state = PartState.Free; p.gen = 1; p.uriLen = 0; }
}

function release(i: i32): void {
  const p = partAt(i);
  p.state = PartState.Free; p.uriLen = 0;
  let g = (p.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  p.gen = g;
}

/** Frees every slot; old handles go stale. */
export function partReset(): void {
  ensureInit();
  for (let i = 0; i < CHAT_PART_MAX; i++) if (partAt(i).state != PartState.Free) release(i);
  lastErr = PartErr.Ok;
}

function indexOf(h: i32): i32 {
  ensureInit();
  const i = h & 0xff;
  if (h < 0 || i >= CHAT_PART_MAX) { lastErr = PartErr.BadHandle; return -1; }
  const p = partAt(i);
  if (p.state == PartState.Free || p.gen != (<u32>h >>> 8)) { lastErr = PartErr.BadHandle; return -1; }
  return i;
}

/**
 * An INVITE to a chat arrived. ref: the caller's handle (dialog or invitation id). The chat URI
 * (the To of our CPIM messages) is copied. Returns a handle (state Invited), or -1: PoolFull
 * (the caller answers 486 Busy Here), BadUri.
 */
export function partInvited(ref: u32, chatUriPtr: usize, chatUriLen: i32, mode: i32): i32 {
  ensureInit();
  lastErr = PartErr.Ok;
  const n = aorCheck(chatUriPtr, chatUriLen);
  if (n < 0 || (mode != PART_CONNECT_FIRST && mode != PART_ANSWER_FIRST)) { lastErr = PartErr.BadUri; return -1; }
  const st = aorCheckStart();
  // a free slot, else the Left slot that left longest ago
  let pick = -1;
  for (let i = 0; i < CHAT_PART_MAX; i++) if (partAt(i).state == PartState.Free) { pick = i; break; }
  if (pick < 0) {
    let best: u32 = 0;
    for (let i = 0; i < CHAT_PART_MAX; i++) {
      const p = partAt(i);
      if (p.state == PartState.Left && (pick < 0 || clock - p.age > best)) { pick = i; best = clock - p.age; }
    }
    if (pick < 0) { lastErr = PartErr.PoolFull; return -1; }
    release(pick);
  }
  const p = partAt(pick);
  p.state = PartState.Invited; p.mode = mode; p.ref = ref; p.age = clock++;
  memory.copy(URIS + <usize>(pick * CHAT_AOR_CAP), chatUriPtr + st, n);
  p.uriLen = n;
  return pick | <i32>(p.gen << 8);
}

/** Applies one step. Returns the new PartState, or -1 (BadHandle, BadEvent, OutOfOrder: state unchanged). */
export function partStep(h: i32, ev: i32): i32 {
  lastErr = PartErr.Ok;
  const i = indexOf(h);
  if (i < 0) return -1;
  if (ev < 0 || ev >= PartEv.Count) { lastErr = PartErr.BadEvent; return -1; }
  const p = partAt(i);
  const nx = load<u8>(NEXT + <usize>((p.mode * PartState.Count + p.state) * PartEv.Count + ev));
  if (nx == X) { lastErr = PartErr.OutOfOrder; return -1; }
  p.state = nx;
  if (nx == PartState.Left) p.age = clock++;
  return nx;
}

/** We leave: returns how (LeaveHow) from the state we were in, and moves to Left; -1 if already left. */
export function partLeave(h: i32): i32 {
  lastErr = PartErr.Ok;
  const i = indexOf(h);
  if (i < 0) return -1;
  const st = partAt(i).state;
  let how = LeaveHow.Bye;
  if (st == PartState.Invited || st == PartState.Connecting || st == PartState.Bound) how = LeaveHow.Decline;
  else if (st == PartState.Answered || st == PartState.AnsweredUnbound) how = LeaveHow.ByeAfterAck;
  if (partStep(h, PartEv.Leave) < 0) return -1;
  return how;
}

export function partState(h: i32): i32 {
  const e = lastErr;
  const i = indexOf(h);
  lastErr = e;
  return i < 0 ? PartState.Free : partAt(i).state;
}
export function partRef(h: i32): u32 {
  const e = lastErr;
  const i = indexOf(h);
  lastErr = e;
  return i < 0 ? 0 : partAt(i).ref;
}
export function partMode(h: i32): i32 {
  const e = lastErr;
  const i = indexOf(h);
  lastErr = e;
  return i < 0 ? -1 : partAt(i).mode;
}
export function partChatUriPtr(h: i32): usize {
  const e = lastErr;
  const i = indexOf(h);
  lastErr = e;
  return i < 0 ? 0 : URIS + <usize>(i * CHAT_AOR_CAP);
}
export function partChatUriLen(h: i32): i32 {
  const e = lastErr;
  const i = indexOf(h);
  lastErr = e;
  return i < 0 ? 0 : partAt(i).uriLen;
}

/** Frees a slot (any state); the handle goes stale. */
export function partFree(h: i32): i32 {
  const i = indexOf(h);
  if (i < 0) return PartErr.BadHandle;
  release(i);
  return PartErr.Ok;
}

export function partLastError(): i32 { return lastErr; }

/**
 * Wraps content in message/cpim for the room (RFC 7701, RFC 3862): From = <our AOR>, To = the
 * chat URI, or [toPtr, toLen) for a private message to one member; DateTime from nowSec (0 =
 * none). Only once InChat (messages before the session is bound would be lost). Returns the
 * length written at dst, or -1 (OutOfOrder, or buildCpim refused: too small, bad values).
 */
export function partBuildCpim(h: i32, dst: usize, cap: i32, fromPtr: usize, fromLen: i32, toPtr: usize, toLen: i32,
                              ctypePtr: usize, ctypeLen: i32, contentPtr: usize, contentLen: i32, nowSec: u64): i32 {
  lastErr = PartErr.Ok;
  const i = indexOf(h);
  if (i < 0) return -1;
  if (partAt(i).state != PartState.InChat) { lastErr = PartErr.OutOfOrder; return -1; }
  const a = BP;
  a.fromNamePtr = 0; a.fromNameLen = 0; a.fromUriPtr = fromPtr; a.fromUriLen = fromLen;
  a.toNamePtr = 0; a.toNameLen = 0;
  if (toLen > 0) { a.toUriPtr = toPtr; a.toUriLen = toLen; }
  else { a.toUriPtr = URIS + <usize>(i * CHAT_AOR_CAP); a.toUriLen = partAt(i).uriLen; }
  a.dateTimeLen = 0; a.dateTimePtr = DT;
  if (nowSec > 0) { const n = putDateTime(DT, nowSec); if (n > 0) a.dateTimeLen = n; }
  a.imdnIdPtr = 0; a.imdnIdLen = 0; a.imdnDispPtr = 0; a.imdnDispLen = 0;
  a.contentTypePtr = ctypePtr; a.contentTypeLen = ctypeLen;
  a.contentPtr = contentPtr; a.contentLen = contentLen;
  return buildCpim(dst, cap, a);
}
