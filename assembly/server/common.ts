// Shared state of the embedded IM server: the parsed view of the message being handled, the
// build buffers, the randomness the host seeded (the core reads no entropy source), and
// stateless replies (RFC 3261 §8.2.6, §16.7-style error answers before a transaction exists).

import { SIP_HDR_MAX, SRV_BUILD_CAP, SRV_PAIR_MSG_CAP, SRV_RETRY_AFTER_S } from "../mem/limits";
import { SipMsg, HDR_STRIDE, sipMsgAt } from "../wire/sip_msg";
import {
  SipWriter, sipWriterAt, wStart, wResponseHeadersFrom, wHeaderU64, wEnd, BRANCH_LEN, putBranch,
} from "../wire/sip_build";
import { peerSend } from "./net";

/** The message being handled (a datagram in the inbox, or a frame in a connection buffer). */
export const MSG: SipMsg = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
/** The stored original request of a pair, re-parsed when the proxy answers or CANCELs for it. */
export const OMSG: SipMsg = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));

/** Forwarded requests and responses are built here. */
export const BUILD: usize = memory.data(SRV_BUILD_CAP, 16);
export const W: SipWriter = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
/** Locally generated messages (answers from a stored request, CANCEL, ACK) go here, so a SEND
 *  still pointing into BUILD is never overwritten within one call. */
export const BUILD2_CAP: i32 = SRV_PAIR_MSG_CAP + 1024;
export const BUILD2: usize = memory.data(SRV_PAIR_MSG_CAP + 1024, 16);
export const W2: SipWriter = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));

// ---- randomness: xorshift64* seeded by the host (crypto.getRandomValues) ------------------------

let rngState: u64 = 0x9e3779b97f4a7c15;
export function rngSeed(lo: u32, hi: u32): void {
  rngState = (<u64>hi << 32) | <u64>lo;
  if (rngState == 0) rngState = 0x9e3779b97f4a7c15;
}
export function rnd64(): u64 {
  let x = rngState;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  rngState = x;
  return x * 0x2545f4914f6cdd1d;
}

/** A fresh To tag (16 hex digits, RFC 3261 §19.3: at least 32 bits of randomness). */
export const TAG: usize = memory.data(32, 8);
export const TAG_LEN: i32 = 16;
export function newTag(): void {
  putBranch(TAG, rnd64());                 // "z9hG4bK" + 16 hex
  memory.copy(TAG, TAG + 7, <usize>TAG_LEN);
}

/** Scratch branch (BRANCH_LEN bytes). */
export const BRANCH: usize = memory.data(32, 8);
export function newBranch(hi32: u32): void {
  putBranch(BRANCH, (<u64>hi32 << 32) | (rnd64() & 0xffffffff));
}
export const BRANCH_BYTES: i32 = BRANCH_LEN;

/**
 * A body-less response to m sent straight to peer, no transaction (validation failures, 503
 * when the pool is full). §18.2.2 / RFC 3581: the peer is the source the request came from.
 */
export function replyStateless(m: SipMsg, peer: u32, code: i32, reason: string, retryAfter: bool): void {
  newTag();
  wStart(W2, BUILD2, BUILD2_CAP);
  wResponseHeadersFrom(W2, m, code, reason, TAG, TAG_LEN);
  if (retryAfter) wHeaderU64(W2, "Retry-After", <u64>SRV_RETRY_AFTER_S);
  const n = wEnd(W2, 0, 0);
  if (n > 0) peerSend(peer, BUILD2, n);
}
