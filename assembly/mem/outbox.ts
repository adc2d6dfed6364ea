// The outbox ABI: action records the core queues for the host (STYLE "Thin host", h11 /
// quinn-proto poll_transmit). The core never does I/O; after every exported call the host
// reads outboxLen() bytes at outboxPtr(), performs each record in order, then outboxReset().
//
// Record layout (little-endian, every record starts 4-byte aligned inside the OUTBOX region):
//   u32 op        OUT_SEND_DGRAM | OUT_SEND_STREAM | OUT_CONNECT | OUT_CLOSE | OUT_EVENT
//   u32 id        SEND_DGRAM: local UDP socket id (the `sock` the host passed to onDatagram);
//                 SEND_STREAM / CONNECT / CLOSE: connection id (core-assigned, 0..CONN_MAX-1);
//                 EVENT: 0
//   u32 addrLen   bytes of peer address text that follow the header ("ip:port", IPv6 as
//                 "[v6]:port"); SEND_DGRAM and CONNECT only, else 0
//   u32 dataLen   bytes of payload after the address: SIP bytes (SEND_*), JSON text (EVENT)
//   addr bytes, data bytes, then padding (unspecified bytes) to the next multiple of 4
// Ops:
//   SEND_DGRAM  send data as one datagram from socket `id` to addr
//   SEND_STREAM write data on connection `id` (the host buffers while a CONNECT is pending)
//   CONNECT     open a stream (TCP) connection to addr and call it `id`; on failure or when it
//               later closes the host calls onStreamClosed(id)
//   CLOSE       close connection `id`; the id is free in the core at once, so the host must
//               forget the socket (and not report its close event under that id again)
//   EVENT       one JSON object (an app event, e.g. {"event":"registered",...}) for the app
//   DATA        (6) content bytes of chat message `id` for the app, in order; the EVENT
//               {"event":"message","id":id,...} that follows the last piece completes it
//   RESUME      (7) connection `id` may be read again: the core took fewer bytes than offered
//               from it earlier (its relay queues were full); offer the rest now. Until then
//               the host holds the rest and reads no more from that socket (TCP flow control)
//   SEND_READY  (8) the app's message may go on: a chatSendMore took fewer bytes than offered
//               earlier; call it again with the rest (nothing to poll)
//   WAKE        (9) call onTimer(now) as soon as the outbox is drained: the core has frames
//               ready that did not fit this outbox (never a delay, never repeated by itself)
// When a record does not fit, it is dropped whole and counted (outboxDropped): a full outbox
// loses datagrams the way a full socket buffer does; SIP retransmission repairs it over UDP.

import { OUTBOX } from "./regions";
import { OUTBOX_CAP } from "./limits";

export const OUT_SEND_DGRAM: i32 = 1;
export const OUT_SEND_STREAM: i32 = 2;
export const OUT_CONNECT: i32 = 3;
export const OUT_CLOSE: i32 = 4;
export const OUT_EVENT: i32 = 5;
/** Chat content for the app: id = message number; the bytes follow in order, then the
 *  {"event":"message","id":N,...} EVENT that completes it (assembly/chat/agent_chat.ts). */
export const OUT_DATA: i32 = 6;
export const OUT_RESUME: i32 = 7;
export const OUT_SEND_READY: i32 = 8;
export const OUT_WAKE: i32 = 9;

/** Bytes of the record header (op, id, addrLen, dataLen). */
export const OUT_REC_HDR: i32 = 16;

let outLen: i32 = 0;
let outDropped: u32 = 0;
/** Open record being written piecewise by outOpen/outPut*.. (-1: none). */
let openAt: i32 = -1;

export function outboxUsed(): i32 { return outLen; }
export function outboxClear(): void { outLen = 0; openAt = -1; }
export function outboxDroppedCount(): u32 { return outDropped; }

/** Appends a whole record; false (and counted) when it does not fit. */
export function outPush(op: i32, id: i32, addrPtr: usize, addrLen: i32, dataPtr: usize, dataLen: i32): bool {
  if (addrLen < 0 || dataLen < 0) return false;
  const total = (OUT_REC_HDR + addrLen + dataLen + 3) & ~3;
  if (openAt >= 0 || total > OUTBOX_CAP - outLen) { outDropped++; return false; }
  const r = OUTBOX + <usize>outLen;
  store<u32>(r, <u32>op); store<u32>(r, <u32>id, 4);
  store<u32>(r, <u32>addrLen, 8); store<u32>(r, <u32>dataLen, 12);
  if (addrLen > 0) memory.copy(r + <usize>OUT_REC_HDR, addrPtr, <usize>addrLen);
  if (dataLen > 0) memory.copy(r + <usize>(OUT_REC_HDR + addrLen), dataPtr, <usize>dataLen);
  outLen += total;
  return true;
}

// ---- records written in place (frames built straight into the outbox: no staging copy) ---

/** Where a record's data of up to maxData bytes would go, or 0 when it does not fit now (the
 *  caller keeps its bytes and tries on a later call; nothing is counted as dropped). Finish it
 *  with outCommit before any other outbox call. */
export function outReserve(maxData: i32): usize {
  if (openAt >= 0 || maxData < 0 || OUT_REC_HDR + maxData + 3 > OUTBOX_CAP - outLen) return 0;
  return OUTBOX + <usize>(outLen + OUT_REC_HDR);
}
/** Commits the record whose dataLen bytes were written at outReserve's pointer. */
export function outCommit(op: i32, id: i32, dataLen: i32): void {
  const r = OUTBOX + <usize>outLen;
  const total = (OUT_REC_HDR + dataLen + 3) & ~3;
  assert(openAt < 0 && dataLen >= 0 && total <= OUTBOX_CAP - outLen, "outCommit past outReserve");
  store<u32>(r, <u32>op); store<u32>(r, <u32>id, 4);
  store<u32>(r, 0, 8); store<u32>(r, <u32>dataLen, 12);
  outLen += total;
}
export function outboxFree(): i32 { return OUTBOX_CAP - outLen; }

// ---- piecewise EVENT records (JSON text built in place) ------------------------------------

/** Starts an EVENT record; returns false when not even the header fits. */
export function outEventOpen(): bool {
  if (openAt >= 0 || OUT_REC_HDR > OUTBOX_CAP - outLen) { outDropped++; return false; }
  openAt = outLen;
  const r = OUTBOX + <usize>outLen;
  store<u32>(r, <u32>OUT_EVENT); store<u32>(r, 0, 4); store<u32>(r, 0, 8); store<u32>(r, 0, 12);
  return true;
}

function openRoom(n: i32): usize {
  if (openAt < 0) return 0;
  const r = OUTBOX + <usize>openAt;
  const used = OUT_REC_HDR + <i32>load<u32>(r, 12);
  if (n > OUTBOX_CAP - openAt - used) { openAt = -2; return 0; }   // -2: overflowed, dropped at close
  return r + <usize>used;
}

function openGrow(n: i32): void { const r = OUTBOX + <usize>openAt; store<u32>(r, load<u32>(r, 12) + <u32>n, 12); }

/** ASCII literal into the open EVENT. */
export function outStr(s: string): void {
  const d = openRoom(s.length);
  if (d == 0) return;
  for (let i = 0; i < s.length; i++) store<u8>(d + <usize>i, <u8>s.charCodeAt(i));
  openGrow(s.length);
}

/** Bytes as the inside of a JSON string: '"' '\\' and control/non-ASCII bytes as \u00XX. */
export function outJsonBytes(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c >= 32 && c < 127 && c != 34 && c != 92) {
      const d = openRoom(1); if (d == 0) return;
      store<u8>(d, <u8>c); openGrow(1);
    } else {
      const d = openRoom(6); if (d == 0) return;
      store<u8>(d, 92); store<u8>(d, 117, 1); store<u8>(d, 48, 2); store<u8>(d, 48, 3);
      const hi = c >> 4, lo = c & 15;
      store<u8>(d, <u8>(hi < 10 ? 48 + hi : 87 + hi), 4);
      store<u8>(d, <u8>(lo < 10 ? 48 + lo : 87 + lo), 5);
      openGrow(6);
    }
  }
}

/** Decimal into the open EVENT. */
export function outDec(v: u32): void {
  let k = 1; let t = v;
  while (t >= 10) { t /= 10; k++; }
  const d = openRoom(k);
  if (d == 0) return;
  let x = v;
  for (let i = k - 1; i >= 0; i--) { store<u8>(d + <usize>i, <u8>(48 + x % 10)); x /= 10; }
  openGrow(k);
}

/** Ends the open EVENT (padding to 4); an overflowed one is dropped and counted. */
export function outEventClose(): void {
  if (openAt == -2) { openAt = -1; outDropped++; return; }
  if (openAt < 0) return;
  const r = OUTBOX + <usize>openAt;
  const total = (OUT_REC_HDR + <i32>load<u32>(r, 12) + 3) & ~3;
  if (total > OUTBOX_CAP - openAt) { openAt = -1; outDropped++; return; }
  outLen = openAt + total;
  openAt = -1;
}
