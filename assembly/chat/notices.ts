// Roster notices: RFC 4575 conference-info carried in message/cpim over each member's MSRP
// session. RFC 7701 §5 lets the focus tell members who is in the room with the conference
// event package; we carry the same XML body, a partial update with one <user> per change,
// inside message/cpim on the member's existing MSRP session instead of a SUBSCRIBE/NOTIFY
// dialog (no extra SIP dialog per member on a handset). A participant turns each <user> into a
// "joined" (state full/partial) or "left" (state deleted) event.
//
// A notice goes through the member's send queue like any message (msrp/sendq.ts). When the
// queue has no room for it, the notice is dropped and counted (noticesDropped): the member is
// far behind and the stall limit will cut it off.

import { CHAT_MEMBER_MAX, CHAT_AOR_CAP } from "../mem/limits";
import { sqMsgStart, sqWrite, sqEnd, sqRoom, sqMsgsFree, sqAbort } from "../msrp/sendq";
import { R, SELF, L_UP, linkAt, aorOf, linkByMember, evMember, putLit } from "./links";

export const CONF_CT = "application/conference-info+xml";
const NOTICE_CAP: i32 = 2048;
const NOTICE: usize = memory.data(2048, 8);
const B_CPIM: usize = memory.data(16, 8);
let noticeVersion: u32 = 0;
let noticeDropped: u32 = 0;
/** Tag of notice copies in the send queues (msrp/sendq.ts results). */
export const TAG_NOTICE: i32 = -3;

export function noticesReset(): void { noticeVersion = 0; }
export function noticesDropped(): u32 { return noticeDropped; }

/** Tells member `to` (a focus handle) that link `about` joined or left (a partial update). */
export function noticeSend(to: u32, joined: bool, about: i32, now: f64): void {
  const t = linkByMember(to);
  if (t < 0) return;
  if (!noticeOpen(t, false)) return;
  noticeUser(aorOf(about), linkAt(about).aorLen, joined);
  noticeClose(t, now);
}

/** Tells link t, which just joined, who is in the room already (state="full", RFC 4575 §4.1):
 *  the host (a handset-hosted chat) and every other member that is up. */
export function noticeFull(t: i32, now: f64): void {
  let others = 0;
  for (let j = 0; j < CHAT_MEMBER_MAX; j++) if (j != t && linkAt(j).state == L_UP) others++;
  if (others == 0 && R.isRoom != 0) return;
  if (!noticeOpen(t, true)) return;
  if (R.isRoom == 0) noticeUser(SELF, R.selfLen, true);
  for (let j = 0; j < CHAT_MEMBER_MAX; j++) if (j != t && linkAt(j).state == L_UP) noticeUser(aorOf(j), linkAt(j).aorLen, true);
  noticeClose(t, now);
}

// the notice being built (one at a time, within one call)
let nLen: i32 = 0, nOk = false;

/** Starts a notice to link t: CPIM header + conference-info head. */
function noticeOpen(t: i32, full: bool): bool {
  const l = linkAt(t);
  if (l.state != L_UP || l.q < 0) return false;
  if (2 * R.selfLen + l.aorLen + 400 > NOTICE_CAP) { noticeDropped++; return false; }
  const d = NOTICE;
  let n = putLit(d, 0, "From: <");
  memory.copy(d + <usize>n, SELF, <usize>R.selfLen); n += R.selfLen;
  n = putLit(d, n, ">\r\nTo: <");
  memory.copy(d + <usize>n, aorOf(t), <usize>l.aorLen); n += l.aorLen;
  n = putLit(d, n, ">\r\n\r\nContent-Type: application/conference-info+xml\r\n\r\n");
  n = putLit(d, n, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<conference-info xmlns=\"urn:ietf:params:xml:ns:conference-info\" entity=\"");
  memory.copy(d + <usize>n, SELF, <usize>R.selfLen); n += R.selfLen;
  n = putLit(d, n, full ? "\" state=\"full\" version=\"" : "\" state=\"partial\" version=\"");
  noticeVersion++;
  n += putU32(d + <usize>n, noticeVersion);
  n = putLit(d, n, "\"><users>");
  nLen = n; nOk = true;
  return true;
}

/** One <user entity=".." state="full|deleted"/> (RFC 4575 §5.6). */
function noticeUser(p: usize, len: i32, present: bool): void {
  if (!nOk || nLen + len + 64 > NOTICE_CAP - 48) { nOk = false; return; }
  let n = putLit(NOTICE, nLen, "<user entity=\"");
  memory.copy(NOTICE + <usize>n, p, <usize>len); n += len;
  nLen = putLit(NOTICE, n, present ? "\" state=\"full\"/>" : "\" state=\"deleted\"/>");
}

function noticeClose(t: i32, now: f64): void {
  if (!nOk) { noticeDropped++; return; }
  const n = putLit(NOTICE, nLen, "</users></conference-info>\r\n");
  const q = linkAt(t).q;
  if (sqRoom(q) < n || sqMsgsFree(q) < 1) { noticeDropped++; return; }
  putLit(B_CPIM, 0, "message/cpim");
  const m = sqMsgStart(q, B_CPIM, 12, <i64>n, TAG_NOTICE, -1, 0, 0);
  if (m < 0) { noticeDropped++; return; }
  if (!sqWrite(q, m, NOTICE, n, now)) { sqAbort(q, m); noticeDropped++; return; }
  sqEnd(q, m);
}

function putU32(d: usize, v: u32): i32 {
  let k = 1; let x = v;
  while (x >= 10) { x /= 10; k++; }
  let y = v;
  for (let j = k - 1; j >= 0; j--) { store<u8>(d + <usize>j, <u8>(48 + y % 10)); y /= 10; }
  return k;
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
export function noticeRead(p: usize, n: i32): void {
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
    if (el == R.selfLen && memory.compare(ep, SELF, <usize>R.selfLen) == 0) continue;
    evMember(deleted ? "left" : "joined", "member", ep, el);
  }
}
