// Per-recipient send queues (assembly/msrp/sendq.ts) on a virtual clock, no sockets: a passive
// session bound by a hand-written bind SEND on conn 9, frames read back from the OUTBOX records,
// responses fed with the frames' own transaction ids. Covers: pipelining up to the window
// (RFC 4975 §7.1.1), chunks of MSRP_CHUNK_SIZE, '$' on the last chunk, an empty '$' when the end
// comes after the bytes (§5.1), interleaving of two messages (§5.1), '#' for an aborted message,
// a refused chunk -> FAILED with its code and its origin (§7.1.2), the 30 s transaction timeout
// (408), the stall limit (STALLED once), sqClose reporting every message, and room accounting.
import {
  msrpSessionCreate, msrpSessionSetRemote, msrpOnConnOpen, msrpOnStream, msrpActPop, msrpSessReset, MsrpAct,
  msrpSessionState, MsrpSessState, msrpSessionLocalUriPtr, msrpSessionLocalUriLen,
} from "../../../assembly/msrp/session";
import {
  sqReset, sqOpen, sqClose, sqMsgStart, sqWrite, sqEnd, sqAbort, sqRoom, sqFlush, sqOnResponse, sqOnTimer,
  sqNextDeadline, sqResultPop, sqResQueue, sqResTag, sqResOrigin, sqResCode, sqResIdPtr, sqResIdLen, sqSetStallMs,
  sqMsgsActive, sqBusy, SqResult,
} from "../../../assembly/msrp/sendq";
import { OUTBOX } from "../../../assembly/mem/regions";
import { outboxUsed, outboxClear } from "../../../assembly/mem/outbox";
import { MSRP_Q_BYTES, MSRP_Q_WINDOW, MSRP_CHUNK_SIZE, MSRP_TXN_TIMEOUT_MS } from "../../../assembly/mem/limits";

const BUF = new ArrayBuffer(65536);
const B = changetype<usize>(BUF);
function put(p: usize, s: string): i32 { for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i)); return s.length; }
function str(p: usize, n: i32): string { let s = ""; for (let i = 0; i < n; i++) s += String.fromCharCode(load<u8>(p + <usize>i)); return s; }
const RAND = memory.data<u8>([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16]);
const PEER = "msrp://peer.example:9999/peersess01;tcp";
const CT = "message/cpim";

let h: i32 = -1;
let now: f64 = 1000;

/** A bound passive session (its peer bound conn 9 with an empty SEND) and an empty outbox. */
function bound(): void {
  msrpSessReset();
  sqReset();
  outboxClear();
  const hl = put(B + 60000, "host.example");
  h = msrpSessionCreate(RAND, 16, B + 60000, hl, 2855, false);
  const n = put(B, PEER);
  expect(msrpSessionSetRemote(h, B, n, now)).toBe(0);
  expect(msrpOnConnOpen(9, -1, now)).toBe(0);
  // the bind names our session by its URI (To-Path), from the peer's path (From-Path)
  const local = sessUri();
  const bind = "MSRP bind0001 SEND\r\nTo-Path: " + local + "\r\nFrom-Path: " + PEER + "\r\nMessage-ID: bind0001\r\nByte-Range: 1-0/0\r\n-------bind0001$\r\n";
  const m = put(B, bind);
  expect(msrpOnStream(9, B, m, now)).toBe(m);
  for (let g = 0; g < 16; g++) if (msrpActPop() == MsrpAct.None) break;
  expect(msrpSessionState(h)).toBe(MsrpSessState.Bound);
  outboxClear();
}
function sessUri(): string { return str(msrpSessionLocalUriPtr(h), msrpSessionLocalUriLen(h)); }

// ---- the frames in the outbox -------------------------------------------------------------------
let frames: string[] = [];
function take(): void {
  let off = 0;
  for (let g = 0; g < 100000 && off < outboxUsed(); g++) {
    const r = OUTBOX + <usize>off;
    const al = <i32>load<u32>(r, 8), dl = <i32>load<u32>(r, 12);
    expect(<i32>load<u32>(r)).toBe(2);          // SEND_STREAM
    expect(<i32>load<u32>(r, 4)).toBe(9);        // on the session's connection
    frames.push(str(r + 16 + <usize>al, dl));
    off += (16 + al + dl + 3) & ~3;
  }
  outboxClear();
}
function hdr(f: string, name: string): string {
  const k = f.indexOf("\r\n" + name + ": ");
  if (k < 0) return "";
  const v = k + 4 + name.length;
  return f.substring(v, f.indexOf("\r\n", v));
}
function tid(f: string): string { return f.substring(5, f.indexOf(" ", 5)); }
function flag(f: string): string { return f.substring(f.length - 3, f.length - 2); }
/** Answers frame f with status on conn 9. */
function answer(f: string, status: i32): bool {
  const t = tid(f);
  const n = put(B, t);
  return sqOnResponse(9, B, n, status, now);
}
function results(): string {
  let s = "";
  for (let g = 0; g < 1000; g++) {
    const r = sqResultPop();
    if (r == SqResult.None) break;
    s += (r == SqResult.Sent ? "SENT" : r == SqResult.Failed ? "FAILED" : "STALLED") + " q" + sqResQueue().toString()
      + " tag=" + sqResTag().toString() + " origin=" + sqResOrigin().toString() + " code=" + sqResCode().toString()
      + (sqResIdLen() > 0 ? " id=" + str(sqResIdPtr(), sqResIdLen()) : "") + "\n";
  }
  return s;
}
function ct(): usize { put(B + 50000, CT); return B + 50000; }
function data(n: i32, c: i32): usize { const p = B + 30000; memory.fill(p, <u8>c, <usize>n); return p; }

describe("msrp send queues", () => {
  test("one message in chunks: Byte-Range, '$' on the last, SENT after the last 200", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    expect(q).toBe(0);
    const m = sqMsgStart(q, ct(), CT.length, 5000, 7, -1, 0, 0);
    expect(m).toBeGreaterThanOrEqual(0);
    expect(sqWrite(q, m, data(5000, 65), 5000, now)).toBe(true);
    expect(sqRoom(q)).toBe(MSRP_Q_BYTES - 5000);
    sqEnd(q, m);
    sqFlush(now); take();
    expect(frames.length).toBe(3);
    expect(hdr(frames[0], "Byte-Range")).toBe("1-2048/5000");
    expect(hdr(frames[2], "Byte-Range")).toBe("4097-5000/5000");
    expect(flag(frames[0]) + flag(frames[1]) + flag(frames[2])).toBe("++$");
    expect(hdr(frames[0], "To-Path")).toBe(PEER);
    expect(hdr(frames[0], "Message-ID")).toBe(hdr(frames[2], "Message-ID"));
    expect(sqRoom(q)).toBe(MSRP_Q_BYTES);          // sent bytes leave the ring at once
    expect(answer(frames[0], 200)).toBe(true);
    expect(answer(frames[1], 200)).toBe(true);
    expect(results()).toBe("");
    expect(answer(frames[2], 200)).toBe(true);
    expect(results()).toBe("SENT q0 tag=7 origin=-1 code=200\n");
    expect(sqMsgsActive()).toBe(0);
    expect(answer(frames[2], 200)).toBe(false);    // a repeated response matches nothing
  });

  test("pipelining: at most the window in flight; each 200 lets one more out", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    for (let i = 0; i < MSRP_Q_WINDOW + 8; i++) {
      const m = sqMsgStart(q, ct(), CT.length, 100, i, -1, 0, 0);
      expect(m).toBeGreaterThanOrEqual(0);
      expect(sqWrite(q, m, data(100, 48 + (i % 10)), 100, now)).toBe(true);
      sqEnd(q, m);
    }
    sqFlush(now); take();
    expect(frames.length).toBe(MSRP_Q_WINDOW);
    for (let i = 0; i < 8; i++) { expect(answer(frames[i], 200)).toBe(true); }
    sqFlush(now); take();
    expect(frames.length).toBe(MSRP_Q_WINDOW + 8);
    // in order, each its own message, each whole
    for (let i = 0; i < frames.length; i++) expect(hdr(frames[i], "Byte-Range")).toBe("1-100/100");
    for (let i = 8; i < frames.length; i++) answer(frames[i], 200);
    const r = results();
    expect(r.split("SENT").length - 1).toBe(MSRP_Q_WINDOW + 8);
    expect(sqBusy(q)).toBe(0);
  });

  test("interleaving: an unfinished message never holds up the ones after it (§5.1)", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    const slow = sqMsgStart(q, ct(), CT.length, -1, 1, -1, 0, 0);
    sqWrite(q, slow, data(300, 83), 300, now);                 // its sender stalls here
    const fast = sqMsgStart(q, ct(), CT.length, 50, 2, -1, 0, 0);
    sqWrite(q, fast, data(50, 70), 50, now); sqEnd(q, fast);
    sqFlush(now); take();
    expect(frames.length).toBe(2);
    expect(hdr(frames[0], "Byte-Range")).toBe("1-300/*");
    expect(flag(frames[0])).toBe("+");
    expect(hdr(frames[1], "Byte-Range")).toBe("1-50/50");
    expect(flag(frames[1])).toBe("$");
    // the slow one ends later with an empty '$' chunk
    sqEnd(q, slow);
    sqFlush(now); take();
    expect(frames.length).toBe(3);
    expect(hdr(frames[2], "Byte-Range")).toBe("301-300/*");
    expect(flag(frames[2])).toBe("$");
  });

  test("abort: '#' when chunks went out, nothing when none did; no result for either", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    const a = sqMsgStart(q, ct(), CT.length, -1, 1, -1, 0, 0);
    sqWrite(q, a, data(100, 65), 100, now);
    sqFlush(now); take();
    expect(frames.length).toBe(1);
    const b = sqMsgStart(q, ct(), CT.length, -1, 2, -1, 0, 0);
    sqWrite(q, b, data(100, 66), 100, now);
    sqAbort(q, b);                                           // never went out: dropped silently
    sqAbort(q, a);
    sqFlush(now); take();
    expect(frames.length).toBe(2);
    expect(flag(frames[1])).toBe("#");
    expect(hdr(frames[1], "Byte-Range")).toBe("101-100/*");
    answer(frames[0], 200);
    expect(results()).toBe("");
    expect(sqMsgsActive()).toBe(0);
  });

  test("a refused chunk fails its message with the code and its origin (§7.1.2); the rest is not sent", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    const m = sqMsgStart(q, ct(), CT.length, 6000, 3, 77, B + 40000, put(B + 40000, "origmsg1"));
    sqWrite(q, m, data(6000, 65), 6000, now); sqEnd(q, m);
    sqFlush(now); take();
    expect(frames.length).toBe(3);
    answer(frames[0], 413);
    expect(results()).toBe("FAILED q0 tag=3 origin=77 code=413 id=origmsg1\n");
    answer(frames[1], 200); answer(frames[2], 200);
    expect(results()).toBe("");
    expect(sqMsgsActive()).toBe(0);
  });

  test("virtual clock: 30 s without a response -> FAILED 408; the stall limit -> STALLED once", () => {
    bound(); frames = [];
    sqSetStallMs(10000);
    const q = sqOpen(h, now);
    const m = sqMsgStart(q, ct(), CT.length, 10, 5, -1, 0, 0);
    sqWrite(q, m, data(10, 65), 10, now); sqEnd(q, m);
    sqFlush(now); take();
    expect(sqNextDeadline(now)).toBe(now + 10000);
    sqOnTimer(now + 9999);
    expect(results()).toBe("");
    sqOnTimer(now + 10000);
    expect(results()).toBe("STALLED q0 tag=-1 origin=-1 code=408\n");
    sqOnTimer(now + 20000);
    expect(results()).toBe("");                                // reported once
    expect(sqNextDeadline(now)).toBe(now + <f64>MSRP_TXN_TIMEOUT_MS);
    sqOnTimer(now + <f64>MSRP_TXN_TIMEOUT_MS);
    expect(results()).toBe("FAILED q0 tag=5 origin=-1 code=408\n");
    expect(sqNextDeadline(now)).toBe(-1);
  });

  test("a 200 is progress: a queue that keeps moving never stalls", () => {
    bound(); frames = [];
    sqSetStallMs(1000);
    const q = sqOpen(h, now);
    let t = now;
    for (let i = 0; i < 20; i++) {
      const m = sqMsgStart(q, ct(), CT.length, 10, i, -1, 0, 0);
      sqWrite(q, m, data(10, 65), 10, t); sqEnd(q, m);
      sqFlush(t); take();
      t += 900;
      sqOnTimer(t);
      answer(frames[frames.length - 1], 200);
    }
    expect(results().indexOf("STALLED")).toBe(-1);
  });

  test("close: every message still held is reported (origin kept), the queue is free again", () => {
    bound(); frames = [];
    const q = sqOpen(h, now);
    for (let i = 0; i < 3; i++) {
      const m = sqMsgStart(q, ct(), CT.length, -1, i, 40 + i, B + 40000, put(B + 40000, "orig" + i.toString()));
      sqWrite(q, m, data(10, 65), 10, now);
    }
    sqClose(q, 481);
    expect(results()).toBe("FAILED q0 tag=0 origin=40 code=481 id=orig0\nFAILED q0 tag=1 origin=41 code=481 id=orig1\nFAILED q0 tag=2 origin=42 code=481 id=orig2\n");
    expect(sqOpen(h, now)).toBe(0);
  });

  test("a full ring refuses the write whole (the caller holds its sender back)", () => {
    bound();
    const q = sqOpen(h, now);
    const m = sqMsgStart(q, ct(), CT.length, -1, 1, -1, 0, 0);
    let put_ = 0;
    for (let i = 0; i < 64; i++) { if (!sqWrite(q, m, data(1000, 65), 1000, now)) break; put_ += 1000; }
    expect(put_).toBe((MSRP_Q_BYTES / 1000) * 1000);
    expect(sqRoom(q)).toBe(MSRP_Q_BYTES - put_);
    expect(sqWrite(q, m, data(1000, 65), 1000, now)).toBe(false);
    expect(sqRoom(q)).toBe(MSRP_Q_BYTES - put_);
    expect(MSRP_CHUNK_SIZE).toBe(2048);
  });
});
