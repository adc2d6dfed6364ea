// Incoming MSRP messages whose chunks are still arriving, across every session (RFC 4975):
//   §5.1   a message may be sent in chunks; chunks of different messages may interleave on a
//          session; '#' interrupts a message, '$' ends it
//   §7.1.1 Byte-Range start-end/total (total '*' when unknown)
//   §7.3.1 Failure-Report decides whether failures are reported at all
//   §10.5  413: the receiver wants the sender to stop sending this message
//
// One record per Message-ID being received, in a fixed pool. A record keeps how many bytes
// arrived (in order), the total the first chunk declared, when the last chunk arrived and the
// sender's Failure-Report. The record index is the message's handle in the actions the session
// layer queues (DELIVER_PIECE / MESSAGE_DONE / MESSAGE_ABORTED), so a caller can keep its own
// per-message state next to it.
//
// Chunks must arrive in order: over one TCP connection (relays preserve order, RFC 4976 §6) a
// chunk that does not start where the previous one ended is a broken sender, not reordering.
// Such a chunk is refused (inChunkCheck) and the message is aborted: what was relayed of it ends
// with '#' at its recipients. Nothing is reassembled, so nothing is ever held whole.

import { MSRP_IN_MAX, MSRP_IN_PER_SESS, MSRP_MSGID_CAP } from "../mem/limits";
import { RANGE_STAR } from "../wire/msrp";

/** Why a chunk cannot continue (or start) a message; 0 = it can. */
export const enum InErr {
  Ok = 0,
  /** The chunk starts after the next expected byte (a gap). */
  Gap = 1,
  /** The chunk starts before the next expected byte (an overlap or a repeat). */
  Overlap = 2,
  /** Its total differs from the one the message declared, or its end passes the total. */
  TotalMismatch = 3,
  /** The first chunk we see of this Message-ID does not start at byte 1 (e.g. after '#'). */
  NoStart = 4,
  /** No record is free (all sessions, or this session's share): 413, stop sending it. */
  Full = 5,
}

/** InErr -> MSRP status (§7.2 / §10): the table the session layer answers with. */
// @ts-ignore: decorator
@lazy const IN_ERR_CODE = memory.data<u16>([0, 400, 400, 400, 400, 413]);
export function inErrCode(e: i32): i32 { return e <= 0 || e > InErr.Full ? 0 : <i32>load<u16>(IN_ERR_CODE + <usize>(e << 1)); }
export function inErrReason(e: i32): string {
  switch (e) {
    case InErr.Gap: return "Byte-Range gap";
    case InErr.Overlap: return "Byte-Range overlap";
    case InErr.TotalMismatch: return "Byte-Range total mismatch";
    case InErr.NoStart: return "chunk of an unknown or interrupted message";
    case InErr.Full: return "too many messages in progress";
  }
  return "OK";
}

// @ts-ignore: decorator
@unmanaged
class InMsg {
  /** Bytes arrived so far (in order) and the declared total (RANGE_STAR: '*'). */
  recv: u64;
  total: i64;
  /** When the last chunk of it arrived (ms, the caller's clock). */
  lastMs: f64;
  /** Session slot, -1 = free. */
  sess: i32;
  idLen: i32;
  /** 1: Failure-Report no (no REPORT on failure, §7.3.1). */
  noReport: i32;
  /** MSRP_TYPE_* of its first chunk's Content-Type. */
  type: i32;
}

// @ts-ignore: decorator
@lazy const IN_STRIDE: i32 = ((<i32>offsetof<InMsg>() + MSRP_MSGID_CAP) + 7) & ~7;
const INS: usize = memory.data(MSRP_IN_MAX * (((<i32>offsetof<InMsg>() + MSRP_MSGID_CAP) + 7) & ~7), 8);

// @ts-ignore: decorator
@inline export function inAt(k: i32): InMsg { return changetype<InMsg>(INS + <usize>(k * IN_STRIDE)); }
// @ts-ignore: decorator
@inline export function inIdPtr(k: i32): usize { return INS + <usize>(k * IN_STRIDE + <i32>offsetof<InMsg>()); }

export function inReset(): void {
  for (let k = 0; k < MSRP_IN_MAX; k++) inAt(k).sess = -1;
}

/** The record of session `sess` receiving Message-ID [id, id+n), or -1. */
export function inFind(sess: i32, id: usize, n: i32): i32 {
  if (n <= 0) return -1;
  for (let k = 0; k < MSRP_IN_MAX; k++) {
    const m = inAt(k);
    if (m.sess != sess || m.idLen != n) continue;
    if (memory.compare(inIdPtr(k), id, <usize>n) == 0) return k;
  }
  return -1;
}

/** A record for a new message of session sess, or -InErr.Full. total: the first chunk's. */
export function inNew(sess: i32, id: usize, n: i32, total: i64, noReport: bool, now: f64): i32 {
  if (n <= 0 || n > MSRP_MSGID_CAP) return -InErr.NoStart;
  let free = -1, mine = 0;
  for (let k = 0; k < MSRP_IN_MAX; k++) {
    const s = inAt(k).sess;
    if (s < 0) { if (free < 0) free = k; } else if (s == sess) mine++;
  }
  if (free < 0 || mine >= MSRP_IN_PER_SESS) return -InErr.Full;
  const m = inAt(free);
  m.sess = sess; m.idLen = n; m.recv = 0; m.total = total; m.lastMs = now; m.noReport = noReport ? 1 : 0; m.type = 0;
  memory.copy(inIdPtr(free), id, <usize>n);
  return free;
}

export function inFree(k: i32): void { if (k >= 0 && k < MSRP_IN_MAX) inAt(k).sess = -1; }

/**
 * Can a chunk Byte-Range start-end/total (1-based; end/total RANGE_STAR when '*') continue
 * record k? The next chunk starts right after the bytes that arrived; a known total never
 * changes and is never passed.
 */
export function inChunkCheck(k: i32, start: i64, end: i64, total: i64): i32 {
  const m = inAt(k);
  const next = <i64>m.recv + 1;
  if (start > next) return InErr.Gap;
  if (start < next) return InErr.Overlap;
  if (total != RANGE_STAR && m.total != RANGE_STAR && total != m.total) return InErr.TotalMismatch;
  const t = total != RANGE_STAR ? total : m.total;
  if (t != RANGE_STAR && end != RANGE_STAR && end > t) return InErr.TotalMismatch;
  if (m.total == RANGE_STAR) m.total = total;
  return InErr.Ok;
}

/** The first chunk of a message: it starts at byte 1 and its end does not pass its total. */
export function inFirstCheck(start: i64, end: i64, total: i64): i32 {
  if (start != 1) return InErr.NoStart;
  if (total != RANGE_STAR && end != RANGE_STAR && end > total) return InErr.TotalMismatch;
  return InErr.Ok;
}

/** Records of session sess (-1 = none left), for the caller to abort when the session goes. */
export function inNextOfSession(sess: i32, from: i32): i32 {
  for (let k = from; k < MSRP_IN_MAX; k++) if (inAt(k).sess == sess) return k;
  return -1;
}

/** Record k does not count as idle (its input is held back by us), see msrp/session.ts. */
export function inSkip(k: i32): void { inAt(k).lastMs = Infinity; }
/** A record whose last chunk came idleMs or more before now, -1 if none (records whose
 *  lastMs is +Infinity are held back by the receiver and never idle). */
export function inIdle(now: f64, idleMs: f64, from: i32): i32 {
  for (let k = from; k < MSRP_IN_MAX; k++) {
    const m = inAt(k);
    if (m.sess >= 0 && now - m.lastMs >= idleMs) return k;
  }
  return -1;
}

/** When the next record goes idle (ms), -1 when none is open. */
export function inNextDeadline(idleMs: f64): f64 {
  let d: f64 = -1;
  for (let k = 0; k < MSRP_IN_MAX; k++) {
    const m = inAt(k);
    if (m.sess < 0 || m.lastMs == Infinity) continue;
    const t = m.lastMs + idleMs;
    if (d < 0 || t < d) d = t;
  }
  return d;
}

/** Records in use (tests: everything is released when messages end or sessions go). */
export function inActive(): i32 {
  let n = 0;
  for (let k = 0; k < MSRP_IN_MAX; k++) if (inAt(k).sess >= 0) n++;
  return n;
}
