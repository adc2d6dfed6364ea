// State every part of the chat role shares: who we are, which part we play, and one link per
// SIP dialog + MSRP session (the host has one per member, a participant one towards its host),
// plus the app events they raise. The role files (agent_chat.ts: SIP flow and commands,
// messages.ts: incoming messages, relay and own sends, notices.ts: roster notices) read and
// write this state through the accessors below; nothing here does I/O.

import { CHAT_MEMBER_MAX, CHAT_AOR_CAP } from "../mem/limits";
import { outEventOpen, outEventClose, outStr, outJsonBytes, outDec } from "../mem/outbox";

// ---- link states -------------------------------------------------------------------------------

export const L_FREE: i32 = 0;
export const L_INVITING: i32 = 1;    // host: INVITE out, waiting for the answer
export const L_OFFERED: i32 = 2;     // participant: INVITE in, waiting for the app (or auto-accept)
export const L_BINDING: i32 = 3;     // participant: MSRP connect + bind in progress (seed steps 4-5)
export const L_ANSWERED: i32 = 4;    // participant: 200 OK sent, waiting for the ACK
export const L_UP: i32 = 5;
export const L_LEAVING: i32 = 6;     // our BYE (or CANCEL) is out

/** The focus's handle of the host member (links use index + 1). */
export const HOST_MEMBER: u32 = 0x7fff;

// @ts-ignore: decorator
@unmanaged
export class Link {
  state: i32;
  call: i32;
  sess: i32;
  /** Send queue (msrp/sendq.ts) towards this member, -1 none. */
  q: i32;
  aorLen: i32;
  /** Participant: the offerer connects to us (offer a=setup:active or none, RFC 4975 §5.4). */
  passive: i32;
}

const LINK_SIZE: i32 = (offsetof<Link>() + 7) & ~7;
const LINKS: usize = memory.data(CHAT_MEMBER_MAX * ((offsetof<Link>() + 7) & ~7), 8);
const AORS: usize = memory.data(CHAT_MEMBER_MAX * CHAT_AOR_CAP, 8);

// @ts-ignore: decorator
@inline export function linkAt(i: i32): Link { return changetype<Link>(LINKS + <usize>(i * LINK_SIZE)); }
// @ts-ignore: decorator
@inline export function aorOf(i: i32): usize { return AORS + <usize>(i * CHAT_AOR_CAP); }

// ---- the role ----------------------------------------------------------------------------------

// @ts-ignore: decorator
@unmanaged
export class Role {
  lastNow: f64;
  ready: i32;
  isHost: i32;
  isRoom: i32;
  autoAccept: i32;
  offerNoSetup: i32;
  /** Focus chat handle (host), -1 none. */
  chat: i32;
  selfLen: i32;
  ended: i32;
}
export const R: Role = changetype<Role>(memory.data(offsetof<Role>(), 8));
/** Our AOR "sip:user@domain" (at a handset host also the room's URI). */
export const SELF: usize = memory.data(CHAT_AOR_CAP, 8);

export function linkByCall(call: i32): i32 {
  if (call < 0) return -1;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { const l = linkAt(i); if (l.state != L_FREE && l.call == call) return i; }
  return -1;
}
export function linkBySess(s: i32): i32 {
  if (s < 0) return -1;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { const l = linkAt(i); if (l.state != L_FREE && l.sess == s) return i; }
  return -1;
}
export function linkByQueue(q: i32): i32 {
  if (q < 0) return -1;
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) { const l = linkAt(i); if (l.state != L_FREE && l.q == q) return i; }
  return -1;
}
export function linkByMember(m: u32): i32 {
  if (m == 0 || m > <u32>CHAT_MEMBER_MAX) return -1;
  const i = <i32>m - 1;
  return linkAt(i).state != L_FREE ? i : -1;
}
/** The member whose AOR is [p, p+n), -1 none. */
export function linkByAor(p: usize, n: i32): i32 {
  for (let i = 0; i < CHAT_MEMBER_MAX; i++) {
    const l = linkAt(i);
    if (l.state != L_FREE && l.aorLen == n && memory.compare(aorOf(i), p, <usize>n) == 0) return i;
  }
  return -1;
}

// ---- app events (JSON EVENT records) -------------------------------------------------------------

export function ev0(name: string): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\"}");
  outEventClose();
}
export function evMember(name: string, key: string, p: usize, n: i32): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\""); outStr(name); outStr("\",\""); outStr(key); outStr("\":\"");
  outJsonBytes(p, n); outStr("\"}");
  outEventClose();
}
/** {"event":"left","member":AOR,"reason":R,"code":C}: a member cut off by the host (code != 0). */
export function evLeft(p: usize, n: i32, reason: string, code: i32): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\"left\",\"member\":\""); outJsonBytes(p, n); outStr("\"");
  if (reason.length > 0) { outStr(",\"reason\":\""); outStr(reason); outStr("\""); }
  if (code != 0) { outStr(",\"code\":"); outDec(<u32>code); }
  outStr("}");
  outEventClose();
}
/** {"event":"ended","reason":R}. Once per chat. */
export function evEnded(reason: string): void {
  if (R.ended != 0) return;
  R.ended = 1;
  if (!outEventOpen()) return;
  outStr("{\"event\":\"ended\"");
  if (reason.length > 0) { outStr(",\"reason\":\""); outStr(reason); outStr("\""); }
  outStr("}");
  outEventClose();
}
/**
 * {"event":"error","name":N,"code":C,"reason":"R: AOR","member":AOR}: every failure a user
 * sees has a name (what happened), a protocol code and, when it concerns one, the member.
 */
export function evError(code: i32, name: string, reason: string, p: usize, n: i32): void {
  if (!outEventOpen()) return;
  outStr("{\"event\":\"error\",\"name\":\""); outStr(name); outStr("\",\"code\":"); outDec(<u32>code);
  outStr(",\"reason\":\""); outStr(reason);
  if (n > 0) { outStr(": "); outJsonBytes(p, n); }
  outStr("\"");
  if (n > 0) { outStr(",\"member\":\""); outJsonBytes(p, n); outStr("\""); }
  outStr("}");
  outEventClose();
}

export function putLit(dst: usize, at: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + <usize>(at + i), <u8>s.charCodeAt(i));
  return at + s.length;
}
