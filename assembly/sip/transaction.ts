// SIP transaction layer: the four state machines of RFC 3261 §17 over a fixed pool,
// sans-I/O (STYLE §3). Bytes and `now` come in as arguments; what to do goes out as
// records on an action queue that the caller drains (SEND, TU_RESPONSE, TU_TIMEOUT,
// TU_TRANSPORT_ERROR, TU_TERMINATED, ACK_NEEDED, SEND_TRYING). No clock is read,
// nothing is allocated; the message parser is not used (the caller passes the key
// fields it already extracted: branch, sent-by, method, status).
//
// Reading list (RFC 3261):
//   §17.1.1  INVITE client transaction (Calling/Proceeding/Completed, Timers A, B, D)
//   §17.1.2  non-INVITE client transaction (Trying/Proceeding/Completed, Timers E, F, K)
//   §17.1.3  matching responses to client transactions (branch + CSeq method)
//   §17.1.4  transport errors on the client side (-> §8.1.3.1: TU sees a 503-equivalent)
//   §17.2.1  INVITE server transaction (Proceeding/Completed/Confirmed, Timers G, H, I; 100 Trying)
//   §17.2.2  non-INVITE server transaction (Trying/Proceeding/Completed, Timer J)
//   §17.2.3  matching requests to server transactions (branch + sent-by + method; RFC 2543 fallback)
//   §17.2.4  transport errors on the server side
//   §9.2     CANCEL: its own transaction; the transaction to cancel is found by §17.2.3 with the
//            method taken as "anything but CANCEL or ACK"
//   Appendix A, Table 4: timer values (assembly/sip/timers.ts)
//
// Not implemented (gaps): RFC 6026 (the INVITE client "Accepted" state that absorbs 2xx
// retransmissions and the server "Accepted" state); here a 2xx ends both INVITE
// transactions as RFC 3261 says, and 2xx retransmissions are the TU's (dialog's) business
// (§13.2.2.4, §13.3.1.4). RFC 4320 (no 408 to non-INVITE) is left to the TU.
//
// Handles: i32 = slot index | generation << 8. A slot's generation changes every time it
// is freed, so a handle kept after TU_TERMINATED is rejected (TxnErr.BadHandle), never
// misdirected to the slot's next occupant (smoltcp's SocketHandle, with a generation).
//
// Memory: TXN_MAX small records plus one shared arena (TXN_ARENA_BYTES) for the message
// copies; a record keeps a copy only while its state may have to send it again (see "slot
// layout"), so a completed transaction lingering for Timer J/D costs its record and the bytes
// of one response or ACK, not a fixed 4 KiB buffer.
//
// Pointers in SEND actions point either into the transaction's own copy of the message
// or into the buffer the caller passed in the same call. Drain the queue after every
// call (until txnActPop returns None): a copy given up meanwhile is reused only after that.

import { TXN_MAX, TXN_MSG_CAP, TXN_BRANCH_CAP, TXN_ACT_MAX, TXN_ARENA_BYTES, TXN_ARENA_UNIT } from "../mem/limits";
import { lower, eqSpan, eqExact } from "../mem/bytes";
import {
  T2_MS, TIMER_A_MS, TIMER_B_MS, TIMER_D_MS, TIMER_E_MS, TIMER_F_MS, TIMER_G_MS, TIMER_H_MS,
  TIMER_I_MS, TIMER_J_MS, TIMER_K_MS, TIMER_TRYING_MS, TIMER_OFF,
} from "./timers";

// ---- public enums --------------------------------------------------------------------

/** Method codes: the same numbers as wire/sip_msg.ts `Method` (we only single out three). */
export const TXN_METHOD_INVITE: i32 = 1;
export const TXN_METHOD_ACK: i32 = 2;
export const TXN_METHOD_CANCEL: i32 = 4;

/** Which of the four §17 machines a slot runs. */
export const enum TxnKind {
  None = 0,
  ClientInvite = 1,     // §17.1.1
  ClientNonInvite = 2,  // §17.1.2
  ServerInvite = 3,     // §17.2.1
  ServerNonInvite = 4,  // §17.2.2
}

/** States of §17 (Figures 5-8). Terminated is transient: the slot is freed at once. */
export const enum TxnState {
  Free = 0, Calling = 1, Trying = 2, Proceeding = 3, Completed = 4, Confirmed = 5, Terminated = 6,
}

/** Action record opcodes (the caller drains them with txnActPop). */
export const enum TxnAct {
  None = 0,
  /** Pass bytes [ptr, ptr+len) to the transport for peer (first send or retransmission). */
  Send = 1,
  /** A response for the TU (client side): status. */
  TuResponse = 2,
  /** Timer B / F / H fired: the TU learns of a timeout (§17.1.1.2, §17.1.2.2, §17.2.1). */
  TuTimeout = 3,
  /** Transport failure (§17.1.4, §17.2.4): the TU treats it as a 503 (§8.1.3.1). */
  TuTransportError = 4,
  /** The transaction is gone; its handle is stale from now on. */
  TuTerminated = 5,
  /** A 300-699 reached a client INVITE transaction: the TU builds the ACK (§17.1.1.3) and
   *  hands it back with txnClientSendAck. status = the final response's code. */
  AckNeeded = 6,
  /** §17.2.1: 200 ms passed without a TU response: build a 100 Trying and send it with
   *  txnServerSendResponse(h, 100, ...). */
  SendTrying = 7,
}

/** Transaction layer errors (0 = OK); txnErrStatus/txnErrReason map them. */
export const enum TxnErr {
  Ok = 0,
  /** No free slot: a UAS answers 503 with Retry-After (§21.5.4), a UAC fails the request locally. */
  PoolFull = 1,
  /** Handle is not a live transaction (stale generation, out of range, freed). */
  BadHandle = 2,
  /** The call is not allowed for this kind of transaction or in this state. */
  BadState = 3,
  /** A message that must be kept for UDP retransmission is larger than TXN_MSG_CAP (§18.1.1: use TCP). */
  MsgTooLong = 4,
  /** Status code outside 100..699 (§7.2). */
  BadStatus = 5,
  /** Branch without the z9hG4bK cookie and no RFC 2543 key given (§17.2.3). */
  NoKey = 6,
  /** ACK never creates a transaction (§17: ACK for a non-2xx belongs to the INVITE transaction,
   *  ACK for a 2xx goes straight to the TU). */
  AckNoTxn = 7,
  /** Negative length or similar caller bug. */
  BadArg = 8,
}

/** SIP status the agent answers with for an error (0 = nothing to answer). */
export function txnErrStatus(e: i32): i32 {
  switch (e) {
    case TxnErr.Ok: return 0;
    case TxnErr.PoolFull: return 503;
    case TxnErr.MsgTooLong: return 513;
    case TxnErr.NoKey: return 400;
    case TxnErr.AckNoTxn: return 0;
    default: return 500;
  }
}

/** Short ASCII reason for an error. */
export function txnErrReason(e: i32): string {
  switch (e) {
    case TxnErr.Ok: return "ok";
    case TxnErr.PoolFull: return "transaction pool full";
    case TxnErr.BadHandle: return "stale or unknown transaction handle";
    case TxnErr.BadState: return "not allowed in this transaction state";
    case TxnErr.MsgTooLong: return "message too large to keep for retransmission";
    case TxnErr.BadStatus: return "status code outside 100-699";
    case TxnErr.NoKey: return "no branch cookie and no RFC 2543 key";
    case TxnErr.AckNoTxn: return "ACK creates no transaction";
    case TxnErr.BadArg: return "bad argument";
    default: return "unknown";
  }
}

// ---- slot layout -----------------------------------------------------------------------
//
// A transaction is a small fixed record (Txn + its branch bytes, 180 bytes) in a pool of
// TXN_MAX. The message it may have to send again lives apart, in a shared arena (below), and
// only while its state needs it (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2):
//   client INVITE    Calling: the request (Timer A, UDP)     Proceeding: nothing    Completed: the ACK
//   client non-INV.  Trying/Proceeding: the request (Timer E, UDP)                  Completed: nothing
//   server INVITE    Proceeding: latest 1xx    Completed: the final (Timer G)      Confirmed: nothing
//   server non-INV.  Trying: nothing    Proceeding: latest 1xx                      Completed: the final
// So a completed transaction lingering for Timer J/D (32 s over UDP) holds its record plus the
// bytes of one final response or ACK (usually < 1 KiB), or no bytes at all for Timers K/I, and
// never a 4 KiB buffer: that is what lets a UDP burst through the proxy (each BYE leaves a
// server transaction for 32 s) pass without 503s in fixed memory.

/** How a server transaction is keyed (§17.2.3). */
const KEY_3261: i32 = 1;   // branch starts with the magic cookie: branch + sent-by + method
const KEY_2543: i32 = 2;   // no cookie: hash of R-URI, From tag, Call-ID, CSeq number, top Via; To tag apart

/** RFC 3261 §8.1.1.7: branch IDs of compliant elements start with this cookie. */
const COOKIE = "z9hG4bK";

// @ts-ignore: decorator
@unmanaged
class Txn {
  branchHash: u64;
  sentByHash: u64;
  /** RFC 2543 key (0 = none) and the To tag hash of the request that created the transaction. */
  legacyKey: u64;
  toTagKey: u64;
  /** To tag hash of the responses this server transaction sends (an RFC 2543 ACK carries it). */
  localTagKey: u64;
  retxIntervalMs: f64;
  /** Timer A / E / G: retransmission. */
  tRetx: f64;
  /** Timer B / F / H: transaction timeout. */
  tTimeout: f64;
  /** Timer D / I / J / K: linger in Completed/Confirmed, then Terminated. */
  tEnd: f64;
  /** §17.2.1 200 ms 100-Trying timer (server INVITE only). */
  tTrying: f64;
  gen: u32;
  peer: u32;
  method: i32;
  /** Client: last response received; server: last response the TU sent (0 = none yet). */
  lastStatus: i32;
  /** Bytes kept in the arena at unit msgAt (msgLen 0 = nothing kept, msgAt -1). */
  msgLen: i32;
  msgAt: i32;
  branchLen: i32;
  sentByLen: i32;
  kind: i32;
  state: i32;
  reliable: i32;
  keyMode: i32;
  localTagSet: i32;
}

// @ts-ignore: decorator
@lazy const HDR_SIZE: i32 = <i32>offsetof<Txn>();
// @ts-ignore: decorator
@lazy const SLOT_SIZE: i32 = (<i32>offsetof<Txn>() + TXN_BRANCH_CAP + 7) & ~7;
const POOL: usize = memory.data(TXN_MAX * ((<i32>offsetof<Txn>() + TXN_BRANCH_CAP + 7) & ~7), 16);

// @ts-ignore: decorator
@inline function slotAt(i: i32): Txn { return changetype<Txn>(POOL + <usize>i * <usize>SLOT_SIZE); }
// @ts-ignore: decorator
@inline function branchArea(i: i32): usize { return POOL + <usize>i * <usize>SLOT_SIZE + <usize>HDR_SIZE; }

/** Generations stay in 1..0x7FFFFF so a handle is a positive i32 and never 0. */
const GEN_MASK: u32 = 0x7fffff;
let inited = false;
let lastErr: i32 = TxnErr.Ok;

function initOnce(): void {
  if (inited) return;
  inited = true;
  for (let i = 0; i < TXN_MAX; i++) {
    const t = slotAt(i);
    t.gen = 1; t.state = TxnState.Free; t.kind = TxnKind.None; t.msgLen = 0; t.msgAt = -1;
    t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF; t.tEnd = TIMER_OFF; t.tTrying = TIMER_OFF;
  }
  arenaClear();
}

// @ts-ignore: decorator
@inline function handleOf(i: i32): i32 { return i | <i32>(slotAt(i).gen << 8); }

/** Slot index for a live handle, or -1 (and lastErr = BadHandle). */
function slotOf(h: i32): i32 {
  initOnce();
  if (h < 0) { lastErr = TxnErr.BadHandle; return -1; }
  const i = h & 0xff;
  if (i >= TXN_MAX) { lastErr = TxnErr.BadHandle; return -1; }
  const t = slotAt(i);
  if (t.state == TxnState.Free || t.gen != (<u32>h >>> 8)) { lastErr = TxnErr.BadHandle; return -1; }
  return i;
}

function allocSlot(): i32 {
  for (let i = 0; i < TXN_MAX; i++) if (slotAt(i).state == TxnState.Free) return i;
  return -1;
}

/** Frees a slot (and its kept message); the generation moves on so old handles go stale. */
function freeSlot(i: i32): void {
  drop(i);
  const t = slotAt(i);
  t.state = TxnState.Free;
  t.kind = TxnKind.None;
  t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF; t.tEnd = TIMER_OFF; t.tTrying = TIMER_OFF;
  let g = (t.gen + 1) & GEN_MASK;
  if (g == 0) g = 1;
  t.gen = g;
}

// ---- message arena ------------------------------------------------------------------------
//
// TXN_ARENA_BYTES in units of TXN_ARENA_UNIT; a message takes a run of ceil(len / unit)
// contiguous units (SEND hands the transport one [ptr, len) span). A bitmap marks the taken
// units; allocation is next fit from a rotating cursor, so a run freed a moment ago is the last
// to be reused. A run given up while SEND records may still point into it (a newer response
// replaces the kept one, the transaction ends in the same call) is not reusable at once: it
// waits on a pending list that is released when the caller has drained the action queue.

// @ts-ignore: decorator
@lazy const UNIT: i32 = TXN_ARENA_UNIT;
// @ts-ignore: decorator
@lazy const UNITS: i32 = TXN_ARENA_BYTES / TXN_ARENA_UNIT;
/** Units a starting transaction leaves free for responses still to come (one largest message). */
// @ts-ignore: decorator
@lazy const RESERVE_UNITS: i32 = (TXN_MSG_CAP + TXN_ARENA_UNIT - 1) / TXN_ARENA_UNIT;
const ARENA: usize = memory.data(TXN_ARENA_BYTES, 16);
const USED: usize = memory.data((TXN_ARENA_BYTES / TXN_ARENA_UNIT + 7) >> 3, 8);
/** Pending runs: (first unit, units) pairs, a ring as long as the action queue. */
const PEND: usize = memory.data(TXN_ACT_MAX * 8, 8);
let pendHead: i32 = 0;
let pendCount: i32 = 0;
let unitsFree: i32 = 0;
let cursor: i32 = 0;
let keepFailed: i32 = 0;

// @ts-ignore: decorator
@inline function unitsFor(len: i32): i32 { return (len + UNIT - 1) / UNIT; }
// @ts-ignore: decorator
@inline function unitPtr(u: i32): usize { return ARENA + <usize>u * <usize>UNIT; }
// @ts-ignore: decorator
@inline function unitTaken(u: i32): bool { return ((<u32>load<u8>(USED + <usize>(u >> 3)) >> <u32>(u & 7)) & 1) != 0; }

function markRun(u: i32, n: i32, taken: bool): void {
  for (let k = 0; k < n; k++) {
    const b = USED + <usize>((u + k) >> 3);
    const bit: u32 = <u32>1 << <u32>((u + k) & 7);
    const v: u32 = <u32>load<u8>(b);
    store<u8>(b, <u8>(taken ? v | bit : v & ~bit));
  }
  unitsFree += taken ? -n : n;
}

function arenaClear(): void {
  memory.fill(USED, 0, <usize>((UNITS + 7) >> 3));
  unitsFree = UNITS; cursor = 0; pendHead = 0; pendCount = 0;
}

/** Releases every pending run (only when no queued SEND can point into one). */
function pendFlush(): void {
  for (let k = 0; k < pendCount; k++) {
    let at = pendHead + k;
    if (at >= TXN_ACT_MAX) at -= TXN_ACT_MAX;
    const r = PEND + <usize>(at * 8);
    markRun(load<i32>(r), load<i32>(r, 4), false);
  }
  pendHead = 0; pendCount = 0;
}

function pendAdd(u: i32, n: i32): void {
  if (pendCount >= TXN_ACT_MAX) {
    // The caller has not drained for TXN_ACT_MAX replacements (a caller bug, like a dropped
    // record): the oldest run goes back at once.
    const r0 = PEND + <usize>(pendHead * 8);
    markRun(load<i32>(r0), load<i32>(r0, 4), false);
    pendHead++; if (pendHead >= TXN_ACT_MAX) pendHead = 0;
    pendCount--;
  }
  let at = pendHead + pendCount;
  if (at >= TXN_ACT_MAX) at -= TXN_ACT_MAX;
  const r = PEND + <usize>(at * 8);
  store<i32>(r, u); store<i32>(r, n, 4);
  pendCount++;
}

/** First unit of a free run of n units (taken from now on), or -1. Leaves `reserve` units free. */
function arenaAlloc(n: i32, reserve: i32): i32 {
  if (actCount == 0 && pendCount > 0) pendFlush();
  if (n <= 0 || n > UNITS || unitsFree - n < reserve) return -1;
  // Every start position is looked at once: cursor..end, then 0..cursor+n (a run across the cursor).
  let u = cursor;
  let run = 0;
  let start = 0;
  for (let k = 0; k < UNITS + n; k++) {
    if (u >= UNITS) { u = 0; run = 0; }
    if (unitTaken(u)) run = 0;
    else {
      if (run == 0) start = u;
      run++;
      if (run == n) {
        markRun(start, n, true);
        cursor = start + n;
        if (cursor >= UNITS) cursor = 0;
        return start;
      }
    }
    u++;
  }
  return -1;
}

/** At least n units free (after releasing the pending runs when that is safe). */
function arenaHasRoom(n: i32): bool {
  if (actCount == 0 && pendCount > 0) pendFlush();
  return unitsFree >= n;
}

/** Gives up transaction i's kept message (the run waits on the pending list). */
function drop(i: i32): void {
  const t = slotAt(i);
  if (t.msgAt >= 0 && t.msgLen > 0) pendAdd(t.msgAt, unitsFor(t.msgLen));
  t.msgAt = -1; t.msgLen = 0;
}

// ---- hashing (FNV-1a 64) --------------------------------------------------------------------

const FNV_OFF: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

function fnvBytes(h: u64, p: usize, len: i32, fold: bool): u64 {
  for (let i = 0; i < len; i++) {
    let c = <u32>load<u8>(p + <usize>i);
    if (fold) c = lower(c);
    h = (h ^ <u64>c) * FNV_PRIME;
  }
  return h;
}
function fnvU32(h: u64, v: u32): u64 {
  for (let i = 0; i < 4; i++) h = (h ^ <u64>((v >> (i * 8)) & 0xff)) * FNV_PRIME;
  return h;
}
/** Length-prefixed so that ("ab","c") and ("a","bc") differ. */
function fnvField(h: u64, p: usize, len: i32, fold: bool): u64 {
  return fnvBytes(fnvU32(h, <u32>len), p, len, fold);
}

function hasCookie(p: usize, len: i32): bool {
  return len >= 7 && eqExact(p, 7, COOKIE);
}

/**
 * The RFC 2543 key of §17.2.3 (requests whose top Via branch lacks the z9hG4bK cookie):
 * Request-URI, From tag, Call-ID, CSeq number and the whole top Via. The To tag is kept
 * apart (txnTagKey) because an ACK carries the To tag of the server's response, not of the
 * request. Byte comparison: the §19.1.4 URI and §20 header equality rules are not applied
 * (the caller may pass normalized spans). Never 0 (0 = "no key").
 */
export function txnLegacyKey(
  ruriPtr: usize, ruriLen: i32, fromTagPtr: usize, fromTagLen: i32,
  callIdPtr: usize, callIdLen: i32, cseqNum: u32, viaPtr: usize, viaLen: i32,
): u64 {
  if (ruriLen < 0 || fromTagLen < 0 || callIdLen < 0 || viaLen < 0) return 0;
  let h = FNV_OFF;
  h = fnvField(h, ruriPtr, ruriLen, false);
  h = fnvField(h, fromTagPtr, fromTagLen, false);
  h = fnvField(h, callIdPtr, callIdLen, false);
  h = fnvU32(h, cseqNum);
  h = fnvField(h, viaPtr, viaLen, false);
  return h == 0 ? 1 : h;
}

/** Hash of a To tag for the RFC 2543 match (empty tag = a fixed value, never 0). */
export function txnTagKey(tagPtr: usize, tagLen: i32): u64 {
  if (tagLen < 0) tagLen = 0;
  const h = fnvField(FNV_OFF ^ 0x5a5a, tagPtr, tagLen, false);
  return h == 0 ? 1 : h;
}

// ---- action queue (ring) -----------------------------------------------------------------

// Record: op, handle, peer, ptr, len, status (6 x 4 bytes).
const ACT_REC: i32 = 24;
const ACTQ: usize = memory.data(TXN_ACT_MAX * 24, 8);
let actHead: i32 = 0;   // next to pop
let actCount: i32 = 0;
let actDropped: i32 = 0;
// The record last popped (read with txnAct* accessors).
let curOp: i32 = 0, curHandle: i32 = -1, curPeer: u32 = 0, curPtr: u32 = 0, curLen: i32 = 0, curStatus: i32 = 0;

function push(op: i32, h: i32, peer: u32, ptr: usize, len: i32, status: i32): void {
  // Sized so one call cannot fill it (<= 3 records per slot per call); when the caller does not
  // drain, the newest records are dropped and counted rather than overwriting older ones.
  if (actCount >= TXN_ACT_MAX) { actDropped++; return; }
  let at = actHead + actCount;
  if (at >= TXN_ACT_MAX) at -= TXN_ACT_MAX;
  const r = ACTQ + <usize>(at * ACT_REC);
  store<i32>(r, op); store<i32>(r, h, 4); store<u32>(r, peer, 8);
  store<u32>(r, <u32>ptr, 12); store<i32>(r, len, 16); store<i32>(r, status, 20);
  actCount++;
}

/** Records waiting in the queue. */
export function txnActCount(): i32 { return actCount; }
/** Pops the oldest record and returns its opcode (TxnAct.None when empty). */
export function txnActPop(): i32 {
  if (actCount <= 0) {
    // Drained: no SEND record is left that could point into a run given up meanwhile.
    if (pendCount > 0) pendFlush();
    curOp = TxnAct.None; curHandle = -1; curPeer = 0; curPtr = 0; curLen = 0; curStatus = 0;
    return TxnAct.None;
  }
  const r = ACTQ + <usize>(actHead * ACT_REC);
  curOp = load<i32>(r); curHandle = load<i32>(r, 4); curPeer = load<u32>(r, 8);
  curPtr = load<u32>(r, 12); curLen = load<i32>(r, 16); curStatus = load<i32>(r, 20);
  actHead++; if (actHead >= TXN_ACT_MAX) actHead = 0;
  actCount--;
  return curOp;
}
export function txnActHandle(): i32 { return curHandle; }
export function txnActPeer(): u32 { return curPeer; }
export function txnActPtr(): usize { return <usize>curPtr; }
export function txnActLen(): i32 { return curLen; }
export function txnActStatus(): i32 { return curStatus; }
/** Records dropped because the queue was full (a caller bug: drain after every call). */
export function txnActDropped(): i32 { return actDropped; }

// ---- common helpers ----------------------------------------------------------------------------

/** Transaction -> Terminated: tell the TU and free the slot (the handle goes stale). */
function terminate(i: i32): void {
  const t = slotAt(i);
  t.state = TxnState.Terminated;
  push(TxnAct.TuTerminated, handleOf(i), t.peer, 0, 0, t.lastStatus);
  freeSlot(i);
}

/**
 * Keeps a copy of [p, p+len) for transaction i in place of the one it had; returns where SEND
 * should point. When it cannot be kept (longer than TXN_MSG_CAP, or the arena is full) nothing
 * is kept and SEND points at the caller's bytes: the message still goes out once, but a
 * retransmitted request is then absorbed instead of answered (counted in txnKeepFailures).
 */
function keep(i: i32, p: usize, len: i32): usize {
  drop(i);
  if (len <= 0 || len > TXN_MSG_CAP) return p;
  const u = arenaAlloc(unitsFor(len), 0);
  if (u < 0) { keepFailed++; return p; }
  const t = slotAt(i);
  memory.copy(unitPtr(u), p, <usize>len);
  t.msgAt = u; t.msgLen = len;
  return unitPtr(u);
}

function sendKept(i: i32): void {
  const t = slotAt(i);
  if (t.msgLen > 0 && t.msgAt >= 0) push(TxnAct.Send, handleOf(i), t.peer, unitPtr(t.msgAt), t.msgLen, t.lastStatus);
}

function initSlot(i: i32, kind: i32, state: i32, method: i32, reliable: bool, peer: u32): Txn {
  const t = slotAt(i);
  t.kind = kind; t.state = state; t.method = method;
  t.reliable = reliable ? 1 : 0; t.peer = peer;
  t.lastStatus = 0; t.msgLen = 0; t.msgAt = -1;
  t.keyMode = 0; t.branchLen = 0; t.sentByLen = 0; t.localTagSet = 0;
  t.branchHash = 0; t.sentByHash = 0; t.legacyKey = 0; t.toTagKey = 0; t.localTagKey = 0;
  t.retxIntervalMs = 0;
  t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF; t.tEnd = TIMER_OFF; t.tTrying = TIMER_OFF;
  return t;
}

function setBranch(i: i32, p: usize, len: i32): void {
  const t = slotAt(i);
  const n = len < TXN_BRANCH_CAP ? len : TXN_BRANCH_CAP;
  memory.copy(branchArea(i), p, <usize>n);
  t.branchLen = len;
  t.branchHash = fnvBytes(FNV_OFF, p, len, false);
}

/** Branch equality (§17.1.3, §17.2.3): length, hash of the whole, and the kept prefix byte for byte. */
function branchEq(i: i32, p: usize, len: i32, hash: u64): bool {
  const t = slotAt(i);
  if (t.branchLen != len || t.branchHash != hash) return false;
  const n = len < TXN_BRANCH_CAP ? len : TXN_BRANCH_CAP;
  return eqSpan(branchArea(i), n, p, n, false);
}

function validStatus(s: i32): bool { return s >= 100 && s <= 699; }

// ---- client transactions (§17.1) -------------------------------------------------------------

/**
 * Starts a client transaction for a request the TU built (§17.1): INVITE -> §17.1.1 (Calling),
 * any other method -> §17.1.2 (Trying); ACK creates none (TxnErr.AckNoTxn). Queues the first SEND.
 * Over UDP the request is kept (<= TXN_MSG_CAP) in the arena for Timer A/E retransmissions.
 * Returns the handle, or -1 with txnLastError() = PoolFull (no record, or no arena room for the
 * request) / MsgTooLong / AckNoTxn / BadArg.
 */
export function txnClientStart(
  method: i32, reliable: bool, peer: u32, msgPtr: usize, msgLen: i32,
  branchPtr: usize, branchLen: i32, now: f64,
): i32 {
  initOnce();
  lastErr = TxnErr.Ok;
  if (msgLen < 0 || branchLen < 0) { lastErr = TxnErr.BadArg; return -1; }
  if (method == TXN_METHOD_ACK) { lastErr = TxnErr.AckNoTxn; return -1; }
  if (!reliable && msgLen > TXN_MSG_CAP) { lastErr = TxnErr.MsgTooLong; return -1; }
  const i = allocSlot();
  if (i < 0) { lastErr = TxnErr.PoolFull; return -1; }
  // Over UDP the request is kept for Timer A/E; the arena must also leave room for the
  // responses of the transactions already running, so a start that would eat into that
  // reserve is refused like a full pool (the TU fails it locally / answers 503).
  let u = -1;
  if (!reliable && msgLen > 0) {
    u = arenaAlloc(unitsFor(msgLen), RESERVE_UNITS);
    if (u < 0) { lastErr = TxnErr.PoolFull; return -1; }
  }
  const inv = method == TXN_METHOD_INVITE;
  const t = initSlot(i, inv ? TxnKind.ClientInvite : TxnKind.ClientNonInvite,
    inv ? TxnState.Calling : TxnState.Trying, method, reliable, peer);
  setBranch(i, branchPtr, branchLen);
  t.keyMode = KEY_3261;
  // Over a reliable transport nothing is retransmitted: SEND points at the caller's bytes.
  let sp = msgPtr;
  if (u >= 0) {
    memory.copy(unitPtr(u), msgPtr, <usize>msgLen);
    t.msgAt = u; t.msgLen = msgLen;
    sp = unitPtr(u);
  }
  push(TxnAct.Send, handleOf(i), peer, sp, msgLen, 0);
  if (inv) {
    // §17.1.1.2: Timer A only for unreliable transports; Timer B always.
    if (!reliable) { t.retxIntervalMs = TIMER_A_MS; t.tRetx = now + TIMER_A_MS; }
    t.tTimeout = now + TIMER_B_MS;
  } else {
    // §17.1.2.2: Timer E only for unreliable transports; Timer F always.
    if (!reliable) { t.retxIntervalMs = TIMER_E_MS; t.tRetx = now + TIMER_E_MS; }
    t.tTimeout = now + TIMER_F_MS;
  }
  return handleOf(i);
}

/**
 * §17.1.3: the client transaction a response belongs to: same top-Via branch as the request
 * and the same CSeq method (so a CANCEL's responses do not hit the INVITE with the same branch).
 * Returns the handle or -1.
 */
export function txnClientMatch(branchPtr: usize, branchLen: i32, cseqMethod: i32): i32 {
  initOnce();
  if (branchLen < 0) return -1;
  const bh = fnvBytes(FNV_OFF, branchPtr, branchLen, false);
  for (let i = 0; i < TXN_MAX; i++) {
    const t = slotAt(i);
    if (t.state == TxnState.Free) continue;
    if (t.kind != TxnKind.ClientInvite && t.kind != TxnKind.ClientNonInvite) continue;
    if (t.method != cseqMethod) continue;
    if (branchEq(i, branchPtr, branchLen, bh)) return handleOf(i);
  }
  return -1;
}

/** A response (already matched) reaches a client transaction. Returns a TxnErr. */
export function txnClientOnResponse(h: i32, status: i32, now: f64): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  if (!validStatus(status)) { lastErr = TxnErr.BadStatus; return lastErr; }
  const t = slotAt(i);
  if (t.kind == TxnKind.ClientInvite) {
    if (t.state == TxnState.Calling || t.state == TxnState.Proceeding) {
      t.lastStatus = status;
      if (status < 200) {
        // §17.1.1.2: a provisional response moves Calling -> Proceeding and stops retransmissions
        // (Timer A); Timer B only guards Calling, so it goes too. Every 1xx goes up to the TU.
        // Nothing is retransmitted from here on, so the request copy goes back to the arena.
        t.state = TxnState.Proceeding;
        t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF;
        drop(i);
        push(TxnAct.TuResponse, h, t.peer, 0, 0, status);
      } else if (status < 300) {
        // §17.1.1.2: a 2xx goes to the TU and the transaction is Terminated (the TU ACKs the 2xx
        // itself, §13.2.2.4). RFC 6026 "Accepted" is not implemented.
        push(TxnAct.TuResponse, h, t.peer, 0, 0, status);
        terminate(i);
      } else {
        // §17.1.1.2: 300-699 -> ACK (§17.1.1.3, built by the TU), response up, Completed,
        // Timer D (>= 32 s unreliable, 0 reliable). The request copy is dropped: the ACK takes its place.
        t.state = TxnState.Completed;
        t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF;
        drop(i);
        push(TxnAct.AckNeeded, h, t.peer, 0, 0, status);
        push(TxnAct.TuResponse, h, t.peer, 0, 0, status);
        t.tEnd = now + (t.reliable != 0 ? 0 : TIMER_D_MS);
      }
    } else if (t.state == TxnState.Completed) {
      // §17.1.1.2: a retransmitted final response in Completed re-sends the ACK and is not passed up.
      if (status >= 300) {
        if (t.msgLen > 0) sendKept(i);
        else push(TxnAct.AckNeeded, h, t.peer, 0, 0, status);
      }
    }
    return lastErr;
  }
  if (t.kind == TxnKind.ClientNonInvite) {
    if (t.state == TxnState.Trying || t.state == TxnState.Proceeding) {
      t.lastStatus = status;
      if (status < 200) {
        // §17.1.2.2: Trying -> Proceeding; Timer E keeps running but is reset to T2 from now on.
        t.state = TxnState.Proceeding;
        if (t.tRetx >= 0) t.retxIntervalMs = T2_MS;
        push(TxnAct.TuResponse, h, t.peer, 0, 0, status);
      } else {
        // §17.1.2.2: a final response goes up, Completed, Timer K (T4 unreliable, 0 reliable).
        // Completed only absorbs response retransmissions: the request copy goes back to the arena.
        t.state = TxnState.Completed;
        t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF;
        drop(i);
        push(TxnAct.TuResponse, h, t.peer, 0, 0, status);
        t.tEnd = now + (t.reliable != 0 ? 0 : TIMER_K_MS);
      }
    }
    // Completed: §17.1.2.2 absorbs response retransmissions.
    return lastErr;
  }
  lastErr = TxnErr.BadState;
  return lastErr;
}

/**
 * The TU's ACK for a 300-699 (after AckNeeded): sent now, and kept (when it fits) so a
 * retransmitted final response re-sends it without asking the TU again (§17.1.1.2).
 */
export function txnClientSendAck(h: i32, ackPtr: usize, ackLen: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  if (ackLen < 0) { lastErr = TxnErr.BadArg; return lastErr; }
  const t = slotAt(i);
  if (t.kind != TxnKind.ClientInvite || t.state != TxnState.Completed) { lastErr = TxnErr.BadState; return lastErr; }
  const sp = keep(i, ackPtr, ackLen);
  push(TxnAct.Send, h, t.peer, sp, ackLen, t.lastStatus);
  return lastErr;
}

// ---- server transactions (§17.2) -------------------------------------------------------------

const FIND_SAME: i32 = 0;     // a retransmission of the request (or an ACK for an INVITE)
const FIND_CANCEL: i32 = 1;   // §9.2: the transaction a CANCEL targets

/** §17.2.3 search; returns a slot index or -1. */
function serverFind(
  mode: i32, method: i32, branchPtr: usize, branchLen: i32, sentByPtr: usize, sentByLen: i32,
  legacyKey: u64, toTagKey: u64,
): i32 {
  initOnce();
  if (branchLen < 0 || sentByLen < 0) return -1;
  const cookie = hasCookie(branchPtr, branchLen);
  if (!cookie && legacyKey == 0) return -1;
  const bh = cookie ? fnvBytes(FNV_OFF, branchPtr, branchLen, false) : 0;
  // sent-by = host [":" port]; hosts compare caselessly (§19.1.4), so fold.
  const sbh = cookie ? fnvBytes(FNV_OFF, sentByPtr, sentByLen, true) : 0;
  for (let i = 0; i < TXN_MAX; i++) {
    const t = slotAt(i);
    if (t.state == TxnState.Free) continue;
    if (t.kind != TxnKind.ServerInvite && t.kind != TxnKind.ServerNonInvite) continue;
    if (mode == FIND_CANCEL) {
      // §9.2: match as if the method were "anything but CANCEL or ACK".
      if (t.method == TXN_METHOD_CANCEL || t.method == TXN_METHOD_ACK) continue;
    } else if (method == TXN_METHOD_ACK) {
      // §17.2.3: an ACK matches the INVITE transaction it acknowledges.
      if (t.method != TXN_METHOD_INVITE) continue;
    } else if (t.method != method) continue;
    if (cookie) {
      if (t.keyMode != KEY_3261) continue;
      if (t.sentByLen != sentByLen || t.sentByHash != sbh) continue;
      if (!branchEq(i, branchPtr, branchLen, bh)) continue;
    } else {
      if (t.keyMode != KEY_2543 || t.legacyKey != legacyKey) continue;
      if (mode == FIND_SAME && method == TXN_METHOD_ACK) {
        // §17.2.3 (2543): the ACK's To tag is the one of the response the server sent. When the
        // TU told us that tag (txnServerSetLocalTag) it must match; otherwise accept.
        if (t.localTagSet != 0 && toTagKey != t.localTagKey && toTagKey != t.toTagKey) continue;
      } else if (t.toTagKey != toTagKey) continue;
    }
    return i;
  }
  return -1;
}

/**
 * §17.2.3: the server transaction a request belongs to, or -1 (then start one, unless it is
 * an ACK: an unmatched ACK goes to the TU / core as the ACK of a 2xx).
 * branch/sentBy are the top Via's branch parameter and sent-by. Without the z9hG4bK cookie the
 * RFC 2543 rule applies: pass txnLegacyKey(...) and txnTagKey(To tag); legacyKey 0 -> no match.
 * A CANCEL matches only its own CANCEL transaction (§9.2); use txnServerCancelTarget for the
 * transaction it cancels.
 */
export function txnServerMatch(
  method: i32, branchPtr: usize, branchLen: i32, sentByPtr: usize, sentByLen: i32,
  legacyKey: u64 = 0, toTagKey: u64 = 0,
): i32 {
  const i = serverFind(FIND_SAME, method, branchPtr, branchLen, sentByPtr, sentByLen, legacyKey, toTagKey);
  return i < 0 ? -1 : handleOf(i);
}

/** §9.2: the (non-CANCEL, non-ACK) server transaction a CANCEL targets, or -1 (-> 481). */
export function txnServerCancelTarget(
  branchPtr: usize, branchLen: i32, sentByPtr: usize, sentByLen: i32,
  legacyKey: u64 = 0, toTagKey: u64 = 0,
): i32 {
  const i = serverFind(FIND_CANCEL, 0, branchPtr, branchLen, sentByPtr, sentByLen, legacyKey, toTagKey);
  return i < 0 ? -1 : handleOf(i);
}

/**
 * A new request (no match) creates a server transaction: INVITE -> §17.2.1 (Proceeding, 200 ms
 * 100-Trying timer), others -> §17.2.2 (Trying). The request is given to the TU by the caller.
 * Returns the handle, or -1 with txnLastError(): PoolFull (no record free, or over UDP less than
 * TXN_MSG_CAP bytes left in the arena for its responses: answer 503 + Retry-After statelessly),
 * NoKey (no cookie and legacyKey 0 -> 400), AckNoTxn, BadArg.
 */
export function txnServerStart(
  method: i32, branchPtr: usize, branchLen: i32, sentByPtr: usize, sentByLen: i32,
  reliable: bool, peer: u32, now: f64, legacyKey: u64 = 0, toTagKey: u64 = 0,
): i32 {
  initOnce();
  lastErr = TxnErr.Ok;
  if (branchLen < 0 || sentByLen < 0) { lastErr = TxnErr.BadArg; return -1; }
  if (method == TXN_METHOD_ACK) { lastErr = TxnErr.AckNoTxn; return -1; }
  const cookie = hasCookie(branchPtr, branchLen);
  if (!cookie && legacyKey == 0) { lastErr = TxnErr.NoKey; return -1; }
  const i = allocSlot();
  if (i < 0) { lastErr = TxnErr.PoolFull; return -1; }
  // Over UDP its responses will be kept: with less than one largest message left in the arena
  // the request is refused now (503 + Retry-After) rather than answered without a copy later.
  if (!reliable && !arenaHasRoom(RESERVE_UNITS)) { lastErr = TxnErr.PoolFull; return -1; }
  const inv = method == TXN_METHOD_INVITE;
  const t = initSlot(i, inv ? TxnKind.ServerInvite : TxnKind.ServerNonInvite,
    inv ? TxnState.Proceeding : TxnState.Trying, method, reliable, peer);
  if (cookie) {
    t.keyMode = KEY_3261;
    setBranch(i, branchPtr, branchLen);
    t.sentByLen = sentByLen;
    t.sentByHash = fnvBytes(FNV_OFF, sentByPtr, sentByLen, true);
  } else {
    t.keyMode = KEY_2543;
    t.legacyKey = legacyKey;
    t.toTagKey = toTagKey;
  }
  // §17.2.1: 100 Trying unless the TU answers within 200 ms.
  if (inv) t.tTrying = now + TIMER_TRYING_MS;
  return handleOf(i);
}

/** The To tag (txnTagKey) of this server transaction's responses, for RFC 2543 ACK matching. */
export function txnServerSetLocalTag(h: i32, tagKey: u64): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  const t = slotAt(i);
  t.localTagKey = tagKey; t.localTagSet = 1;
  return lastErr;
}

/**
 * The TU sends a response through a server transaction (§17.2.1, §17.2.2). Queues the SEND;
 * keeps the bytes for retransmission; moves the state. Returns a TxnErr (no change on error).
 */
export function txnServerSendResponse(h: i32, status: i32, msgPtr: usize, msgLen: i32, now: f64): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  if (msgLen < 0) { lastErr = TxnErr.BadArg; return lastErr; }
  if (!validStatus(status)) { lastErr = TxnErr.BadStatus; return lastErr; }
  const t = slotAt(i);
  const rel = t.reliable != 0;
  if (t.kind == TxnKind.ServerInvite) {
    if (t.state != TxnState.Proceeding) { lastErr = TxnErr.BadState; return lastErr; }
    if (status < 200) {
      // §17.2.1: provisional responses go out and the latest is kept for request retransmissions.
      t.lastStatus = status; t.tTrying = TIMER_OFF;
      push(TxnAct.Send, h, t.peer, keep(i, msgPtr, msgLen), msgLen, status);
    } else if (status < 300) {
      // §17.2.1: a 2xx goes out and the transaction is Terminated; the TU (§13.3.1.4) retransmits
      // the 2xx itself, so the bytes are not kept and SEND points at the caller's buffer.
      t.lastStatus = status; t.tTrying = TIMER_OFF;
      push(TxnAct.Send, h, t.peer, msgPtr, msgLen, status);
      terminate(i);
    } else {
      // §17.2.1: 300-699 -> Completed; Timer G (T1, unreliable only), Timer H (64*T1) always.
      if (!rel && msgLen > TXN_MSG_CAP) { lastErr = TxnErr.MsgTooLong; return lastErr; }
      t.lastStatus = status; t.tTrying = TIMER_OFF;
      push(TxnAct.Send, h, t.peer, keep(i, msgPtr, msgLen), msgLen, status);
      t.state = TxnState.Completed;
      if (!rel) { t.retxIntervalMs = TIMER_G_MS; t.tRetx = now + TIMER_G_MS; }
      t.tTimeout = now + TIMER_H_MS;
    }
    return lastErr;
  }
  if (t.kind == TxnKind.ServerNonInvite) {
    // §17.2.2: once Completed, further responses from the TU are discarded.
    if (t.state != TxnState.Trying && t.state != TxnState.Proceeding) { lastErr = TxnErr.BadState; return lastErr; }
    if (status < 200) {
      t.lastStatus = status;
      t.state = TxnState.Proceeding;
      push(TxnAct.Send, h, t.peer, keep(i, msgPtr, msgLen), msgLen, status);
    } else {
      // §17.2.2: final -> Completed, Timer J (64*T1 unreliable, 0 reliable); the response is kept
      // to answer request retransmissions.
      if (!rel && msgLen > TXN_MSG_CAP) { lastErr = TxnErr.MsgTooLong; return lastErr; }
      t.lastStatus = status;
      t.state = TxnState.Completed;
      push(TxnAct.Send, h, t.peer, keep(i, msgPtr, msgLen), msgLen, status);
      t.tEnd = now + (rel ? 0 : TIMER_J_MS);
    }
    return lastErr;
  }
  lastErr = TxnErr.BadState;
  return lastErr;
}

/**
 * A retransmission of the request that created a server transaction (not an ACK):
 * §17.2.1 Proceeding -> resend the latest provisional, Completed -> resend the final,
 * Confirmed -> absorb; §17.2.2 Trying -> discard, Proceeding/Completed -> resend the latest.
 */
export function txnServerOnRetransmit(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  const t = slotAt(i);
  if (t.kind == TxnKind.ServerInvite) {
    if (t.state == TxnState.Proceeding || t.state == TxnState.Completed) sendKept(i);
    return lastErr;
  }
  if (t.kind == TxnKind.ServerNonInvite) {
    if (t.state == TxnState.Proceeding || t.state == TxnState.Completed) sendKept(i);
    return lastErr;
  }
  lastErr = TxnErr.BadState;
  return lastErr;
}

/**
 * An ACK matched to an INVITE server transaction (§17.2.1): Completed -> Confirmed, Timer G
 * stops, Timer H stops, Timer I (T4 unreliable, 0 reliable) starts. ACKs in Confirmed are absorbed.
 */
export function txnServerOnAck(h: i32, now: f64): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  const t = slotAt(i);
  if (t.kind != TxnKind.ServerInvite) { lastErr = TxnErr.BadState; return lastErr; }
  if (t.state == TxnState.Completed) {
    // Confirmed only absorbs ACK and INVITE retransmissions: the final's copy goes back to the arena.
    t.state = TxnState.Confirmed;
    t.tRetx = TIMER_OFF; t.tTimeout = TIMER_OFF;
    drop(i);
    t.tEnd = now + (t.reliable != 0 ? 0 : TIMER_I_MS);
  }
  return lastErr;
}

// ---- both sides ------------------------------------------------------------------------------

/**
 * The transport failed for this transaction (§17.1.4, §17.2.4): the TU is told (and treats it
 * as a 503, §8.1.3.1) and the transaction is Terminated.
 */
export function txnOnTransportError(h: i32): i32 {
  const i = slotOf(h);
  if (i < 0) return lastErr;
  lastErr = TxnErr.Ok;
  push(TxnAct.TuTransportError, h, slotAt(i).peer, 0, 0, 503);
  terminate(i);
  return lastErr;
}

/** Fires one due timer of slot i (the earliest); returns false when none was due or the slot ended. */
function fireOne(i: i32, now: f64): bool {
  const t = slotAt(i);
  // Pick the earliest due timer so that a late call still runs them in RFC order.
  let which = 0; let best = now;
  if (t.tRetx >= 0 && t.tRetx <= best) { which = 1; best = t.tRetx; }
  if (t.tTimeout >= 0 && t.tTimeout <= best && (which == 0 || t.tTimeout < best)) { which = 2; best = t.tTimeout; }
  if (t.tEnd >= 0 && t.tEnd <= best && (which == 0 || t.tEnd < best)) { which = 3; best = t.tEnd; }
  if (t.tTrying >= 0 && t.tTrying <= best && (which == 0 || t.tTrying < best)) { which = 4; best = t.tTrying; }
  if (which == 0) return false;
  const h = handleOf(i);
  if (which == 1) {
    // Timer A (§17.1.1.2): Calling only, interval doubles without cap.
    // Timer E (§17.1.2.2): Trying doubles up to T2; Proceeding re-arms with T2.
    // Timer G (§17.2.1): Completed only, doubles up to T2.
    t.tRetx = TIMER_OFF;
    if (t.kind == TxnKind.ClientInvite && t.state == TxnState.Calling) {
      sendKept(i);
      t.retxIntervalMs *= 2;
      t.tRetx = now + t.retxIntervalMs;
    } else if (t.kind == TxnKind.ClientNonInvite && (t.state == TxnState.Trying || t.state == TxnState.Proceeding)) {
      sendKept(i);
      let next = t.retxIntervalMs * 2;
      if (t.state == TxnState.Proceeding || next > T2_MS) next = T2_MS;
      t.retxIntervalMs = next;
      t.tRetx = now + next;
    } else if (t.kind == TxnKind.ServerInvite && t.state == TxnState.Completed) {
      sendKept(i);
      let next = t.retxIntervalMs * 2;
      if (next > T2_MS) next = T2_MS;
      t.retxIntervalMs = next;
      t.tRetx = now + next;
    }
    return true;
  }
  if (which == 2) {
    // Timer B (Calling), F (Trying/Proceeding), H (Completed): timeout to the TU, Terminated.
    t.tTimeout = TIMER_OFF;
    const live = (t.kind == TxnKind.ClientInvite && t.state == TxnState.Calling) ||
      (t.kind == TxnKind.ClientNonInvite && (t.state == TxnState.Trying || t.state == TxnState.Proceeding)) ||
      (t.kind == TxnKind.ServerInvite && t.state == TxnState.Completed);
    if (!live) return true;
    push(TxnAct.TuTimeout, h, t.peer, 0, 0, 408);
    terminate(i);
    return false;
  }
  if (which == 3) {
    // Timer D / I / J / K: the linger is over.
    terminate(i);
    return false;
  }
  // 100 Trying timer (§17.2.1), only while no response has been sent.
  t.tTrying = TIMER_OFF;
  if (t.kind == TxnKind.ServerInvite && t.state == TxnState.Proceeding && t.lastStatus == 0) {
    push(TxnAct.SendTrying, h, t.peer, 0, 0, 100);
  }
  return true;
}

/**
 * Fires every timer due at `now` (ms, the caller's clock). A retransmission timer is re-armed
 * relative to `now`, so each timer fires at most once per call. Returns how many fired.
 */
export function txnOnTimer(now: f64): i32 {
  initOnce();
  let fired = 0;
  for (let i = 0; i < TXN_MAX; i++) {
    if (slotAt(i).state == TxnState.Free) continue;
    // At most the four timers of a slot, each once.
    for (let k = 0; k < 4; k++) {
      const live = slotAt(i).state != TxnState.Free;
      if (!live) break;
      const before = slotAt(i).gen;
      const more = fireOne(i, now);
      if (more || slotAt(i).gen != before) fired++;
      if (!more) break;
    }
  }
  return fired;
}

/** The earliest armed deadline of all transactions (ms), or -1 when nothing is armed. */
export function txnNextDeadline(): f64 {
  initOnce();
  let best: f64 = -1;
  for (let i = 0; i < TXN_MAX; i++) {
    const t = slotAt(i);
    if (t.state == TxnState.Free) continue;
    if (t.tRetx >= 0 && (best < 0 || t.tRetx < best)) best = t.tRetx;
    if (t.tTimeout >= 0 && (best < 0 || t.tTimeout < best)) best = t.tTimeout;
    if (t.tEnd >= 0 && (best < 0 || t.tEnd < best)) best = t.tEnd;
    if (t.tTrying >= 0 && (best < 0 || t.tTrying < best)) best = t.tTrying;
  }
  return best;
}

// ---- introspection -------------------------------------------------------------------------

/** TxnErr of the last call that failed or succeeded (reset to Ok by each mutating call). */
export function txnLastError(): i32 { return lastErr; }
/** State of a live handle, or -1. */
export function txnState(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).state; }
/** Kind of a live handle, or -1. */
export function txnKind(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).kind; }
/** Peer id of a live handle (0 when stale). */
export function txnPeer(h: i32): u32 { const i = slotOf(h); return i < 0 ? 0 : slotAt(i).peer; }
/** Bytes of the message a live transaction keeps for retransmission (0 = none), or -1 when stale. */
export function txnKeptLen(h: i32): i32 { const i = slotOf(h); return i < 0 ? -1 : slotAt(i).msgLen; }
/**
 * Arena bytes free for new message copies (TXN_ARENA_BYTES when nothing is kept). Runs given up
 * while actions were queued count once the queue has been drained.
 */
export function txnArenaFreeBytes(): i32 {
  initOnce();
  if (actCount == 0 && pendCount > 0) pendFlush();
  return unitsFree * UNIT;
}
/**
 * Arena bookkeeping check (tests): every kept message's run is marked taken, and the taken
 * units are exactly those of the live records plus the pending runs, and the free count agrees.
 */
export function txnArenaConsistent(): bool {
  initOnce();
  let want = 0;
  for (let i = 0; i < TXN_MAX; i++) {
    const t = slotAt(i);
    if (t.state == TxnState.Free) { if (t.msgAt >= 0 || t.msgLen != 0) return false; continue; }
    if (t.msgLen == 0) { if (t.msgAt >= 0) return false; continue; }
    if (t.msgAt < 0 || t.msgLen > TXN_MSG_CAP) return false;
    const n = unitsFor(t.msgLen);
    if (t.msgAt + n > UNITS) return false;
    for (let k = 0; k < n; k++) if (!unitTaken(t.msgAt + k)) return false;
    want += n;
  }
  for (let k = 0; k < pendCount; k++) {
    let at = pendHead + k;
    if (at >= TXN_ACT_MAX) at -= TXN_ACT_MAX;
    want += load<i32>(PEND + <usize>(at * 8), 4);
  }
  let taken = 0;
  for (let u = 0; u < UNITS; u++) if (unitTaken(u)) taken++;
  return taken == want && unitsFree == UNITS - taken;
}
/** Messages sent without a kept copy because the arena was full (their retransmissions go unanswered). */
export function txnKeepFailures(): i32 { return keepFailed; }
/** Live transactions. */
export function txnActive(): i32 {
  initOnce();
  let n = 0;
  for (let i = 0; i < TXN_MAX; i++) if (slotAt(i).state != TxnState.Free) n++;
  return n;
}

/**
 * Drops every transaction and queued action (tests, and a host restart). Generations move on,
 * so handles from before the reset are stale.
 */
export function txnReset(): void {
  initOnce();
  for (let i = 0; i < TXN_MAX; i++) if (slotAt(i).state != TxnState.Free) freeSlot(i);
  arenaClear(); keepFailed = 0;
  actHead = 0; actCount = 0; actDropped = 0;
  curOp = TxnAct.None; curHandle = -1; curPeer = 0; curPtr = 0; curLen = 0; curStatus = 0;
  lastErr = TxnErr.Ok;
}
