// The Wasm ABI: exports only (STYLE "Layout"). The host copies bytes into the inbox
// and calls one of these; results are read from fixed regions.

import { INBOX, OUTBOX } from "./mem/regions";
import { INBOX_CAP, OUTBOX_CAP, MEMORY_PAGES } from "./mem/limits";
import { resultReset, resultVerdict, resultCode, resultReasonPtr, resultReasonLen, resultDigest } from "./check/result";
import { sipCheckOpen, sipCheckFeed, sipCheckClose } from "./check/sip";
import { msrpCheckOpen, msrpCheckFeed, msrpCheckClose } from "./check/msrp";
import { sdpCheckOpen, sdpCheckFeed, sdpCheckClose } from "./check/sdp";
import { cpimCheckOpen, cpimCheckFeed, cpimCheckClose } from "./check/cpim";

export function inboxPtr(): usize { return INBOX; }
export function inboxCap(): i32 { return INBOX_CAP; }
export function outboxPtr(): usize { return OUTBOX; }
export function outboxCap(): i32 { return OUTBOX_CAP; }
export function memoryPages(): i32 { return MEMORY_PAGES; }

// ---- check: run bytes through one parser and report the verdict ----------------

export const PROTO_SIP: i32 = 1;
export const PROTO_MSRP: i32 = 2;
export const PROTO_SDP: i32 = 3;
export const PROTO_CPIM: i32 = 4;
/** flags bit 0: SIP over a stream (TCP framing by Content-Length) instead of one datagram. */
export const CHECK_STREAM: i32 = 1;

let checkProto: i32 = 0;

/**
 * Starts a check. optLen bytes of options are in the inbox (MSRP: comma-separated
 * session ids the receiver knows; empty = do not check sessions). maxSize is the
 * receiver's a=max-size for MSRP (0 = default).
 */
export function checkOpen(proto: i32, flags: i32, maxSize: f64, optLen: i32): i32 {
  resultReset();
  checkProto = proto;
  const ms = <u64>maxSize;
  if (proto == PROTO_SIP) sipCheckOpen(flags, ms, INBOX, optLen);
  else if (proto == PROTO_MSRP) msrpCheckOpen(flags, ms, INBOX, optLen);
  else if (proto == PROTO_SDP) sdpCheckOpen(flags, ms, INBOX, optLen);
  else if (proto == PROTO_CPIM) cpimCheckOpen(flags, ms, INBOX, optLen);
  else { checkProto = 0; return -1; }
  return 0;
}

/** Feeds n bytes (n <= inboxCap) that the host wrote at the inbox. */
export function checkFeed(n: i32): i32 {
  if (n < 0 || n > INBOX_CAP) return -1;
  if (checkProto == PROTO_SIP) sipCheckFeed(INBOX, n);
  else if (checkProto == PROTO_MSRP) msrpCheckFeed(INBOX, n);
  else if (checkProto == PROTO_SDP) sdpCheckFeed(INBOX, n);
  else if (checkProto == PROTO_CPIM) cpimCheckFeed(INBOX, n);
  else return -1;
  return 0;
}

/** Ends the input; returns the verdict (0 valid, 1 invalid). */
export function checkClose(): i32 {
  if (checkProto == PROTO_SIP) sipCheckClose();
  else if (checkProto == PROTO_MSRP) msrpCheckClose();
  else if (checkProto == PROTO_SDP) sdpCheckClose();
  else if (checkProto == PROTO_CPIM) cpimCheckClose();
  else return -1;
  checkProto = 0;
  return resultVerdict();
}

export function checkCode(): i32 { return resultCode(); }
export function checkReasonPtr(): usize { return resultReasonPtr(); }
export function checkReasonLen(): i32 { return resultReasonLen(); }
export function checkDigest(): u32 { return resultDigest(); }
export * from "./agent";
export * from "./ua_agent";
export * from "./chat_agent";
