// Per-recipient send queues: what the chat role sends on a member's MSRP session (relayed
// messages, its own messages), sans-I/O over fixed pools. RFC 4975:
//   §5.1   chunking; chunks of different messages interleave on a session; '+' '$' '#'
//   §7.1.1 SEND: Message-ID unique in the session, Byte-Range, the end-line's tid must not
//          occur in the body
//   §7.1.2 a non-200 response to a chunk: the message failed at that hop (stop sending it)
//   §7.2   responses come back hop by hop with the SEND's tid
//   §5.3 / §7.1 a SEND without response has failed (408 after MSRP_TXN_TIMEOUT_MS)
//
// Why a queue per recipient (STYLE: put a limit on everything, one member never holds up
// another): each member has its own bounded byte ring, so a slow member only fills its own
// ring. The caller checks sqRoom before it takes bytes from a sender; while a ring is full
// the senders that need it are not read (TCP flow control) and nothing is dropped. A ring
// that makes no progress for the stall limit is reported (SQ_STALLED) and its member is cut
// off by the caller.
//
// Custody: bytes written here are the queue's until they are sent and answered, or until the
// message fails — then SQ_FAILED names the message and its origin (the sender's session and
// Message-ID) so the caller can send the failure REPORT. Nothing leaves silently.
//
// Copies: the caller's bytes are copied once into the ring (sqWrite) and once from the ring
// into the outbox frame (sqFlush builds the SEND header in place around them). Pipelining:
// up to MSRP_Q_WINDOW chunks per queue are in flight; chunks of whatever message is at the
// head of the ring go out as they come, so an unfinished message never blocks the ones
// queued after it (its next bytes simply come later in the ring).

import {
  MSRP_Q_MAX, MSRP_Q_BYTES, MSRP_Q_MSGS, MSRP_Q_SEGS, MSRP_Q_WINDOW, MSRP_Q_STALL_MS, MSRP_CHUNK_SIZE,
  MSRP_MSGID_CAP, MSRP_TXN_TIMEOUT_MS,
} from "../mem/limits";
import { outReserve, outCommit, OUT_SEND_STREAM } from "../mem/outbox";
import { msrpBuildSend, msrpBuildEndLine } from "../wire/msrp_build";
import { RANGE_STAR } from "../wire/msrp";
import {
  msrpSessionState, msrpSessionConn, msrpSessionRemotePtr, msrpSessionRemoteLen, msrpSessionLocalUriPtr,
  msrpSessionLocalUriLen, msrpRandomIdent, MsrpSessState,
} from "./session";

/** Results the caller pops (sqResultPop) after every call. */
export const enum SqResult {
  None = 0,
  /** A message's last chunk was answered 200 at this hop (tag, origin). */
  Sent = 1,
  /** A message could not be delivered: code = the recipient's status, 408 (no answer), or 481
   *  (the queue was closed); bytes = how many of it were answered 200 before. */
  Failed = 2,
  /** The queue had work and made no progress for the stall limit (its member is stuck). */
  Stalled = 3,
}

const TID_LEN: i32 = 12;
/** Header bytes a SEND frame may need beyond its body (paths are added per session). */
const FRAME_FIXED: i32 = 320;
const CT_CAP: i32 = 32;

// @ts-ignore: decorator
@unmanaged
class Queue {
  lastProgress: f64;
  /** Session handle, -1 = free queue. */
  sess: i32;
  /** Oldest unsent byte in the ring, and bytes held. */
  head: i32;
  len: i32;
  segHead: i32;
  segCount: i32;
  inflight: i32;
  /** 1: SQ_STALLED was reported (once). */
  stalled: i32;
}

// @ts-ignore: decorator
@unmanaged
class QMsg {
  total: i64;
  /** Bytes put into frames (the next chunk's Byte-Range starts at next + 1). */
  next: i64;
  /** Bytes answered 200 so far (the failure REPORT covers these). */
  acked: i64;
  /** Bytes in the ring not yet sent. */
  queued: i32;
  /** 0 free, 1 open, 2 every byte given (sqEnd), 3 aborted ('#' due if frames went out), 4 failed. */
  state: i32;
  finSent: i32;
  /** 1: its bytes still in the ring are skipped (the message failed or was aborted). */
  drop: i32;
  frames: i32;
  inflight: i32;
  idLen: i32;
  ctLen: i32;
  /** The caller's origin: session handle of the sender (-1 = the local app) and its Message-ID. */
  origin: i32;
  originIdLen: i32;
  /** The caller's own number for it (the chat's app message, -1 none). */
  tag: i32;
}

// @ts-ignore: decorator
@unmanaged
class QTxn {
  deadline: f64;
  /** Message slot, -1 = free. */
  msg: i32;
  /** The chunk's end (bytes of the message up to and including it). */
  end: i32;
  fin: i32;
}

const Q_STRIDE: i32 = (offsetof<Queue>() + 7) & ~7;
const M_STRIDE: i32 = (offsetof<QMsg>() + 2 * MSRP_MSGID_CAP + CT_CAP + 7) & ~7;
const T_STRIDE: i32 = (offsetof<QTxn>() + 16 + 7) & ~7;
const QUEUES: usize = memory.data(MSRP_Q_MAX * ((offsetof<Queue>() + 7) & ~7), 8);
const RINGS: usize = memory.data(MSRP_Q_MAX * MSRP_Q_BYTES, 8);
/** Segments: u16 message slot, u16 length (a run of one message's bytes in ring order). */
const SEGS: usize = memory.data(MSRP_Q_MAX * MSRP_Q_SEGS * 4, 8);
const MSGS: usize = memory.data(MSRP_Q_MAX * MSRP_Q_MSGS * ((offsetof<QMsg>() + 2 * MSRP_MSGID_CAP + 32 + 7) & ~7), 8);
const TXNS: usize = memory.data(MSRP_Q_MAX * MSRP_Q_WINDOW * ((offsetof<QTxn>() + 16 + 7) & ~7), 8);
const SCRATCH_TID: usize = memory.data(16, 8);

// @ts-ignore: decorator
@inline function qAt(q: i32): Queue { return changetype<Queue>(QUEUES + <usize>(q * Q_STRIDE)); }
// @ts-ignore: decorator
@inline function ringOf(q: i32): usize { return RINGS + <usize>(q * MSRP_Q_BYTES); }
// @ts-ignore: decorator
@inline function segAt(q: i32, s: i32): usize { return SEGS + <usize>((q * MSRP_Q_SEGS + s) * 4); }
// @ts-ignore: decorator
@inline function mAt(q: i32, m: i32): QMsg { return changetype<QMsg>(MSGS + <usize>((q * MSRP_Q_MSGS + m) * M_STRIDE)); }
// @ts-ignore: decorator
@inline function mIdOf(q: i32, m: i32): usize { return MSGS + <usize>((q * MSRP_Q_MSGS + m) * M_STRIDE + offsetof<QMsg>()); }
// @ts-ignore: decorator
@inline function mOriginIdOf(q: i32, m: i32): usize { return mIdOf(q, m) + <usize>MSRP_MSGID_CAP; }
// @ts-ignore: decorator
@inline function mCtOf(q: i32, m: i32): usize { return mIdOf(q, m) + <usize>(2 * MSRP_MSGID_CAP); }
// @ts-ignore: decorator
@inline function tAt(q: i32, t: i32): QTxn { return changetype<QTxn>(TXNS + <usize>((q * MSRP_Q_WINDOW + t) * T_STRIDE)); }
// @ts-ignore: decorator
@inline function tTidOf(q: i32, t: i32): usize { return TXNS + <usize>((q * MSRP_Q_WINDOW + t) * T_STRIDE + offsetof<QTxn>()); }

let stallMs: f64 = <f64>MSRP_Q_STALL_MS;
let needWake = false;

// ---- results ---------------------------------------------------------------------------------

const RES_MAX: i32 = MSRP_Q_MAX * MSRP_Q_MSGS + MSRP_Q_MAX;
// record: kind, queue, message tag, origin session, code, bytes(i32), origin id len, pad, origin id
const RES_STRIDE: i32 = 32 + MSRP_MSGID_CAP;
const RESQ: usize = memory.data(RES_MAX * (32 + MSRP_MSGID_CAP), 8);
let resHead: i32 = 0, resCount: i32 = 0;
let rKind: i32 = 0, rQueue: i32 = -1, rTag: i32 = -1, rOrigin: i32 = -1, rCode: i32 = 0, rBytes: i32 = 0, rIdLen: i32 = 0;
const R_ID: usize = memory.data(MSRP_MSGID_CAP, 8);

function result(kind: i32, q: i32, m: i32, code: i32): void {
  // the pool is sized for every message of every queue plus a stall each: it cannot overflow
  assert(resCount < RES_MAX, "sendq result queue overflow");
  let at = resHead + resCount; if (at >= RES_MAX) at -= RES_MAX;
  const r = RESQ + <usize>(at * RES_STRIDE);
  store<i32>(r, kind); store<i32>(r, q, 4);
  if (m >= 0) {
    const x = mAt(q, m);
    store<i32>(r, x.tag, 8); store<i32>(r, x.origin, 12); store<i32>(r, code, 16);
    store<i32>(r, <i32>x.acked, 20); store<i32>(r, x.originIdLen, 24);
    memory.copy(r + 32, mOriginIdOf(q, m), <usize>x.originIdLen);
  } else {
    store<i32>(r, -1, 8); store<i32>(r, -1, 12); store<i32>(r, code, 16); store<i32>(r, 0, 20); store<i32>(r, 0, 24);
  }
  resCount++;
}

/** Pops the oldest result; its fields through sqRes*(). */
export function sqResultPop(): i32 {
  if (resCount <= 0) { rKind = SqResult.None; return SqResult.None; }
  const r = RESQ + <usize>(resHead * RES_STRIDE);
  rKind = load<i32>(r); rQueue = load<i32>(r, 4); rTag = load<i32>(r, 8); rOrigin = load<i32>(r, 12);
  rCode = load<i32>(r, 16); rBytes = load<i32>(r, 20); rIdLen = load<i32>(r, 24);
  if (rIdLen > 0) memory.copy(R_ID, r + 32, <usize>rIdLen);
  resHead++; if (resHead >= RES_MAX) resHead = 0;
  resCount--;
  return rKind;
}
export function sqResQueue(): i32 { return rQueue; }
export function sqResTag(): i32 { return rTag; }
export function sqResOrigin(): i32 { return rOrigin; }
export function sqResCode(): i32 { return rCode; }
export function sqResBytes(): i32 { return rBytes; }
export function sqResIdPtr(): usize { return R_ID; }
export function sqResIdLen(): i32 { return rIdLen; }

// ---- queues ----------------------------------------------------------------------------------

export function sqReset(): void {
  for (let q = 0; q < MSRP_Q_MAX; q++) qAt(q).sess = -1;
  resHead = 0; resCount = 0; needWake = false;
  stallMs = <f64>MSRP_Q_STALL_MS;
}

/** The stall limit (ms; <= 0: the default of mem/limits.ts). */
export function sqSetStallMs(ms: i32): void { stallMs = ms > 0 ? <f64>ms : <f64>MSRP_Q_STALL_MS; }

/** A queue for session handle sess, or -1 when none is free. */
export function sqOpen(sess: i32, now: f64): i32 {
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    const x = qAt(q);
    if (x.sess >= 0) continue;
    x.sess = sess; x.head = 0; x.len = 0; x.segHead = 0; x.segCount = 0; x.inflight = 0; x.stalled = 0;
    x.lastProgress = now;
    for (let m = 0; m < MSRP_Q_MSGS; m++) mAt(q, m).state = 0;
    for (let t = 0; t < MSRP_Q_WINDOW; t++) tAt(q, t).msg = -1;
    return q;
  }
  return -1;
}

/** Closes queue q: every message still in it fails with `code` (SQ_FAILED each), then it is free. */
export function sqClose(q: i32, code: i32): void {
  if (q < 0 || q >= MSRP_Q_MAX || qAt(q).sess < 0) return;
  for (let m = 0; m < MSRP_Q_MSGS; m++) {
    const x = mAt(q, m);
    if (x.state == 0) continue;
    // an aborted message was already reported by whoever aborted it
    if (x.state != 3 && x.state != 4) result(SqResult.Failed, q, m, code);
    x.state = 0;
  }
  qAt(q).sess = -1;
}

/** Body bytes queue q can take now (also 0 when its segment or message records run short). */
export function sqRoom(q: i32): i32 {
  if (q < 0 || q >= MSRP_Q_MAX) return 0;
  const x = qAt(q);
  if (x.sess < 0) return 0;
  if (x.segCount >= MSRP_Q_SEGS - 2) return 0;
  return MSRP_Q_BYTES - x.len;
}

/** Free message records of queue q. */
export function sqMsgsFree(q: i32): i32 {
  if (q < 0 || q >= MSRP_Q_MAX || qAt(q).sess < 0) return 0;
  let n = 0;
  for (let m = 0; m < MSRP_Q_MSGS; m++) if (mAt(q, m).state == 0) n++;
  return n;
}

/** Bytes waiting or in flight on queue q (0: it is idle). */
export function sqBusy(q: i32): i32 {
  if (q < 0 || q >= MSRP_Q_MAX || qAt(q).sess < 0) return 0;
  return qAt(q).len + qAt(q).inflight;
}

/**
 * A new message on queue q: its Message-ID (fresh, unique in the session), Content-Type, total
 * (-1 = unknown, '*'), the caller's tag, and its origin (sender's session handle, -1 = local,
 * and the sender's Message-ID: what a failure REPORT names). Returns its slot or -1 (none free).
 */
export function sqMsgStart(q: i32, ctPtr: usize, ctLen: i32, total: i64, tag: i32, origin: i32,
                           originIdPtr: usize, originIdLen: i32): i32 {
  if (q < 0 || q >= MSRP_Q_MAX || qAt(q).sess < 0 || ctLen <= 0 || ctLen > CT_CAP) return -1;
  for (let m = 0; m < MSRP_Q_MSGS; m++) {
    const x = mAt(q, m);
    if (x.state != 0) continue;
    x.state = 1; x.total = total; x.next = 0; x.acked = 0; x.queued = 0; x.finSent = 0; x.drop = 0; x.frames = 0; x.inflight = 0;
    x.tag = tag; x.origin = origin;
    x.idLen = 16;
    msrpRandomIdent(mIdOf(q, m), 16);
    x.ctLen = ctLen;
    memory.copy(mCtOf(q, m), ctPtr, <usize>ctLen);
    const ol = originIdLen < 0 ? 0 : (originIdLen > MSRP_MSGID_CAP ? MSRP_MSGID_CAP : originIdLen);
    x.originIdLen = ol;
    if (ol > 0) memory.copy(mOriginIdOf(q, m), originIdPtr, <usize>ol);
    return m;
  }
  return -1;
}

/**
 * Appends n bytes of message m to queue q (copied into the ring). False, with nothing taken,
 * when the message is no longer open (it failed at the recipient) or the ring lacks room.
 */
export function sqWrite(q: i32, m: i32, p: usize, n: i32, now: f64): bool {
  const x = qAt(q);
  const msg = mAt(q, m);
  if (msg.state != 1) return false;
  if (n <= 0) return true;
  // the caller checks sqRoom before it takes bytes from a sender; should something else have
  // used the room since (a roster notice), this copy fails and the caller reports it
  if (n > MSRP_Q_BYTES - x.len || x.segCount >= MSRP_Q_SEGS) return false;
  if (x.len == 0 && x.inflight == 0) { x.lastProgress = now; x.stalled = 0; }
  const ring = ringOf(q);
  let tail = x.head + x.len; if (tail >= MSRP_Q_BYTES) tail -= MSRP_Q_BYTES;
  const first = min(n, MSRP_Q_BYTES - tail);
  memory.copy(ring + <usize>tail, p, <usize>first);
  if (first < n) memory.copy(ring, p + <usize>first, <usize>(n - first));
  x.len += n;
  msg.queued += n;
  // a run continuing the last segment of the same message grows it (up to what a u16 holds)
  if (x.segCount > 0) {
    let last = x.segHead + x.segCount - 1; if (last >= MSRP_Q_SEGS) last -= MSRP_Q_SEGS;
    const s = segAt(q, last);
    if (<i32>load<u16>(s) == m && <i32>load<u16>(s, 2) + n <= 0xffff) { store<u16>(s, <u16>(<i32>load<u16>(s, 2) + n), 2); return true; }
  }
  let at = x.segHead + x.segCount; if (at >= MSRP_Q_SEGS) at -= MSRP_Q_SEGS;
  store<u16>(segAt(q, at), <u16>m); store<u16>(segAt(q, at), <u16>n, 2);
  x.segCount++;
  return true;
}

/** Every byte of message m was given: its last chunk carries '$'. */
export function sqEnd(q: i32, m: i32): void {
  const msg = mAt(q, m);
  if (msg.state == 1) msg.state = 2;
}

/**
 * Interrupts message m (§5.1): its unsent bytes are dropped; when chunks of it went out, a '#'
 * chunk ends it at the recipient. No result follows for it (the caller reports the abort).
 */
export function sqAbort(q: i32, m: i32): void {
  const msg = mAt(q, m);
  if (msg.state != 1 && msg.state != 2) return;
  if (msg.finSent != 0) return;   // complete on the wire already: it simply finishes
  msg.state = 3;
}

// ---- responses and timers ---------------------------------------------------------------------

function freeMsgIfDone(q: i32, m: i32): void {
  const x = mAt(q, m);
  if (x.inflight > 0) return;
  if (x.state == 2 && x.finSent != 0) { result(SqResult.Sent, q, m, 200); x.state = 0; return; }
  if ((x.state == 3 || x.state == 4) && x.queued == 0 && (x.frames == 0 || x.finSent != 0)) x.state = 0;
}

/** A response on MSRP connection conn (host id) with tid: true when it answered one of ours. */
export function sqOnResponse(conn: i32, tidPtr: usize, tidLen: i32, status: i32, now: f64): bool {
  if (tidLen != TID_LEN) return false;
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    const x = qAt(q);
    if (x.sess < 0 || msrpSessionConn(x.sess) != conn) continue;
    for (let t = 0; t < MSRP_Q_WINDOW; t++) {
      const tx = tAt(q, t);
      if (tx.msg < 0 || memory.compare(tTidOf(q, t), tidPtr, <usize>TID_LEN) != 0) continue;
      const m = tx.msg;
      const msg = mAt(q, m);
      tx.msg = -1;
      x.inflight--;
      msg.inflight--;
      x.lastProgress = now; x.stalled = 0;
      if (status == 200) {
        if (<i64>tx.end > msg.acked) msg.acked = <i64>tx.end;
      } else if (msg.state == 1 || msg.state == 2) {
        // §7.1.2 / §10: the recipient refused this chunk: stop sending the message
        result(SqResult.Failed, q, m, status);
        msg.drop = 1;
        msg.state = 4; msg.finSent = 1;
      }
      freeMsgIfDone(q, m);
      return true;
    }
  }
  return false;
}


/** Transactions past their deadline fail (408); queues past the stall limit are reported. */
export function sqOnTimer(now: f64): void {
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    const x = qAt(q);
    if (x.sess < 0) continue;
    for (let t = 0; t < MSRP_Q_WINDOW; t++) {
      const tx = tAt(q, t);
      if (tx.msg < 0 || tx.deadline > now) continue;
      const m = tx.msg;
      const msg = mAt(q, m);
      tx.msg = -1; x.inflight--; msg.inflight--;
      if (msg.state == 1 || msg.state == 2) {
        result(SqResult.Failed, q, m, 408);
        msg.drop = 1;
        msg.state = 4; msg.finSent = 1;
      }
      freeMsgIfDone(q, m);
    }
    if (x.stalled == 0 && (x.len > 0 || x.inflight > 0) && now - x.lastProgress >= stallMs) {
      x.stalled = 1;
      result(SqResult.Stalled, q, -1, 408);
    }
  }
}

/** Earliest transaction deadline or stall check (ms), -1 when none (frames that wait for
 *  outbox room are announced with sqNeedsWake instead). */
export function sqNextDeadline(now: f64): f64 {
  let d: f64 = -1;
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    const x = qAt(q);
    if (x.sess < 0) continue;
    if (x.stalled == 0 && (x.len > 0 || x.inflight > 0)) {
      const s = x.lastProgress + stallMs;
      if (d < 0 || s < d) d = s;
    }
    for (let t = 0; t < MSRP_Q_WINDOW; t++) {
      const tx = tAt(q, t);
      if (tx.msg >= 0 && (d < 0 || tx.deadline < d)) d = tx.deadline;
    }
  }
  return d;
}

/** Frames were left for lack of outbox room: the host should call back right after draining. */
export function sqNeedsWake(): bool { return needWake; }

// ---- emitting frames --------------------------------------------------------------------------

function ringHas(q: i32, off: i32, n: i32, tid: usize): bool {
  // §7.1.1: the end-line "-------" tid must not occur in the body (both parts of a wrapped run)
  const ring = ringOf(q);
  const first = min(n, MSRP_Q_BYTES - off);
  for (let i = 0; i + TID_LEN <= first; i++) if (memory.compare(ring + <usize>(off + i), tid, <usize>TID_LEN) == 0) return true;
  for (let i = 0; i + TID_LEN <= n - first; i++) if (memory.compare(ring + <usize>i, tid, <usize>TID_LEN) == 0) return true;
  return false;
}

/**
 * Writes one SEND frame of message m on queue q straight into the outbox: body = n ring bytes
 * at the ring head (n = 0: an empty chunk), flag '+' '$' or '#'. Tracked (a window slot) unless
 * '#'. False when the outbox or the window has no room (nothing changed).
 */
function emit(q: i32, m: i32, n: i32, flag: i32, now: f64): bool {
  const x = qAt(q);
  const msg = mAt(q, m);
  let ti = -1;
  if (flag != 0x23) {
    for (let t = 0; t < MSRP_Q_WINDOW; t++) if (tAt(q, t).msg < 0) { ti = t; break; }
    if (ti < 0) return false;
  }
  const h = x.sess;
  const toL = msrpSessionRemoteLen(h), fromL = msrpSessionLocalUriLen(h);
  const cap = FRAME_FIXED + toL + fromL + msg.idLen + msg.ctLen + n;
  const d = outReserve(cap);
  if (d == 0) { needWake = true; return false; }
  const tid = ti >= 0 ? tTidOf(q, ti) : SCRATCH_TID;
  for (let r = 0; r < 4; r++) {
    msrpRandomIdent(tid, TID_LEN);
    if (n == 0 || !ringHas(q, x.head, n, tid)) break;
  }
  let w = msrpBuildSend(d, cap, tid, TID_LEN, msrpSessionRemotePtr(h), toL, msrpSessionLocalUriPtr(h), fromL,
    mIdOf(q, m), msg.idLen, msg.next + 1, msg.next + <i64>n, msg.total, 0, 0, mCtOf(q, m), n > 0 ? msg.ctLen : 0);
  assert(w > 0 && w + n <= cap, "SEND header fits its reservation");
  if (n > 0) {
    const ring = ringOf(q);
    const first = min(n, MSRP_Q_BYTES - x.head);
    memory.copy(d + <usize>w, ring + <usize>x.head, <usize>first);
    if (first < n) memory.copy(d + <usize>(w + first), ring, <usize>(n - first));
    w += n;
  }
  const e = msrpBuildEndLine(d + <usize>w, cap - w, tid, TID_LEN, flag, n > 0);
  assert(e > 0, "end-line fits its reservation");
  w += e;
  outCommit(OUT_SEND_STREAM, msrpSessionConn(h), w);
  msg.next += <i64>n;
  msg.frames++;
  if (flag == 0x24 || flag == 0x23) msg.finSent = 1;
  if (ti >= 0) {
    const tx = tAt(q, ti);
    tx.msg = m; tx.end = <i32>msg.next; tx.fin = flag == 0x24 ? 1 : 0;
    tx.deadline = now + <f64>MSRP_TXN_TIMEOUT_MS;
    x.inflight++; msg.inflight++;
  }
  return true;
}

/** Consumes n ring bytes of the head segment(s). */
function consume(q: i32, n: i32): void {
  const x = qAt(q);
  x.head += n; if (x.head >= MSRP_Q_BYTES) x.head -= MSRP_Q_BYTES;
  x.len -= n;
  let left = n;
  for (let g = 0; g < MSRP_Q_SEGS && left > 0; g++) {
    const s = segAt(q, x.segHead);
    const l = <i32>load<u16>(s, 2);
    if (l <= left) { left -= l; x.segHead++; if (x.segHead >= MSRP_Q_SEGS) x.segHead = 0; x.segCount--; }
    else { store<u16>(s, <u16>(l - left), 2); left = 0; }
  }
}

/** Ends due without ring bytes: an empty '$' after every byte went out, or a '#'. */
function emitEnds(q: i32, now: f64): bool {
  for (let m = 0; m < MSRP_Q_MSGS; m++) {
    const x = mAt(q, m);
    if (x.state == 2 && x.queued == 0 && x.finSent == 0) {
      if (!emit(q, m, 0, 0x24, now)) return false;
    } else if (x.state == 3 && x.finSent == 0) {
      if (x.frames > 0) { if (!emit(q, m, 0, 0x23, now)) return false; }
      else x.finSent = 1;
      x.drop = 1;   // its ring bytes are skipped
      freeMsgIfDone(q, m);
    }
  }
  return true;
}

/** Sends what the queues hold, as far as the windows and the outbox allow. */
export function sqFlush(now: f64): void {
  needWake = false;
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    const x = qAt(q);
    if (x.sess < 0) continue;
    if (msrpSessionState(x.sess) != MsrpSessState.Bound || msrpSessionConn(x.sess) < 0) continue;
    if (!emitEnds(q, now)) continue;
    // bounded: each pass sends a chunk, skips a dropped run, or stops
    for (let g = 0; g < MSRP_Q_SEGS + MSRP_Q_WINDOW + 4 && x.segCount > 0; g++) {
      const m = <i32>load<u16>(segAt(q, x.segHead));
      const msg = mAt(q, m);
      const segLen = <i32>load<u16>(segAt(q, x.segHead), 2);
      if (msg.drop != 0) {
        // bytes of a message that failed or was aborted: dropped here
        consume(q, segLen);
        msg.queued -= segLen;
        if (msg.queued <= 0) { msg.queued = 0; freeMsgIfDone(q, m); }
        continue;
      }
      // one chunk: the run of this message at the head, across its consecutive segments
      let n = 0;
      let s = x.segHead;
      for (let k = 0; k < x.segCount && n < MSRP_CHUNK_SIZE; k++) {
        if (<i32>load<u16>(segAt(q, s)) != m) break;
        n += <i32>load<u16>(segAt(q, s), 2);
        s++; if (s >= MSRP_Q_SEGS) s = 0;
      }
      if (n > MSRP_CHUNK_SIZE) n = MSRP_CHUNK_SIZE;
      const last = msg.state == 2 && n == msg.queued;
      if (!emit(q, m, n, last ? 0x24 : 0x2b, now)) break;
      consume(q, n);
      msg.queued -= n;
    }
    emitEnds(q, now);
  }
}

/** Queues in use and messages held (tests: everything returns to the pools). */
export function sqQueuesActive(): i32 {
  let n = 0;
  for (let q = 0; q < MSRP_Q_MAX; q++) if (qAt(q).sess >= 0) n++;
  return n;
}
export function sqMsgsActive(): i32 {
  let n = 0;
  for (let q = 0; q < MSRP_Q_MAX; q++) {
    if (qAt(q).sess < 0) continue;
    for (let m = 0; m < MSRP_Q_MSGS; m++) if (mAt(q, m).state != 0) n++;
  }
  return n;
}
