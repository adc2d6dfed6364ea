// Chat roster: the members of each hosted chat in one fixed pool (CHAT_MAX x CHAT_MEMBER_MAX slots).
//
// RFCs and sections:
//   RFC 7701 (multi-party chat using MSRP): the focus keeps, per chat room, each participant's
//            URI (the AOR it authenticated with over SIP) and an optional nickname; the CPIM
//            From of every relayed message is set from this roster, never from the sender's bytes.
//   RFC 7701 nicknames: unique inside one chat room; a taken one -> MSRP 425, a malformed one -> 424
//            (IANA MSRP status codes registered by RFC 7701).
//   RFC 8266 (nickname profile): compared after case mapping; we fold ASCII only (gap: no Unicode
//            case folding / normalisation, UTF-8 bytes are compared as they are).
//   RFC 3261 §19.1.4 URI comparison, simplified for AORs: scheme and host caseless, user part
//            exact, URI parameters and headers ignored.
//
// A member is identified by the u32 handle the caller gives (its dialog or MSRP session handle);
// the roster never looks at SIP or MSRP state. The host counts as a member (flag isHost).
// Storage is memory.data; nothing is allocated.
//
// Errors: ChatErr (0 = OK), shared by chat/focus.ts; chatErrCode() maps each to the SIP or MSRP
// status the caller answers with, chatErrReason() to a short ASCII reason.

import { CHAT_MAX, CHAT_MEMBER_MAX, CHAT_AOR_CAP, CHAT_NICK_CAP } from "../mem/limits";
import { lower } from "../mem/bytes";

export const enum ChatErr {
  Ok = 0,
  /** Chat handle stale, out of range, or the chat has ended. */
  BadChat = 1,
  /** The handle is not a member of this chat (MSRP 403: not allowed to post here). */
  NotMember = 2,
  /** The member was invited but has not joined yet (or the transition is not allowed). */
  BadState = 3,
  /** Member pool of the chat full: refuse the member (SIP 486 Busy Here). */
  PoolFull = 4,
  /** Chat pool full: no new chat room (SIP 503). */
  ChatPoolFull = 5,
  /** The handle or the AOR is already in the roster. */
  Duplicate = 6,
  /** AOR / chat URI empty, too long, or with bytes that cannot go inside "<" ">" of a CPIM address. */
  BadAor = 7,
  /** The body is not message/cpim (RFC 7701: chat messages are wrapped in CPIM) -> MSRP 415. */
  NotCpim = 8,
  /** The CPIM body does not parse (detail: focusCpimErr()) -> MSRP 400. */
  BadCpim = 9,
  /** The body, or the rebuilt body, does not fit CPIM_BODY_MAX / CHAT_OUT_CAP -> MSRP 413. */
  TooLarge = 10,
  /** Private message to a URI that is not a joined member (RFC 7701 private messages) -> MSRP 404. */
  UnknownRecipient = 11,
  /** Private message with more than one To, or to the sender itself -> MSRP 403. */
  BadRecipient = 12,
  /** RFC 7701 nicknames: malformed -> MSRP 424. */
  NickBad = 13,
  /** RFC 7701 nicknames: reserved or already in use -> MSRP 425. */
  NickInUse = 14,
  /** Prefix mode: the first piece does not hold every CPIM and MIME header yet. */
  NeedMore = 15,
  /** Action queue full (cannot happen with CHAT_ACT_MAX >= 3 * CHAT_MEMBER_MAX; kept as a guard). */
  ActFull = 16,
  Count = 17
}

/** Status to answer with: SIP for invite/join/create errors, MSRP for message errors. */
export function chatErrCode(e: i32): i32 {
  switch (e) {
    case ChatErr.Ok: return 200;
    case ChatErr.BadChat: return 481;
    case ChatErr.NotMember: return 403;
    case ChatErr.BadState: return 403;
    case ChatErr.PoolFull: return 486;
    case ChatErr.ChatPoolFull: return 503;
    case ChatErr.Duplicate: return 486;
    case ChatErr.BadAor: return 400;
    case ChatErr.NotCpim: return 415;
    case ChatErr.BadCpim: return 400;
    case ChatErr.TooLarge: return 413;
    case ChatErr.UnknownRecipient: return 404;
    case ChatErr.BadRecipient: return 403;
    case ChatErr.NickBad: return 424;
    case ChatErr.NickInUse: return 425;
    case ChatErr.NeedMore: return 0;
    case ChatErr.ActFull: return 500;
  }
  return 500;
}

export function chatErrReason(e: i32): string {
  switch (e) {
    case ChatErr.Ok: return "ok";
    case ChatErr.BadChat: return "no such chat";
    case ChatErr.NotMember: return "not a member of this chat";
    case ChatErr.BadState: return "member state does not allow this";
    case ChatErr.PoolFull: return "chat is full";
    case ChatErr.ChatPoolFull: return "no room for another chat";
    case ChatErr.Duplicate: return "already a member";
    case ChatErr.BadAor: return "unusable member URI";
    case ChatErr.NotCpim: return "chat messages must be message/cpim";
    case ChatErr.BadCpim: return "malformed message/cpim";
    case ChatErr.TooLarge: return "message too large for the chat";
    case ChatErr.UnknownRecipient: return "private recipient is not in this chat";
    case ChatErr.BadRecipient: return "private message needs one other recipient";
    case ChatErr.NickBad: return "malformed nickname";
    case ChatErr.NickInUse: return "nickname already in use";
    case ChatErr.NeedMore: return "CPIM headers incomplete";
    case ChatErr.ActFull: return "chat action queue full";
  }
  return "chat error";
}

export const enum MemberState { Free = 0, Invited = 1, Joined = 2 }

/** One roster slot; the AOR and nickname bytes follow the fixed fields (see aorPtr / nickPtr). */
// @ts-ignore: decorator
@unmanaged
export class Member {
  state: i32;
  handle: u32;
  isHost: i32;
  aorLen: i32;
  nickLen: i32;
  /** Join order (for stable listing; the host is 0). */
  seq: i32;
}

// @ts-ignore: decorator
@inline const MEMBER_HDR: i32 = 24;
// @ts-ignore: decorator
@inline const SLOT_SIZE: i32 = (MEMBER_HDR + CHAT_AOR_CAP + CHAT_NICK_CAP + 7) & ~7;

const SLOTS: usize = memory.data(CHAT_MAX * CHAT_MEMBER_MAX * SLOT_SIZE, 8);

/** Slot s (0..CHAT_MEMBER_MAX-1) of chat index c (0..CHAT_MAX-1); callers check the ranges. */
// @ts-ignore: decorator
@inline export function memberAt(c: i32, s: i32): Member {
  return changetype<Member>(SLOTS + <usize>((c * CHAT_MEMBER_MAX + s) * SLOT_SIZE));
}
// @ts-ignore: decorator
@inline export function memberAorPtr(m: Member): usize { return changetype<usize>(m) + MEMBER_HDR; }
// @ts-ignore: decorator
@inline export function memberNickPtr(m: Member): usize { return changetype<usize>(m) + MEMBER_HDR + CHAT_AOR_CAP; }

export function rosterClear(c: i32): void {
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const m = memberAt(c, s);
    m.state = MemberState.Free; m.handle = 0; m.isHost = 0; m.aorLen = 0; m.nickLen = 0; m.seq = 0;
  }
}

/**
 * Strips one pair of "<" ">" around a URI (callers may pass a name-addr's angle form) and checks
 * that the rest can sit inside a CPIM address (RFC 3862 §4.1: no SP, CTL, "<", ">", a scheme and ":").
 * Returns the trimmed length (the start is at off + uriStart) or -1. uriStart is set through START.
 */
let uriStart: i32 = 0;
export function aorCheck(p: usize, len: i32): i32 {
  uriStart = 0;
  if (len >= 2 && load<u8>(p) == 0x3c && load<u8>(p + len - 1) == 0x3e) { uriStart = 1; len -= 2; }
  if (len <= 0 || len > CHAT_AOR_CAP) return -1;
  const q = p + uriStart;
  let colon = -1;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(q + i);
    if (c <= 32 || c >= 0x7f || c == 0x3c || c == 0x3e || c == 0x22) return -1;
    if (c == 0x3a && colon < 0) colon = i;
  }
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986 §3.1)
  if (colon < 1 || colon == len - 1) return -1;
  const c0 = lower(load<u8>(q));
  if (c0 < 0x61 || c0 > 0x7a) return -1;
  return len;
}
export function aorCheckStart(): i32 { return uriStart; }

/**
 * AOR equality (RFC 3261 §19.1.4, reduced): scheme and host[:port] caseless, userinfo exact,
 * anything from the first ";" or "?" after the host on ignored.
 */
export function aorEq(a: usize, alen: i32, b: usize, blen: i32): bool {
  const ae = aorMainLen(a, alen), be = aorMainLen(b, blen);
  if (ae != be) return false;
  const aat = indexOfByte(a, ae, 0x40), bat = indexOfByte(b, be, 0x40);
  if (aat != bat) return false;
  const acol = indexOfByte(a, ae, 0x3a);
  for (let i = 0; i < ae; i++) {
    let x = <u32>load<u8>(a + i), y = <u32>load<u8>(b + i);
    // userinfo (between the scheme colon and "@") is case-sensitive; the rest is not
    if (!(aat >= 0 && i > acol && i < aat)) { x = lower(x); y = lower(y); }
    if (x != y) return false;
  }
  return true;
}

function indexOfByte(p: usize, len: i32, b: u32): i32 {
  for (let i = 0; i < len; i++) if (<u32>load<u8>(p + i) == b) return i;
  return -1;
}

/** Length of scheme ":" [userinfo "@"] hostport, without ";params" / "?headers". */
function aorMainLen(p: usize, len: i32): i32 {
  let at = indexOfByte(p, len, 0x40);
  let i = at >= 0 ? at + 1 : 0;
  for (; i < len; i++) {
    const c = load<u8>(p + i);
    if (c == 0x3b || c == 0x3f) return i;
  }
  return len;
}

/** Slot of the member with this handle (any live state), or -1. */
export function rosterFindHandle(c: i32, handle: u32): i32 {
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const m = memberAt(c, s);
    if (m.state != MemberState.Free && m.handle == handle) return s;
  }
  return -1;
}

/** Slot of the live member whose AOR equals [p, p+len) (aorEq), or -1. */
export function rosterFindAor(c: i32, p: usize, len: i32): i32 {
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const m = memberAt(c, s);
    if (m.state != MemberState.Free && aorEq(memberAorPtr(m), m.aorLen, p, len)) return s;
  }
  return -1;
}

/** Slot of the live member whose nickname equals [p, p+len) caselessly (ASCII folding), or -1. */
export function rosterFindNick(c: i32, p: usize, len: i32): i32 {
  if (len <= 0) return -1;
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const m = memberAt(c, s);
    if (m.state == MemberState.Free || m.nickLen != len) continue;
    const np = memberNickPtr(m);
    let same = true;
    for (let i = 0; i < len; i++) {
      if (lower(load<u8>(np + i)) != lower(load<u8>(p + i))) { same = false; break; }
    }
    if (same) return s;
  }
  return -1;
}

/**
 * Adds a member. Returns the slot, or -ChatErr (BadAor, Duplicate, PoolFull). The AOR bytes are
 * copied (the SIP message they came from is gone by the time messages flow).
 */
export function rosterAdd(c: i32, handle: u32, aorPtr: usize, aorLen: i32, state: i32, isHost: bool, seq: i32): i32 {
  const n = aorCheck(aorPtr, aorLen);
  if (n < 0) return -ChatErr.BadAor;
  const ap = aorPtr + uriStart;
  if (rosterFindHandle(c, handle) >= 0 || rosterFindAor(c, ap, n) >= 0) return -ChatErr.Duplicate;
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const m = memberAt(c, s);
    if (m.state != MemberState.Free) continue;
    m.state = state; m.handle = handle; m.isHost = isHost ? 1 : 0; m.nickLen = 0; m.seq = seq;
    memory.copy(memberAorPtr(m), ap, n);
    m.aorLen = n;
    return s;
  }
  return -ChatErr.PoolFull;
}

export function rosterRemove(c: i32, s: i32): void {
  const m = memberAt(c, s);
  m.state = MemberState.Free; m.handle = 0; m.isHost = 0; m.aorLen = 0; m.nickLen = 0;
}

/**
 * RFC 7701 nickname rules as we apply them: 1..CHAT_NICK_CAP bytes, no CTL/DEL, no DQUOTE or
 * backslash (so it can always be written as a CPIM String), no leading or trailing space
 * (RFC 8266 §2.2: leading/trailing spaces are removed; we refuse rather than rewrite).
 */
export function nickOk(p: usize, len: i32): bool {
  if (len <= 0 || len > CHAT_NICK_CAP) return false;
  if (load<u8>(p) == 32 || load<u8>(p + len - 1) == 32) return false;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    if (c < 32 || c == 0x7f || c == 0x22 || c == 0x5c) return false;
  }
  return true;
}

/** Sets (len > 0) or clears (len == 0) slot s's nickname. Returns ChatErr (NickBad, NickInUse). */
export function rosterSetNick(c: i32, s: i32, p: usize, len: i32): i32 {
  const m = memberAt(c, s);
  if (len == 0) { m.nickLen = 0; return ChatErr.Ok; }
  if (!nickOk(p, len)) return ChatErr.NickBad;
  const other = rosterFindNick(c, p, len);
  if (other >= 0 && other != s) return ChatErr.NickInUse;
  memory.copy(memberNickPtr(m), p, len);
  m.nickLen = len;
  return ChatErr.Ok;
}

/** Members in a state (MemberState), or every live member when state < 0. */
export function rosterCount(c: i32, state: i32): i32 {
  let n = 0;
  for (let s = 0; s < CHAT_MEMBER_MAX; s++) {
    const st = memberAt(c, s).state;
    if (st != MemberState.Free && (state < 0 || st == state)) n++;
  }
  return n;
}
