// MSRP sessions (RFC 4975) on a fake clock: two endpoints in one module wired together through
// the action queue (conn 1 = A's side, conn 2 = B's side; SEND_BYTES on one is fed to the
// other in reads of a chosen size). A is active (connects, binds), B passive.
// Covers: bind by empty SEND + 200 (§5.4), 481 (§7.3), 403 From-Path, 1 MiB chunked through
// 8 KiB and 1 KiB reads (§5.1, §7.1.1), Failure-Report: no (§7.3.1), Success-Report -> REPORT
// (§7.1.3), max-size -> 413 (§8, §10), '#' abort, 30 s timeout, full pools, close (§5.4),
// back-pressure, and corpus frames fed whole, byte by byte and at every split.
import {
  msrpSessionCreate, msrpSessionLocalUriPtr, msrpSessionLocalUriLen, msrpSessionIdLen, msrpSessionState,
  msrpSessionSetRemote, msrpSessionSetMaxSize, msrpSessionSetRemoteMaxSize, msrpSessionConn, msrpSessionRemoteLen,
  msrpOnConnOpen, msrpOnConnClosed, msrpOnStream, msrpSessionClose, msrpSendMessage, msrpPoll, msrpPendingOut,
  msrpOnTimer, msrpNextDeadline, msrpActCount, msrpActPop, msrpActSession, msrpActConn, msrpActPtr, msrpActLen,
  msrpActIdPtr, msrpActIdLen, msrpActCode, msrpActOffset, msrpActDropped, msrpLastError, msrpSessErrCode,
  msrpSessReset, msrpSessionsActive, msrpConnsActive,
  msrpStreamStart, msrpStreamWrite, msrpStreamRoom, msrpStreamAbort, msrpSessionRoom, msrpTxnFree,
  MsrpAct, MsrpSessState, MsrpSessErr,
} from "../../../assembly/msrp/session";
import { REPORT_YES, REPORT_NO } from "../../../assembly/wire/msrp";
import { MSRP_SESS_MAX, MSRP_CONN_MAX, MSRP_OUT_MAX, MSRP_CHUNK_SIZE, MSRP_TXN_MAX } from "../../../assembly/mem/limits";

// ---- test-side byte arena -------------------------------------------------------------------
// big buffers live on the test heap (as-pect grows memory; static data must stay within 24 pages)
const ARENA_BUF = new ArrayBuffer(262144);
const ARENA = changetype<usize>(ARENA_BUF);
let cur: i32 = 0;
function bytes(s: string): usize {
  if (cur + s.length > 262144) cur = 0;
  const p = ARENA + <usize>cur;
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  cur += s.length;
  return p;
}
function str(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(load<u8>(p + <usize>i));
  return s;
}
const RAND_A = memory.data<u8>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
const RAND_B = memory.data<u8>([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x55, 0xaa, 0x11, 0x22]);

// ---- pipes: bytes in flight towards conn 1 (A) and conn 2 (B) ---------------------------------
const PIPE_CAP: i32 = 1 << 19;
const PIPE1_BUF = new ArrayBuffer(1 << 19);
const PIPE2_BUF = new ArrayBuffer(1 << 19);
const PIPE1 = changetype<usize>(PIPE1_BUF);
const PIPE2 = changetype<usize>(PIPE2_BUF);
let h1: i32 = 0, t1: i32 = 0, h2: i32 = 0, t2: i32 = 0;
let pipeOverflow: i32 = 0;
function pipeAppend(to: i32, p: usize, n: i32): void {
  const base = to == 1 ? PIPE1 : PIPE2;
  let h = to == 1 ? h1 : h2, t = to == 1 ? t1 : t2;
  if (t + n > PIPE_CAP && h > 0) { memory.copy(base, base + <usize>h, <usize>(t - h)); t -= h; h = 0; }
  if (t + n > PIPE_CAP) { pipeOverflow++; return; }
  memory.copy(base + <usize>t, p, <usize>n);
  t += n;
  if (to == 1) { h1 = h; t1 = t; } else { h2 = h; t2 = t; }
}

// ---- event log ----------------------------------------------------------------------------------
let hA: i32 = -1, hB: i32 = -1, hA2: i32 = -1, hB2: i32 = -1;
let log: string[] = [];
let verbose = true;
let closed: i32[] = [];
let connectFor: i32[] = [];
let connectAddr: string[] = [];
let wire = true;        // SEND_BYTES on conn 1/2 go to the other side's pipe
let sendFrames: string[] = [];   // Byte-Range + flag of every SEND A put on conn 1
// receiver bookkeeping (per receiving session: A or B)
let recvNextA: f64 = 0, recvNextB: f64 = 0, recvNextB2: f64 = 0;
let hashA: u32 = 0x811c9dc5, hashB: u32 = 0x811c9dc5, hashB2: u32 = 0x811c9dc5;
let orderErr: i32 = 0;
let pieces: i32 = 0;

function name(h: i32): string {
  if (h == hA) return "A";
  if (h == hB) return "B";
  if (h == hA2) return "A2";
  if (h == hB2) return "B2";
  return h < 0 ? "-" : "?";
}
function hdrVal(p: usize, n: i32, hname: string): string {
  const s = str(p, n);
  const k = s.indexOf("\r\n" + hname + ": ");
  if (k < 0) return "";
  const v0 = k + 4 + hname.length;
  const e = s.indexOf("\r\n", v0);
  return s.substring(v0, e);
}
/** "c<conn> <start line without tid>[ BR=..][ St=..] <flag>" */
function frameSummary(conn: i32, p: usize, n: i32): string {
  const s = str(p, min(n, 200));
  const e = s.indexOf("\r\n");
  const line = s.substring(0, e);
  const sp1 = line.indexOf(" ");
  const sp2 = line.indexOf(" ", sp1 + 1);
  let out = "c" + conn.toString() + " " + line.substring(sp2 + 1);
  const br = hdrVal(p, n, "Byte-Range");
  if (br.length > 0) out += " BR=" + br;
  const st = hdrVal(p, n, "Status");
  if (st.length > 0) out += " St=" + st;
  out += " " + String.fromCharCode(load<u8>(p + <usize>(n - 3)));
  return out;
}
function fnv(h: u32, p: usize, n: i32): u32 {
  for (let i = 0; i < n; i++) { h ^= load<u8>(p + <usize>i); h *= 16777619; }
  return h;
}

function drain(): void {
  for (let k = 0; k < 100000 && msrpActCount() > 0; k++) {
    const op = msrpActPop();
    const h = msrpActSession();
    const id = str(msrpActIdPtr(), msrpActIdLen());
    if (op == MsrpAct.SendBytes) {
      const c = msrpActConn();
      const sum = frameSummary(c, msrpActPtr(), msrpActLen());
      if (c == 1 && sum.startsWith("c1 SEND")) sendFrames.push(hdrVal(msrpActPtr(), msrpActLen(), "Byte-Range") + sum.substring(sum.length - 1));
      if (verbose) log.push(sum);
      if (wire && c == 1) pipeAppend(2, msrpActPtr(), msrpActLen());
      else if (wire && c == 2) pipeAppend(1, msrpActPtr(), msrpActLen());
    } else if (op == MsrpAct.Connect) {
      const a = str(msrpActPtr(), msrpActLen());
      log.push("CONNECT " + name(h) + " " + a);
      connectFor.push(h); connectAddr.push(a);
    } else if (op == MsrpAct.Close) {
      log.push("CLOSE c" + msrpActConn().toString());
      closed.push(msrpActConn());   // the host forgets the id: no more bytes from it
    } else if (op == MsrpAct.DeliverPiece) {
      pieces++;
      const off = msrpActOffset();
      if (h == hA || h == hA2) {
        if (off != recvNextA) orderErr++;
        recvNextA = off + <f64>msrpActLen();
        hashA = fnv(hashA, msrpActPtr(), msrpActLen());
      } else if (h == hB2) {
        if (off != recvNextB2) orderErr++;
        recvNextB2 = off + <f64>msrpActLen();
        hashB2 = fnv(hashB2, msrpActPtr(), msrpActLen());
      } else {
        if (off != recvNextB) orderErr++;
        recvNextB = off + <f64>msrpActLen();
        hashB = fnv(hashB, msrpActPtr(), msrpActLen());
      }
    } else if (op == MsrpAct.MessageDone || op == MsrpAct.MessageAborted) {
      const isA = h == hA || h == hA2;
      const hh = isA ? hashA : (h == hB2 ? hashB2 : hashB);
      log.push((op == MsrpAct.MessageDone ? "DONE " : "ABORT ") + name(h) + " " + id + " n=" + (<i64>msrpActOffset()).toString()
        + " h=" + hh.toString(16) + (msrpActCode() != 0 ? " code=" + msrpActCode().toString() : ""));
      if (isA) { hashA = 0x811c9dc5; recvNextA = 0; }
      else if (h == hB2) { hashB2 = 0x811c9dc5; recvNextB2 = 0; }
      else { hashB = 0x811c9dc5; recvNextB = 0; }
    } else if (op == MsrpAct.ReportResult) {
      log.push("REPORT " + name(h) + " " + id + " " + msrpActCode().toString());
    } else if (op == MsrpAct.SendFailed) {
      log.push("FAILED " + name(h) + " " + id + " " + msrpActCode().toString());
    } else if (op == MsrpAct.SessionBound) {
      log.push("BOUND " + name(h));
    } else if (op == MsrpAct.MessageSent) {
      log.push("SENT " + name(h) + " " + id);
    } else if (op == MsrpAct.SessionLost) {
      log.push("LOST " + name(h));
    } else if (op == MsrpAct.Response) {
      // a response to a frame this test wrote by hand (the send queues' hook): not ours to log
    } else {
      log.push("?" + op.toString());
    }
  }
}

/** Moves bytes through both pipes in reads of `step` until nothing moves. */
function run(step: i32, now: f64): void {
  drain();
  for (let k = 0; k < 20000000; k++) {
    let moved = false;
    if (closed.includes(2)) h2 = t2;
    if (closed.includes(1)) h1 = t1;
    if (t2 > h2) {
      const n = min(step, t2 - h2);
      const used = msrpOnStream(2, PIPE2 + <usize>h2, n, now);
      drain();
      h2 += used; moved = true;
    }
    if (t1 > h1) {
      const n = min(step, t1 - h1);
      const used = msrpOnStream(1, PIPE1 + <usize>h1, n, now);
      drain();
      h1 += used; moved = true;
    }
    if (!moved) {
      if (msrpPendingOut() == 0) break;
      msrpPoll(now); drain();
      if (t1 == h1 && t2 == h2) break;   // nothing could go out (window full, no response due)
    }
  }
}

function fresh(): void {
  msrpSessReset();
  log = []; closed = []; connectFor = []; connectAddr = []; sendFrames = [];
  h1 = 0; t1 = 0; h2 = 0; t2 = 0; pipeOverflow = 0;
  hA = -1; hB = -1; hA2 = -1; hB2 = -1;
  recvNextA = 0; recvNextB = 0; hashA = 0x811c9dc5; hashB = 0x811c9dc5; orderErr = 0; pieces = 0;
  recvNextB2 = 0; hashB2 = 0x811c9dc5;
  verbose = true; wire = true; cur = 0;
}
function uriA(): string { return str(msrpSessionLocalUriPtr(hA), msrpSessionLocalUriLen(hA)); }
function uriB(): string { return str(msrpSessionLocalUriPtr(hB), msrpSessionLocalUriLen(hB)); }

/** A (active, alice.example:7654) and B (passive, bob.example:2855), bound over conn 1 <-> conn 2. */
function pair(bKnowsA: bool, step: i32): void {
  fresh();
  hB = msrpSessionCreate(RAND_B, 16, bytes("bob.example"), 11, 2855, false);
  hA = msrpSessionCreate(RAND_A, 16, bytes("alice.example"), 13, 7654, true);
  const ub = uriB();
  expect(msrpSessionSetRemote(hA, bytes(ub), ub.length, 1000)).toBe(0);
  if (bKnowsA) { const ua = uriA(); expect(msrpSessionSetRemote(hB, bytes(ua), ua.length, 1000)).toBe(0); }
  drain();
  expect(connectFor.length).toBe(1);
  expect(msrpOnConnOpen(2, -1, 1000)).toBe(0);   // B accepts
  expect(msrpOnConnOpen(1, hA, 1000)).toBe(0);   // A's connect completed: bind SEND
  run(step, 1000);
}
let logSep = "\n";
function logStr(): string { return log.join(logSep); }

// Body for the bulk tests: pseudo-random bytes with fake end-line starts sprinkled in.
const BODY_CAP: i32 = 1 << 20;
const BODY_BUF = new ArrayBuffer(1 << 20);
const BODY = changetype<usize>(BODY_BUF);
function fillBody(n: i32): u32 {
  let x: u32 = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    store<u8>(BODY + <usize>i, <u8>x);
  }
  const fake = "\r\n-------";
  for (let i = 100; i + 20 < n; i += 997) for (let k = 0; k < fake.length; k++) store<u8>(BODY + <usize>(i + k), <u8>fake.charCodeAt(k));
  return fnv(0x811c9dc5, BODY, n);
}

// ---- raw frames (corpus-style, RFC 4975 examples) ------------------------------------------------
function sendFrame(tid: string, to: string, from: string, msgId: string, range: string, extra: string, body: string, flag: string): string {
  let s = "MSRP " + tid + " SEND\r\nTo-Path: " + to + "\r\nFrom-Path: " + from + "\r\nMessage-ID: " + msgId + "\r\n";
  if (range.length > 0) s += "Byte-Range: " + range + "\r\n";
  s += extra;
  if (body.length > 0) s += "Content-Type: text/plain\r\n\r\n" + body + "\r\n";
  return s + "-------" + tid + flag + "\r\n";
}

/** Feeds `frame` on conn `conn` after setup() in reads of `step` (or split at k when step < 0); returns the log after setup. */
function feedAfterPair(frame: string, conn: i32, step: i32, split: i32): string {
  pair(true, 65536);
  log = [];
  const p = bytes(frame);
  const n = frame.length;
  if (step > 0) {
    for (let o = 0; o < n; o += step) feedAll(conn, p + <usize>o, min(step, n - o));
  } else {
    feedAll(conn, p, split);
    feedAll(conn, p + <usize>split, n - split);
  }
  run(65536, 2000);
  return logStr();
}
function feedAll(conn: i32, p: usize, n: i32): void {
  if (closed.includes(conn)) return;
  let off = 0;
  for (let k = 0; k < 100000 && off < n && !closed.includes(conn); k++) {
    off += msrpOnStream(conn, p + <usize>off, n - off, 2000);
    drain();
  }
  if (n == 0) { msrpOnStream(conn, p, 0, 2000); drain(); }
}
/** STYLE feedAllWays: whole, byte by byte, 7 at a time, every split point: same log. */
function feedAllWays(frame: string, conn: i32): string {
  const whole = feedAfterPair(frame, conn, frame.length, 0);
  expect(feedAfterPair(frame, conn, 1, 0)).toBe(whole, "byte by byte");
  expect(feedAfterPair(frame, conn, 7, 0)).toBe(whole, "7 at a time");
  for (let k = 0; k <= frame.length; k += 1) {
    const got = feedAfterPair(frame, conn, -1, k);
    if (got != whole) expect(got).toBe(whole, "split at " + k.toString());
  }
  return whole;
}

// RFC 4975 corpus frames (shared/corpus/msrp, embedded verbatim; bob/alice URIs are swapped for the
// test sessions' URIs at run time). Generated from the corpus files.
const CORPUS: string[][] = [
  ["auth-200-use-path", "MSRP 49fi 200 OK\r\nTo-Path: msrps://alice.example.com:9892/98cjs;tcp\r\nFrom-Path: msrps://alice@relay.example.com;tcp\r\nUse-Path: msrps://relay.example.com:9000/jui787s2f;tcp\r\nExpires: 900\r\n-------49fi$\r\n"],
  ["auth-401", "MSRP 49fh 401 Unauthorized\r\nTo-Path: msrps://alice.example.com:9892/98cjs;tcp\r\nFrom-Path: msrps://alice@relay.example.com;tcp\r\nWWW-Authenticate: Digest realm=\"relay.example.com\", qop=\"auth\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\"\r\n-------49fh$\r\n"],
  ["auth-request-credentials", "MSRP 49fi AUTH\r\nTo-Path: msrps://alice@relay.example.com;tcp\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\nAuthorization: Digest username=\"alice\", realm=\"relay.example.com\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\", qop=auth, nc=00000001, cnonce=\"0b5e7d21\", response=\"5d2b3f8e9c0a41d7b6e2f1a3c4d5e6f7\"\r\nExpires: 900\r\n-------49fi$\r\n"],
  ["auth-request", "MSRP 49fh AUTH\r\nTo-Path: msrps://alice@relay.example.com;tcp\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n-------49fh$\r\n"],
  ["body-without-content-type", "MSRP n0ct1234 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: noctype99\r\nByte-Range: 1-5/5\r\n\r\nHello\r\n-------n0ct1234$\r\n"],
  ["byte-range-end-before-start", "MSRP y1y2y3y4 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: br2end3\r\nByte-Range: 10-4/20\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------y1y2y3y4$\r\n"],
  ["byte-range-start-zero", "MSRP z0z0z0z0 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: br0start1\r\nByte-Range: 0-4/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------z0z0z0z0$\r\n"],
  ["chunked-1of3", "MSRP dkei38sd SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 1-100/266\r\nContent-Type: text/plain\r\n\r\nThis message is sent in three chunks so the receiver has to reassemble it by Byte-Range. This messag\r\n-------dkei38sd+\r\n"],
  ["chunked-2of3", "MSRP dkei38ia SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 101-200/266\r\nContent-Type: text/plain\r\n\r\ne is sent in three chunks so the receiver has to reassemble it by Byte-Range. This message is sent i\r\n-------dkei38ia+\r\n"],
  ["chunked-3of3", "MSRP dkei38ib SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 201-266/266\r\nContent-Type: text/plain\r\n\r\nn three chunks so the receiver has to reassemble it by Byte-Range.\r\n-------dkei38ib$\r\n"],
  ["endline-tid-mismatch", "MSRP a1b2c3d4 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: mm1122aa\r\nByte-Range: 1-8/8\r\nContent-Type: text/plain\r\n\r\nmismatch\r\n-------a1b2c3d5$\r\n"],
  ["first-line-bare-lf", "MSRP b4r3lf01 SEND\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: lf1st0nly\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------b4r3lf01$\r\n"],
  ["interrupted-chunk", "MSRP a8sd7aif SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 4sf8h2w9x1\r\nByte-Range: 1-*/256\r\nContent-Type: text/plain\r\n\r\n0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n-------a8sd7aif#\r\n"],
  ["interrupted-resume", "MSRP a8sd7aig SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 4sf8h2w9x1\r\nByte-Range: 65-256/256\r\nContent-Type: text/plain\r\n\r\n0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n-------a8sd7aig$\r\n"],
  ["missing-to-path", "MSRP q9w8e7r6 SEND\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: nt0p4th1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------q9w8e7r6$\r\n"],
  ["overlong-transaction-id", "MSRP abcdefghij0123456789ABCDEFGHIJ0123456789 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: ol4ngtid\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------abcdefghij0123456789ABCDEFGHIJ0123456789$\r\n"],
  ["report-failure-413", "MSRP 29sdmvn2 REPORT\r\nTo-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nFrom-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nMessage-ID: 4sf8h2w9x1\r\nByte-Range: 1-64/256\r\nStatus: 000 413 Message too large\r\n-------29sdmvn2$\r\n"],
  ["report-success", "MSRP dkei38sd REPORT\r\nTo-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nFrom-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 1-266/266\r\nStatus: 000 200 OK\r\n-------dkei38sd$\r\n"],
  ["response-200-ok", "MSRP a786hjs2 200 OK\r\nTo-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nFrom-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\n-------a786hjs2$\r\n"],
  ["send-basic", "MSRP a786hjs2 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 87652491\r\nByte-Range: 1-22/22\r\nContent-Type: text/plain\r\n\r\nHi Bob, are you there?\r\n-------a786hjs2$\r\n"],
  ["send-cpim-chat", "MSRP d93kswow SEND\r\nTo-Path: msrp://conf.example.com:12763/kjhd37s2s20w2a;tcp\r\nFrom-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nMessage-ID: 87652492\r\nByte-Range: 1-235/235\r\nContent-Type: message/cpim\r\n\r\nFrom: Bob <sip:bob@example.com>\r\nTo: <sip:chatroom-81@conf.example.com>\r\nDateTime: 2026-03-14T09:26:53Z\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Kd82nXa91q\r\n\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGood morning, everyone!\r\n-------d93kswow$\r\n"],
  ["send-cpim-fanout", "MSRP 3jdu2s8a SEND\r\nTo-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nFrom-Path: msrp://conf.example.com:12763/n9dkskd3;tcp\r\nMessage-ID: fo8d0a3hx2\r\nByte-Range: 1-235/235\r\nContent-Type: message/cpim\r\n\r\nFrom: Bob <sip:bob@example.com>\r\nTo: <sip:chatroom-81@conf.example.com>\r\nDateTime: 2026-03-14T09:26:53Z\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Kd82nXa91q\r\n\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGood morning, everyone!\r\n-------3jdu2s8a$\r\n"],
  ["send-empty-bind", "MSRP j3k4l5m6 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: h7f6d5s4\r\nByte-Range: 1-0/0\r\n-------j3k4l5m6$\r\n"],
  ["send-exceeds-max-size", "MSRP x13big00 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: big413msg\r\nByte-Range: 1-5/1000000000000\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------x13big00+\r\n"],
  ["send-failure-report-no", "MSRP 5a8f9c2e SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 9xw2c7bn3\r\nFailure-Report: no\r\nByte-Range: 1-34/34\r\nContent-Type: text/plain\r\n\r\nNo responses for this one, please.\r\n-------5a8f9c2e$\r\n"],
  ["send-missing-message-id", "MSRP m1ss1d00 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------m1ss1d00$\r\n"],
  ["send-success-report-yes", "MSRP 7be2d1f0 SEND\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: 3nf8w0sk2\r\nSuccess-Report: yes\r\nFailure-Report: yes\r\nByte-Range: 1-33/33\r\nContent-Type: text/plain\r\n\r\nTell me when all of this arrives.\r\n-------7be2d1f0$\r\n"],
  ["send-unknown-session-481", "MSRP s3ss10n0 SEND\r\nTo-Path: msrp://bob.example.com:8493/no-such-session-9z;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: ns481abc\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------s3ss10n0$\r\n"],
  ["send-via-relays", "MSRP 6ru2wq81 SEND\r\nTo-Path: msrps://relay.example.com:9000/jui787s2f;tcp msrps://relay.example.net:9000/kjfjan;tcp msrps://bob.example.net:8145/foo;tcp\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\nMessage-ID: 8n2k5tt7q\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------6ru2wq81$\r\n"],
  ["status-non-numeric", "MSRP a786hjs2 2OO OK\r\nTo-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nFrom-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\n-------a786hjs2$\r\n"],
  ["unknown-method", "MSRP u7n8k9w0 FROBNICATE\r\nTo-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n-------u7n8k9w0$\r\n"],
];

const CORPUS_WANT = [
  "auth-200-use-path: ",
  "auth-401: ",
  "auth-request-credentials: c2 501 method not understood $",
  "auth-request: c2 501 method not understood $",
  "body-without-content-type: c2 400 body without Content-Type $",
  "byte-range-end-before-start: c2 400 Byte-Range end before start $",
  "byte-range-start-zero: c2 400 Byte-Range starts at 0 $",
  "chunked-1of3: c2 200 OK $",
  // fed alone, a chunk that does not start at byte 1 belongs to no message we know (400)
  "chunked-2of3: c2 400 chunk of an unknown or interrupted message $",
  "chunked-3of3: c2 400 chunk of an unknown or interrupted message $",
  "endline-tid-mismatch: ABORT B mm1122aa n=8 h=70aced91 code=400",
  "first-line-bare-lf: CLOSE c2 | LOST B",
  "interrupted-chunk: c2 200 OK $ | ABORT B 4sf8h2w9x1 n=64 h=df1f5865",
  "interrupted-resume: c2 400 chunk of an unknown or interrupted message $",
  "missing-to-path: ",
  "overlong-transaction-id: CLOSE c2 | LOST B",
  "report-failure-413: REPORT A 4sf8h2w9x1 413",
  "report-success: REPORT A 12339sdqwer 200",
  "response-200-ok: ",
  "send-basic: c2 200 OK $ | DONE B 87652491 n=22 h=25e5d001",
  "send-cpim-chat: c2 481 session does not exist $",
  "send-cpim-fanout: c1 403 From-Path does not match $",
  "send-empty-bind: c2 200 OK $",
  "send-exceeds-max-size: c2 413 message too large $",
  "send-failure-report-no: DONE B 9xw2c7bn3 n=34 h=ff48c3bd",
  "send-missing-message-id: c2 400 missing Message-ID $",
  "send-success-report-yes: c2 200 OK $ | DONE B 3nf8w0sk2 n=33 h=1e14b7e2 | c2 REPORT BR=1-33/33 St=000 200 OK $ | REPORT A 3nf8w0sk2 200",
  "send-unknown-session-481: c2 481 session does not exist $",
  "send-via-relays: c2 481 session does not exist $",
  "status-non-numeric: ",
  "unknown-method: c2 501 method not understood $",
].join("\n") + "\n";
const BOB = "msrp://bob.example.com:8493/si438dsaodes;tcp";
const ALICE = "msrp://alice.example.com:7394/2s93i9ek2a;tcp";

describe("msrp sessions", () => {
  test("session ids: >= 80 random bits in base32, local URI is an MSRP-URI", () => {
    fresh();
    const h = msrpSessionCreate(RAND_A, 10, bytes("10.0.0.1"), 8, 2855, false);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(msrpSessionIdLen(h)).toBe(16);   // 80 bits / 5
    const u = str(msrpSessionLocalUriPtr(h), msrpSessionLocalUriLen(h));
    expect(u).toBe("msrp://10.0.0.1:2855/aebagbafaydqqcik;tcp");
    const h2 = msrpSessionCreate(RAND_B, 20, bytes("[::1]"), 5, 9000, true);
    expect(msrpSessionIdLen(h2)).toBe(32);
    expect(str(msrpSessionLocalUriPtr(h2), 18)).toBe("msrp://[::1]:9000/");
    expect(msrpSessionCreate(RAND_A, 9, bytes("x"), 1, 1, false)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.NoRandom);
    expect(msrpSessionCreate(RAND_A, 10, bytes("bad host"), 8, 1, false)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadLocalUri);
    expect(msrpSessionState(h)).toBe(MsrpSessState.Idle);
  });

  test("bind by empty SEND and 200 (§5.4), same log at any read size", () => {
    pair(true, 65536);
    const whole = logStr();
    expect(whole).toBe([
      "CONNECT A bob.example:2855",
      "c1 SEND BR=1-0/0 $",
      "BOUND B",
      "c2 200 OK $",
      "BOUND A",
    ].join("\n"));
    expect(msrpSessionState(hA)).toBe(MsrpSessState.Bound);
    expect(msrpSessionState(hB)).toBe(MsrpSessState.Bound);
    expect(msrpSessionConn(hA)).toBe(1);
    expect(msrpSessionConn(hB)).toBe(2);
    expect(msrpNextDeadline()).toBe(-1);
    pair(true, 1);
    expect(logStr()).toBe(whole);
    pair(true, 7);
    expect(logStr()).toBe(whole);
  });

  test("bind before the SDP answer: From-Path adopted, then confirmed or refused", () => {
    pair(false, 65536);
    expect(msrpSessionState(hB)).toBe(MsrpSessState.Bound);
    expect(msrpSessionRemoteLen(hB)).toBe(msrpSessionLocalUriLen(hA));
    const ua = uriA();
    expect(msrpSessionSetRemote(hB, bytes(ua), ua.length)).toBe(0);
    pair(false, 65536);
    const other = "msrp://mallory.example:1/abcdefgh;tcp";
    expect(msrpSessionSetRemote(hB, bytes(other), other.length)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.PathMismatch);
    expect(msrpSessErrCode(MsrpSessErr.PathMismatch)).toBe(403);
  });

  test("481 for an unknown session, all ways (corpus send-unknown-session-481)", () => {
    const f = "MSRP s3ss10n0 SEND\r\nTo-Path: msrp://bob.example.com:8493/no-such-session-9z;tcp\r\nFrom-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: ns481abc\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------s3ss10n0$\r\n";
    expect(feedAllWays(f, 5)).toBe("c5 481 session does not exist $");
    // a known session bound to another connection is not this connection's (§7.3)
    pair(true, 65536);
    log = [];
    const g = sendFrame("w1w2w3w4", uriB(), uriA(), "m0000001", "1-2/2", "", "hi", "$");
    feedAll(6, bytes(g), g.length);
    expect(logStr()).toBe("c6 481 session bound to another connection $");
  });

  test("403 when the From-Path is not the session's peer", () => {
    pair(true, 65536);
    const f = sendFrame("f0f1f2f3", uriB(), "msrp://mallory.example:1/abcdefgh;tcp", "m0000002", "1-2/2", "", "hi", "$");
    expect(feedAllWays(f, 2)).toBe("c2 403 From-Path does not match $");
  });

  test("SEND from the peer: 200, pieces in order, DONE; all ways", () => {
    pair(true, 65536);
    const f = sendFrame("d1d2d3d4", uriB(), uriA(), "m0000003", "1-11/11", "", "hello\r\n----", "$");
    const want = "c2 200 OK $\nDONE B m0000003 n=11 h=" + fnv(0x811c9dc5, bytes("hello\r\n----"), 11).toString(16);
    expect(feedAllWays(f, 2)).toBe(want);
    expect(orderErr).toBe(0);
  });

  test("1 MiB message chunked at 2 KiB, through 8 KiB reads", () => {
    pair(true, 65536);
    const want = fillBody(BODY_CAP);
    verbose = false; log = []; sendFrames = [];
    expect(msrpSendMessage(hA, bytes("big1mib0"), 8, bytes("application/octet-stream"), 24, BODY, BODY_CAP, 0, 0, 2000)).toBe(0);
    run(8192, 2000);
    expect(pipeOverflow).toBe(0);
    expect(orderErr).toBe(0);
    expect(sendFrames.length).toBe(BODY_CAP / MSRP_CHUNK_SIZE);
    expect(sendFrames[0]).toBe("1-2048/1048576+");
    expect(sendFrames[1]).toBe("2049-4096/1048576+");
    expect(sendFrames[sendFrames.length - 1]).toBe("1046529-1048576/1048576$");
    expect(logStr()).toBe("DONE B big1mib0 n=1048576 h=" + want.toString(16) + "\nSENT A big1mib0");
    expect(msrpNextDeadline()).toBe(-1);
    expect(msrpActDropped()).toBe(0);
  });

  test("1 MiB message through 1 KiB reads", () => {
    pair(true, 65536);
    const want = fillBody(BODY_CAP);
    verbose = false; log = []; sendFrames = [];
    expect(msrpSendMessage(hA, bytes("big1mib1"), 8, bytes("application/octet-stream"), 24, BODY, BODY_CAP, 0, 0, 2000)).toBe(0);
    run(1024, 2000);
    expect(orderErr).toBe(0);
    expect(logStr()).toBe("DONE B big1mib1 n=1048576 h=" + want.toString(16) + "\nSENT A big1mib1");
    expect(sendFrames.length).toBe(512);
  });

  test("10 KiB message through 1-byte reads", () => {
    pair(true, 65536);
    const n = 10 * 1024 + 3;
    const want = fillBody(n);
    verbose = false; log = []; sendFrames = [];
    expect(msrpSendMessage(hA, bytes("small1by"), 8, bytes("text/plain"), 10, BODY, n, 0, 0, 2000)).toBe(0);
    run(1, 2000);
    expect(orderErr).toBe(0);
    expect(logStr()).toBe("DONE B small1by n=10243 h=" + want.toString(16) + "\nSENT A small1by");
    expect(sendFrames.join(",")).toBe("1-2048/10243+,2049-4096/10243+,4097-6144/10243+,6145-8192/10243+,8193-10240/10243+,10241-10243/10243$");
  });

  test("Failure-Report: no -> no response at all (§7.3.1)", () => {
    pair(true, 65536);
    log = [];
    const body = bytes("no reply please");
    expect(msrpSendMessage(hA, bytes("nofail01"), 8, bytes("text/plain"), 10, body, 15, 0, REPORT_NO, 2000)).toBe(0);
    run(65536, 2000);
    const h = fnv(0x811c9dc5, body, 15).toString(16);
    expect(logStr()).toBe("c1 SEND BR=1-15/15 $\nSENT A nofail01\nDONE B nofail01 n=15 h=" + h);
    expect(msrpNextDeadline()).toBe(-1);
    // the corpus frame, fed all ways: delivered, never answered
    const f = sendFrame("5a8f9c2e", uriB(), uriA(), "9xw2c7bn3", "1-5/5", "Failure-Report: no\r\n", "Hello", "$");
    expect(feedAllWays(f, 2)).toBe("DONE B 9xw2c7bn3 n=5 h=" + fnv(0x811c9dc5, bytes("Hello"), 5).toString(16));
  });

  test("Success-Report: yes -> REPORT 000 200 after the whole message (§7.1.3)", () => {
    pair(true, 65536);
    log = [];
    const n = 5000;
    const want = fillBody(n);
    expect(msrpSendMessage(hA, bytes("rep00001"), 8, bytes("text/plain"), 10, BODY, n, REPORT_YES, 0, 2000)).toBe(0);
    run(65536, 2000);
    expect(logStr()).toBe([
      "c1 SEND BR=1-2048/5000 +", "c1 SEND BR=2049-4096/5000 +", "c1 SEND BR=4097-5000/5000 $",
      "c2 200 OK $", "c2 200 OK $", "c2 200 OK $",
      "DONE B rep00001 n=5000 h=" + want.toString(16),
      "c2 REPORT BR=1-5000/5000 St=000 200 OK $",
      "SENT A rep00001",
      "REPORT A rep00001 200",
    ].join("\n"));
  });

  test("max-size -> 413 and the sender stops (§8, §10)", () => {
    pair(true, 65536);
    msrpSessionSetMaxSize(hB, 1000);
    log = [];
    fillBody(5000);
    expect(msrpSendMessage(hA, bytes("toobig01"), 8, bytes("text/plain"), 10, BODY, 5000, 0, 0, 2000)).toBe(0);
    run(65536, 2000);
    // the window put all three chunks on the wire before the 413 came back; each is refused
    expect(logStr()).toBe([
      "c1 SEND BR=1-2048/5000 +", "c1 SEND BR=2049-4096/5000 +", "c1 SEND BR=4097-5000/5000 $",
      "c2 413 message too large $", "c2 413 message too large $", "c2 413 message too large $",
      "FAILED A toobig01 413",
    ].join("\n"));
    expect(pieces).toBe(0);
    expect(msrpNextDeadline()).toBe(-1);
    // corpus send-exceeds-max-size: total 10^12 against our default max-size
    const f = sendFrame("x13big00", uriB(), uriA(), "big413msg", "1-5/1000000000000", "", "Hello", "+");
    expect(feedAllWays(f, 2)).toBe("c2 413 message too large $");
    // the peer's max-size is checked before sending
    pair(true, 65536);
    msrpSessionSetRemoteMaxSize(hA, 100);
    expect(msrpSendMessage(hA, bytes("toobig02"), 8, bytes("text/plain"), 10, BODY, 101, 0, 0)).toBe(-1);
    expect(msrpSessErrCode(msrpLastError())).toBe(413);
  });

  test("'#' abort: delivered so far, then ABORT; a chunk after '#' is refused (RFC 4975 §7.1: no further chunks)", () => {
    pair(true, 65536);
    const body64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const f = sendFrame("a8sd7aif", uriB(), uriA(), "4sf8h2w9x1", "1-*/256", "", body64, "#");
    const h = fnv(0x811c9dc5, bytes(body64), 64).toString(16);
    expect(feedAllWays(f, 2)).toBe("c2 200 OK $\nABORT B 4sf8h2w9x1 n=64 h=" + h);
    let rest = "";
    for (let i = 0; i < 6; i++) rest += "0123456789abcdef0123456789abcdef";
    const g = sendFrame("b8sd7aif", uriB(), uriA(), "4sf8h2w9x1", "65-256/256", "", rest, "$");
    log = [];
    feedAll(2, bytes(g), g.length);
    // the tail is never delivered as if it were the whole message
    expect(logStr()).toBe("c2 400 chunk of an unknown or interrupted message $");
  });

  test("30 s transaction timeout -> SEND_FAILED 408", () => {
    pair(true, 65536);
    log = [];
    wire = false;   // the peer never answers
    expect(msrpSendMessage(hA, bytes("lost0001"), 8, bytes("text/plain"), 10, bytes("hello"), 5, 0, 0, 5000)).toBe(0);
    drain();
    expect(msrpNextDeadline()).toBe(35000);
    msrpOnTimer(34999); drain();
    expect(logStr()).toBe("c1 SEND BR=1-5/5 $");
    msrpOnTimer(35000); drain();
    expect(logStr()).toBe("c1 SEND BR=1-5/5 $\nFAILED A lost0001 408");
    expect(msrpNextDeadline()).toBe(-1);
    // the bind itself times out too: the session is Failed
    fresh();
    hB = msrpSessionCreate(RAND_B, 16, bytes("bob.example"), 11, 2855, false);
    hA = msrpSessionCreate(RAND_A, 16, bytes("alice.example"), 13, 7654, true);
    const ub = uriB();
    msrpSessionSetRemote(hA, bytes(ub), ub.length, 0);
    msrpOnConnOpen(1, hA, 0);
    wire = false; drain(); log = [];
    msrpOnTimer(30000); drain();
    expect(log.length).toBe(1);
    expect(log[0].startsWith("FAILED A ")).toBe(true);
    expect(log[0].endsWith(" 408")).toBe(true);
    expect(msrpSessionState(hA)).toBe(MsrpSessState.Failed);
  });

  test("full pools give error codes, never a trap", () => {
    fresh();
    const hs: i32[] = [];
    for (let i = 0; i < MSRP_SESS_MAX; i++) {
      const h = msrpSessionCreate(RAND_A, 16, bytes("h.example"), 9, 1000 + i, false);
      expect(h).toBeGreaterThanOrEqual(0);
      hs.push(h);
    }
    expect(msrpSessionCreate(RAND_A, 16, bytes("h.example"), 9, 999, false)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.PoolFull);
    expect(msrpSessErrCode(msrpLastError())).toBe(503);
    expect(msrpSessionClose(hs[3])).toBe(0);
    expect(msrpSessionState(hs[3])).toBe(-1);            // stale handle
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    expect(msrpSessionCreate(RAND_A, 16, bytes("h.example"), 9, 999, false)).toBeGreaterThanOrEqual(0);
    // connections
    for (let c = 0; c < MSRP_CONN_MAX; c++) expect(msrpOnConnOpen(100 + c, -1)).toBe(0);
    log = [];
    expect(msrpOnConnOpen(200, -1)).toBe(-1);
    expect(msrpSessErrCode(msrpLastError())).toBe(503);
    const junk = "MSRP abcd SEND\r\n";
    expect(msrpOnStream(201, bytes(junk), junk.length, 0)).toBe(junk.length);
    drain();
    expect(logStr()).toBe("CLOSE c200\nCLOSE c201");
    expect(msrpConnsActive()).toBe(MSRP_CONN_MAX);
    // outgoing messages (queued on an unbound session)
    for (let i = 0; i < MSRP_OUT_MAX; i++) expect(msrpSendMessage(hs[0], bytes("msgq0000"), 8, bytes("text/plain"), 10, bytes("x"), 1, 0, 0)).toBe(0);
    expect(msrpSendMessage(hs[0], bytes("msgq0001"), 8, bytes("text/plain"), 10, bytes("x"), 1, 0, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.OutPoolFull);
    expect(msrpPendingOut()).toBe(MSRP_OUT_MAX);
  });

  test("close: the connection closes with its last session (§5.4); peer close -> SESSION_LOST", () => {
    fresh();
    hB = msrpSessionCreate(RAND_B, 16, bytes("bob.example"), 11, 2855, false);
    hA = msrpSessionCreate(RAND_A, 16, bytes("alice.example"), 13, 7654, true);
    hB2 = msrpSessionCreate(RAND_B, 12, bytes("bob.example"), 11, 2855, false);
    hA2 = msrpSessionCreate(RAND_A, 12, bytes("alice.example"), 13, 7654, true);
    let u = uriB(); msrpSessionSetRemote(hA, bytes(u), u.length);
    u = str(msrpSessionLocalUriPtr(hB2), msrpSessionLocalUriLen(hB2)); msrpSessionSetRemote(hA2, bytes(u), u.length);
    drain();
    msrpOnConnOpen(2, -1);
    msrpOnConnOpen(1, hA);    // both sessions share one connection
    msrpOnConnOpen(1, hA2);
    run(65536, 0);
    expect(msrpSessionState(hA2)).toBe(MsrpSessState.Bound);
    expect(msrpSessionState(hB2)).toBe(MsrpSessState.Bound);
    log = [];
    msrpSessionClose(hA); drain();
    expect(logStr()).toBe("");
    msrpSessionClose(hA2); drain();
    expect(logStr()).toBe("CLOSE c1");
    msrpOnConnClosed(2); drain();
    expect(logStr()).toBe("CLOSE c1\nLOST B\nLOST B2");
    expect(msrpSessionState(hB)).toBe(MsrpSessState.Idle);
    expect(msrpConnsActive()).toBe(0);
    // a message in flight when the connection drops fails with 503
    pair(true, 65536);
    wire = false; log = [];
    msrpSendMessage(hA, bytes("drop0001"), 8, bytes("text/plain"), 10, bytes("hello"), 5, 0, 0, 2000);
    msrpOnConnClosed(1); drain();
    expect(logStr()).toBe("c1 SEND BR=1-5/5 $\nFAILED A drop0001 503\nLOST A");
  });

  test("bad input on one connection leaves the others alone", () => {
    pair(true, 65536);
    log = [];
    const junk = "GET / HTTP/1.1\r\n\r\n";
    feedAll(7, bytes(junk), junk.length);
    expect(logStr()).toBe("CLOSE c7");
    log = [];
    expect(msrpSendMessage(hA, bytes("still001"), 8, bytes("text/plain"), 10, bytes("ok"), 2, 0, 0, 2000)).toBe(0);
    run(65536, 2000);
    expect(logStr()).toBe("c1 SEND BR=1-2/2 $\nc2 200 OK $\nDONE B still001 n=2 h=" + fnv(0x811c9dc5, bytes("ok"), 2).toString(16) + "\nSENT A still001");
    // a framing error on B's own connection drops that connection and unbinds B only
    log = [];
    const bad = "MSRP abcd1234 SEND\nTo-Path: x\r\n";
    feedAll(2, bytes(bad), bad.length);
    expect(logStr()).toBe("CLOSE c2\nLOST B");
    expect(msrpSessionState(hA)).toBe(MsrpSessState.Bound);
  });

  test("frame errors, REPORTs, unknown methods and stray responses", () => {
    pair(true, 65536);
    const ua = uriA(), ub = uriB();
    // 400 for a malformed request (Byte-Range starts at 0)
    expect(feedAllWays(sendFrame("z0z0z0z0", ub, ua, "br0start1", "0-4/5", "", "Hello", "$"), 2)).toBe("c2 400 Byte-Range starts at 0 $");
    // 501 for an unknown method
    expect(feedAllWays("MSRP u7n8k9w0 FROBNICATE\r\nTo-Path: " + ub + "\r\nFrom-Path: " + ua + "\r\n-------u7n8k9w0$\r\n", 2)).toBe("c2 501 method not understood $");
    // a REPORT is never answered; it reports to the app
    expect(feedAllWays("MSRP dkei38sd REPORT\r\nTo-Path: " + ub + "\r\nFrom-Path: " + ua + "\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 1-266/266\r\nStatus: 000 200 OK\r\n-------dkei38sd$\r\n", 2)).toBe("REPORT B 12339sdqwer 200");
    // a response nobody waits for is dropped
    expect(feedAllWays("MSRP nobody12 200 OK\r\nTo-Path: " + ub + "\r\nFrom-Path: " + ua + "\r\n-------nobody12$\r\n", 2)).toBe("");
  });

  test("corpus frames: what the session layer does with each, fed all ways", () => {
    pair(true, 65536);
    const ua = uriA(), ub = uriB();
    let got = "";
    logSep = " | ";
    for (let i = 0; i < CORPUS.length; i++) {
      const f = CORPUS[i][1].replaceAll(BOB, ub).replaceAll(ALICE, ua);
      // frames addressed to alice arrive on A's connection, the others on B's
      const conn = CORPUS[i][1].indexOf("To-Path: " + ALICE) >= 0 ? 1 : 2;
      got += CORPUS[i][0] + ": " + feedAllWays(f, conn) + "\n";
    }
    logSep = "\n";
    expect(got).toBe(CORPUS_WANT);
    // the chunk series of one message, pipelined in one stream: one DONE over all 266 bytes
    const c3 = (CORPUS[7][1] + CORPUS[8][1] + CORPUS[9][1]).replaceAll(BOB, ub).replaceAll(ALICE, ua);
    expect(CORPUS[9][0]).toBe("chunked-3of3");
    const w3 = feedAllWays(c3, 2);
    expect(w3.startsWith("c2 200 OK $\nc2 200 OK $\nc2 200 OK $\nDONE B 12339sdqwer n=266 h=")).toBe(true);
    // interrupted, then "resumed" (the corpus MANIFEST reads '#' as resumable; RFC 4975 §7.1
    // says '#' aborts the message and no further chunks follow): ABORT after 64, the tail is 400
    const ir = (CORPUS[12][1] + CORPUS[13][1]).replaceAll(BOB, ub).replaceAll(ALICE, ua);
    expect(CORPUS[13][0]).toBe("interrupted-resume");
    const wir = feedAllWays(ir, 2);
    expect(wir).toBe("c2 200 OK $\nABORT B 4sf8h2w9x1 n=64 h=df1f5865\nc2 400 chunk of an unknown or interrupted message $");
  });

  test("mutated and truncated frames: never a trap, the other side keeps working", () => {
    pair(true, 65536);
    const base = sendFrame("m7m7m7m7", uriB(), uriA(), "mut00001", "1-11/11", "Success-Report: yes\r\n", "hello world", "$");
    const muts = [0, 13, 10, 45, 36, 32, 0x7f, 0xff];
    for (let i = 0; i < base.length; i++) {
      for (let m = 0; m < muts.length; m++) {
        pair(true, 65536);
        const p = bytes(base);
        store<u8>(p + <usize>i, <u8>muts[m]);
        feedAll(2, p, base.length);
        // truncated at i as well (then the connection closes)
        feedAll(3, p, i);
        msrpOnConnClosed(3); drain();
        expect(msrpSessionState(hA)).toBe(MsrpSessState.Bound);
      }
    }
    // after all that, a clean pair still moves a message
    pair(true, 65536);
    log = [];
    expect(msrpSendMessage(hA, bytes("after001"), 8, bytes("text/plain"), 10, bytes("ok"), 2, 0, 0, 2000)).toBe(0);
    run(65536, 2000);
    expect(log[log.length - 1]).toBe("SENT A after001");
  });

  test("back-pressure: 400 pipelined keep-alives in one read are all answered", () => {
    pair(true, 65536);
    log = [];
    let s = "";
    for (let i = 0; i < 400; i++) {
      const t = "k" + (1000 + i).toString();
      s += "MSRP " + t + " SEND\r\nTo-Path: " + uriB() + "\r\nFrom-Path: " + uriA() + "\r\nMessage-ID: " + t + "\r\nByte-Range: 1-0/0\r\n-------" + t + "$\r\n";
    }
    const p = bytes(s);
    const first = msrpOnStream(2, p, s.length, 2000);
    expect(first).toBeLessThan(s.length);   // the queue filled: the caller drains and goes on
    drain();
    feedAll(2, p + <usize>first, s.length - first);
    expect(log.length).toBe(400);
    expect(log[399]).toBe("c2 200 OK $");
    expect(msrpActDropped()).toBe(0);
  });
});

// ---- streamed outgoing messages (the chat host relays while a message arrives) -------------------

/** Feeds everything waiting towards conn `to` (1 = A's side, 2 = B's side), draining as it goes. */
function pipeTo(to: i32): void {
  for (let k = 0; k < 100000; k++) {
    const h = to == 1 ? h1 : h2, t = to == 1 ? t1 : t2;
    if (t <= h) break;
    const used = msrpOnStream(to, (to == 1 ? PIPE1 : PIPE2) + <usize>h, t - h, 2000);
    drain();
    if (to == 1) h1 += used; else h2 += used;
  }
}
/** A and A2 (active) bound to B and B2 (passive) over one connection pair (conn 1 <-> conn 2). */
function twoPairs(): void {
  fresh();
  hB = msrpSessionCreate(RAND_B, 16, bytes("bob.example"), 11, 2855, false);
  hA = msrpSessionCreate(RAND_A, 16, bytes("alice.example"), 13, 7654, true);
  hB2 = msrpSessionCreate(RAND_B, 12, bytes("bob.example"), 11, 2855, false);
  hA2 = msrpSessionCreate(RAND_A, 12, bytes("alice.example"), 13, 7654, true);
  let u = uriB(); msrpSessionSetRemote(hA, bytes(u), u.length);
  u = str(msrpSessionLocalUriPtr(hB2), msrpSessionLocalUriLen(hB2)); msrpSessionSetRemote(hA2, bytes(u), u.length);
  u = uriA(); msrpSessionSetRemote(hB, bytes(u), u.length);
  u = str(msrpSessionLocalUriPtr(hA2), msrpSessionLocalUriLen(hA2)); msrpSessionSetRemote(hB2, bytes(u), u.length);
  drain();
  msrpOnConnOpen(2, -1);
  msrpOnConnOpen(1, hA);
  msrpOnConnOpen(1, hA2);
  run(65536, 2000);
  expect(msrpSessionState(hA2)).toBe(MsrpSessState.Bound);
}
/**
 * Streams BODY[0, n) on s in offers of `step` (last = true on the final offer when `lastFlag`),
 * checking that each write takes exactly min(offer, room). The receiver reads every frame at
 * once; its 200s are held back until a write comes up short (the send window is full).
 * Returns how many writes came up short.
 */
function streamBody(s: i32, n: i32, step: i32, lastFlag: bool, to: i32): i32 {
  let off = 0, short = 0;
  for (let k = 0; k < 100000 && off < n; k++) {
    const len = min(step, n - off);
    const room = msrpStreamRoom(s);
    const w = msrpStreamWrite(s, BODY + <usize>off, len, lastFlag && off + len == n, 2000);
    if (w != min(len, room)) expect(w).toBe(min(len, room), "write = min(len, room) at " + off.toString());
    if (w < 0) return -1;
    drain();
    off += w;
    pipeTo(to);
    if (w < len) { short++; pipeTo(to == 2 ? 1 : 2); }
  }
  return short;
}
function sizeOf(br: string): i32 {
  const d = br.indexOf("-"), sl = br.indexOf("/");
  return I32.parseInt(br.substring(d + 1, sl)) - I32.parseInt(br.substring(0, d)) + 1;
}

describe("msrp streamed messages (relay)", () => {
  test("1 MiB streamed in 8 KiB offers, window full several times, arrives intact", () => {
    pair(true, 65536);
    const want = fillBody(BODY_CAP);
    verbose = false; log = []; sendFrames = [];
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
    expect(msrpSessionRoom(hA)).toBeGreaterThanOrEqual(8 * MSRP_CHUNK_SIZE);
    const pages = memory.size();
    const s = msrpStreamStart(hA, bytes("strm1mib"), 8, bytes("application/octet-stream"), 24, <i64>BODY_CAP, 0, 0, 2000);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(msrpSessionRoom(hA)).toBe(0);   // a second message would wait behind this one
    const short = streamBody(s, BODY_CAP, 8192, false, 2);
    run(65536, 2000);
    expect(short).toBeGreaterThanOrEqual(3);
    expect(pipeOverflow).toBe(0);
    expect(orderErr).toBe(0);
    expect(sendFrames.length).toBe(BODY_CAP / MSRP_CHUNK_SIZE);
    expect(sendFrames[0]).toBe("1-2048/1048576+");
    expect(sendFrames[1]).toBe("2049-4096/1048576+");
    expect(sendFrames[sendFrames.length - 1]).toBe("1046529-1048576/1048576$");
    expect(logStr()).toBe("DONE B strm1mib n=1048576 h=" + want.toString(16) + "\nSENT A strm1mib");
    // everything is back: window, slots, queue; the static memory did not move
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
    expect(msrpPendingOut()).toBe(0);
    expect(msrpNextDeadline()).toBe(-1);
    expect(msrpActDropped()).toBe(0);
    expect(msrpStreamRoom(s)).toBe(-1);   // ended: stale
    expect(memory.size()).toBe(pages);
    // again, with the memory now warm: still the same size
    log = []; sendFrames = [];
    const s2 = msrpStreamStart(hA, bytes("strm1mi2"), 8, bytes("application/octet-stream"), 24, <i64>BODY_CAP, 0, 0, 2000);
    streamBody(s2, BODY_CAP, 8192, false, 2);
    run(65536, 2000);
    expect(logStr()).toBe("DONE B strm1mi2 n=1048576 h=" + want.toString(16) + "\nSENT A strm1mi2");
    expect(memory.size()).toBe(pages);
  });

  test("total unknown ('*'): odd offers are coalesced into whole chunks, '$' on the last", () => {
    pair(true, 65536);
    const n = 100 * 1024 + 5;
    const want = fillBody(n);
    verbose = false; log = []; sendFrames = [];
    const s = msrpStreamStart(hA, bytes("strmstar"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(streamBody(s, n, 3001, true, 2)).toBe(0);
    run(65536, 2000);
    expect(logStr()).toBe("DONE B strmstar n=102405 h=" + want.toString(16) + "\nSENT A strmstar");
    expect(sendFrames.length).toBe(51);
    expect(sendFrames[0]).toBe("1-2048/*+");
    expect(sendFrames[49]).toBe("100353-102400/*+");
    expect(sendFrames[50]).toBe("102401-102405/*$");
    for (let i = 0; i < 50; i++) if (sizeOf(sendFrames[i]) != MSRP_CHUNK_SIZE) expect(sendFrames[i]).toBe("a whole chunk");
    // offers of one byte make the same frames
    pair(true, 65536);
    verbose = false; log = []; sendFrames = [];
    const s2 = msrpStreamStart(hA, bytes("strmone1"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    streamBody(s2, 5000, 1, true, 2);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/*+,2049-4096/*+,4097-5000/*$");
    expect(logStr()).toBe("DONE B strmone1 n=5000 h=" + fnv(0x811c9dc5, BODY, 5000).toString(16) + "\nSENT A strmone1");
  });

  test("last = true with len = 0: the staged rest, an empty '$' chunk, or nothing", () => {
    // a '+' frame went last: an empty final chunk ends the message (§5.1), the receiver completes it
    pair(true, 65536);
    fillBody(5000);
    log = []; sendFrames = [];
    let s = msrpStreamStart(hA, bytes("strmlst1"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 4096, false, 2000)).toBe(4096);
    run(65536, 2000);
    expect(msrpStreamWrite(s, BODY, 0, true, 2000)).toBe(0);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/*+,2049-4096/*+,4097-4096/*$");
    expect(log[log.length - 2]).toBe("DONE B strmlst1 n=4096 h=" + fnv(0x811c9dc5, BODY, 4096).toString(16));
    expect(log[log.length - 1]).toBe("SENT A strmlst1");
    // bytes were staged: they go out with the '$'
    log = []; sendFrames = [];
    s = msrpStreamStart(hA, bytes("strmlst2"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 5000, false, 2000)).toBe(5000);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/*+,2049-4096/*+");
    expect(msrpStreamWrite(s, BODY + 5000, 0, true, 2000)).toBe(0);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/*+,2049-4096/*+,4097-5000/*$");
    expect(log[log.length - 1]).toBe("SENT A strmlst2");
    // the total was reached: that frame carried the '$'; a later empty last write does nothing
    log = []; sendFrames = [];
    s = msrpStreamStart(hA, bytes("strmlst3"), 8, bytes("text/plain"), 10, 3000, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 3000, false, 2000)).toBe(3000);
    expect(msrpStreamWrite(s, BODY, 0, true, 2000)).toBe(0);
    expect(msrpStreamWrite(s, BODY, 1, false, 2000)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadState);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/3000+,2049-3000/3000$");
    expect(log.join("|")).toBe([
      "c1 SEND BR=1-2048/3000 +", "c1 SEND BR=2049-3000/3000 $", "c2 200 OK $", "c2 200 OK $",
      "DONE B strmlst3 n=3000 h=" + fnv(0x811c9dc5, BODY, 3000).toString(16), "SENT A strmlst3"].join("|"));
    // an empty message: one empty '$' chunk (the receiver takes it as a keep-alive)
    log = []; sendFrames = [];
    s = msrpStreamStart(hA, bytes("strmlst4"), 8, bytes("text/plain"), 10, 0, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 0, true, 2000)).toBe(0);
    run(65536, 2000);
    expect(log.join("|")).toBe("c1 SEND BR=1-0/0 $|c2 200 OK $|SENT A strmlst4");
  });

  test("abort mid-message: '#' chunk, the receiver sees MESSAGE_ABORTED; nothing sent -> nothing on the wire", () => {
    pair(true, 65536);
    fillBody(5000);
    log = []; sendFrames = [];
    const s = msrpStreamStart(hA, bytes("strmabrt"), 8, bytes("text/plain"), 10, 5000, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 4500, false, 2000)).toBe(4500);   // two frames + 404 staged
    run(65536, 2000);
    log = [];
    expect(msrpStreamAbort(s, 2000)).toBe(0);
    run(65536, 2000);
    expect(logStr()).toBe([
      "c1 SEND BR=4097-4096/5000 #",
      "c2 200 OK $",
      "ABORT B strmabrt n=4096 h=" + fnv(0x811c9dc5, BODY, 4096).toString(16),
    ].join("\n"));
    expect(msrpStreamWrite(s, BODY, 1, false, 2000)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    expect(msrpStreamAbort(s, 2000)).toBe(-1);
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
    expect(msrpPendingOut()).toBe(0);
    // aborted with its frames still unanswered: their 200s are ignored, no event for the sender
    log = [];
    wire = false;
    const s1 = msrpStreamStart(hA, bytes("strmabr2"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(s1, BODY, 2048, false, 2000)).toBe(2048);
    expect(msrpStreamAbort(s1, 2000)).toBe(0);
    drain();
    expect(logStr()).toBe("c1 SEND BR=1-2048/* +\nc1 SEND BR=2049-2048/* #");
    expect(msrpNextDeadline()).toBe(-1);
    // nothing went out yet: just freed
    log = [];
    const s2 = msrpStreamStart(hA, bytes("strmabr3"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(s2, BODY, 100, false, 2000)).toBe(100);   // staged only
    expect(msrpStreamAbort(s2, 2000)).toBe(0);
    drain();
    expect(logStr()).toBe("");
    expect(msrpPendingOut()).toBe(0);
  });

  test("a stream and a regular message on one session keep their order", () => {
    pair(true, 65536);
    fillBody(5000);
    verbose = false; log = []; sendFrames = [];
    const s = msrpStreamStart(hA, bytes("strmord1"), 8, bytes("text/plain"), 10, 5000, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 3000, false, 2000)).toBe(3000);
    expect(msrpSendMessage(hA, bytes("regular1"), 8, bytes("text/plain"), 10, bytes("hello"), 5, 0, 0, 2000)).toBe(0);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/5000+");   // the regular message waits for the stream
    expect(msrpStreamWrite(s, BODY + 3000, 2000, false, 2000)).toBe(2000);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-2048/5000+,2049-4096/5000+,4097-5000/5000$,1-5/5$");
    expect(logStr()).toBe([
      "DONE B strmord1 n=5000 h=" + fnv(0x811c9dc5, BODY, 5000).toString(16), "SENT A strmord1",
      "DONE B regular1 n=5 h=" + fnv(0x811c9dc5, bytes("hello"), 5).toString(16), "SENT A regular1",
    ].join("\n"));
    // the other way round: a stream started behind a message waits for its MESSAGE_SENT
    log = []; sendFrames = [];
    expect(msrpSendMessage(hA, bytes("regular2"), 8, bytes("text/plain"), 10, bytes("first"), 5, 0, 0, 2000)).toBe(0);
    drain();   // on the wire, its 200 not back yet
    const t = msrpStreamStart(hA, bytes("strmord2"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(t).toBeGreaterThanOrEqual(0);
    expect(msrpStreamRoom(t)).toBe(0);
    expect(msrpSessionRoom(hA)).toBe(0);
    expect(msrpStreamWrite(t, BODY, 100, true, 2000)).toBe(0);
    run(65536, 2000);
    expect(log[log.length - 1]).toBe("SENT A regular2");
    expect(msrpStreamRoom(t)).toBeGreaterThan(100);
    expect(msrpStreamWrite(t, BODY, 100, true, 2000)).toBe(100);
    run(65536, 2000);
    expect(sendFrames.join(",")).toBe("1-5/5$,1-100/*$");
    expect(log[log.length - 1]).toBe("SENT A strmord2");
    expect(orderErr).toBe(0);
  });

  test("stale handles give -1", () => {
    pair(true, 65536);
    expect(msrpStreamWrite(-1, BODY, 1, false, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    expect(msrpStreamWrite(0x7fffffff, BODY, 1, false, 0)).toBe(-1);
    expect(msrpStreamRoom(12345)).toBe(-1);
    expect(msrpStreamAbort(99, 0)).toBe(-1);
    const s = msrpStreamStart(hA, bytes("strmstal"), 8, bytes("text/plain"), 10, 2, 0, 0, 2000);
    expect(msrpStreamWrite(s, bytes("ok"), 2, true, 2000)).toBe(2);
    run(65536, 2000);
    expect(log[log.length - 1]).toBe("SENT A strmstal");
    expect(msrpStreamWrite(s, bytes("ok"), 2, true, 2000)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    // the slot is reused with a new generation: the old handle stays stale
    const s2 = msrpStreamStart(hA, bytes("strmsta2"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(s2 & 0xff).toBe(s & 0xff);
    expect(s2).not.toBe(s);
    expect(msrpStreamRoom(s)).toBe(-1);
    expect(msrpStreamRoom(s2)).toBeGreaterThan(0);
    // a closed session's streams are gone; a stale session handle starts nothing
    msrpSessionClose(hA);
    expect(msrpStreamRoom(s2)).toBe(-1);
    expect(msrpStreamStart(hA, bytes("strmsta3"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    expect(msrpSessionRoom(hA)).toBe(-1);
  });

  test("SEND_FAILED on a 481 response, on the 30 s timeout and on connection loss; then writes give -1", () => {
    // 481: B2 is gone while A2 streams to it (the connection stays, B uses it)
    twoPairs();
    fillBody(5000);
    msrpSessionClose(hB2);
    log = [];
    const s = msrpStreamStart(hA2, bytes("strm481x"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(s, BODY, 5000, false, 2000)).toBe(5000);
    run(65536, 2000);
    expect(logStr()).toBe([
      "c1 SEND BR=1-2048/* +", "c1 SEND BR=2049-4096/* +",
      "c2 481 session does not exist $", "c2 481 session does not exist $",
      "FAILED A2 strm481x 481",
    ].join("\n"));
    expect(msrpStreamWrite(s, BODY, 10, true, 2000)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadHandle);
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
    // 30 s without a response: 408
    pair(true, 65536);
    wire = false; log = [];
    const t = msrpStreamStart(hA, bytes("strmtime"), 8, bytes("text/plain"), 10, -1, 0, 0, 5000);
    expect(msrpStreamWrite(t, BODY, 2048, false, 5000)).toBe(2048);
    drain();
    expect(msrpNextDeadline()).toBe(35000);
    msrpOnTimer(34999); drain();
    expect(logStr()).toBe("c1 SEND BR=1-2048/* +");
    msrpOnTimer(35000); drain();
    expect(logStr()).toBe("c1 SEND BR=1-2048/* +\nFAILED A strmtime 408");
    expect(msrpStreamWrite(t, BODY, 10, false, 35000)).toBe(-1);
    expect(msrpStreamRoom(t)).toBe(-1);
    // the connection drops mid-stream: 503, and the session is lost
    pair(true, 65536);
    wire = false; log = [];
    const u = msrpStreamStart(hA, bytes("strmdrop"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    expect(msrpStreamWrite(u, BODY, 3000, false, 2000)).toBe(3000);
    msrpOnConnClosed(1); drain();
    expect(logStr()).toBe("c1 SEND BR=1-2048/* +\nFAILED A strmdrop 503\nLOST A");
    expect(msrpStreamWrite(u, BODY, 10, false, 2000)).toBe(-1);
    expect(msrpNextDeadline()).toBe(-1);
  });

  test("two streams share the send window: every write takes the room it was promised", () => {
    twoPairs();
    const want = fillBody(200000);
    verbose = false; log = [];
    const s1 = msrpStreamStart(hA, bytes("share001"), 8, bytes("text/plain"), 10, 200000, 0, 0, 2000);
    const s2 = msrpStreamStart(hA2, bytes("share002"), 8, bytes("text/plain"), 10, -1, 0, 0, 2000);
    let o1 = 0, o2 = 0, short = 0;
    for (let k = 0; k < 10000 && (o1 < 200000 || o2 < 200000); k++) {
      const r1 = msrpStreamRoom(s1), r2 = msrpStreamRoom(s2);
      const n1 = min(r1, 200000 - o1), n2 = min(r2, 200000 - o2);
      // both rooms were read first; then both writes: each still gets all it was promised
      if (o1 < 200000) { const w = msrpStreamWrite(s1, BODY + <usize>o1, n1, false, 2000); expect(w).toBe(n1); o1 += w; drain(); }
      if (o2 < 200000) { const w = msrpStreamWrite(s2, BODY + <usize>o2, n2, o2 + n2 == 200000, 2000); expect(w).toBe(n2); o2 += w; drain(); }
      pipeTo(2);
      if (n1 < 8192 || n2 < 8192) { short++; pipeTo(1); }
    }
    run(65536, 2000);
    expect(short).toBeGreaterThan(2);
    expect(orderErr).toBe(0);
    const h = want.toString(16);
    expect(log.includes("DONE B share001 n=200000 h=" + h)).toBe(true);
    expect(log.includes("DONE B2 share002 n=200000 h=" + h)).toBe(true);
    expect(log.includes("SENT A share001")).toBe(true);
    expect(log.includes("SENT A2 share002")).toBe(true);
    expect(log.length).toBe(4);
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
  });

  test("Failure-Report: no stream: MESSAGE_SENT once the '$' is written", () => {
    pair(true, 65536);
    fillBody(5000);
    log = [];
    const s = msrpStreamStart(hA, bytes("strmnofr"), 8, bytes("text/plain"), 10, -1, 0, REPORT_NO, 2000);
    expect(msrpStreamWrite(s, BODY, 5000, true, 2000)).toBe(5000);
    drain();
    expect(logStr()).toBe("c1 SEND BR=1-2048/* +\nc1 SEND BR=2049-4096/* +\nc1 SEND BR=4097-5000/* $\nSENT A strmnofr");
    expect(msrpStreamRoom(s)).toBe(-1);
    run(65536, 2000);
    expect(log[log.length - 1]).toBe("DONE B strmnofr n=5000 h=" + fnv(0x811c9dc5, BODY, 5000).toString(16));
    expect(msrpNextDeadline()).toBe(-1);
  });

  test("bad arguments, full pools, unbound sessions", () => {
    pair(true, 65536);
    const id = bytes("strmargs"), ct = bytes("text/plain");
    expect(msrpStreamStart(hA, id, 3, ct, 10, -1, 0, 0, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadArg);
    expect(msrpStreamStart(hA, id, 8, ct, 0, -1, 0, 0, 0)).toBe(-1);
    expect(msrpStreamStart(hA, id, 8, ct, 10, -2, 0, 0, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadArg);
    expect(msrpStreamStart(hA, id, 8, ct, 10, -1, 9, 0, 0)).toBe(-1);
    msrpSessionSetRemoteMaxSize(hA, 100);
    expect(msrpStreamStart(hA, id, 8, ct, 10, 101, 0, 0, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.TooLarge);
    expect(msrpSessErrCode(msrpLastError())).toBe(413);
    // total '*': the peer's max-size still holds
    let s = msrpStreamStart(hA, id, 8, ct, 10, -1, 0, 0, 0);
    expect(msrpStreamRoom(s)).toBe(100);
    expect(msrpStreamWrite(s, BODY, 101, false, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.TooLarge);
    expect(msrpStreamWrite(s, BODY, -1, false, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadArg);
    expect(msrpStreamAbort(s, 0)).toBe(0);
    msrpSessionSetRemoteMaxSize(hA, 0);
    // past the total, or last = true short of it
    s = msrpStreamStart(hA, id, 8, ct, 10, 10, 0, 0, 0);
    expect(msrpStreamRoom(s)).toBe(10);
    expect(msrpStreamWrite(s, BODY, 11, false, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadArg);
    expect(msrpStreamWrite(s, BODY, 9, true, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.BadArg);
    expect(msrpStreamWrite(s, BODY, 4, false, 0)).toBe(4);
    expect(msrpStreamRoom(s)).toBe(6);
    expect(msrpStreamAbort(s, 0)).toBe(0);
    drain();
    // the outgoing pool is shared with msrpSendMessage
    fresh();
    const hs = msrpSessionCreate(RAND_A, 16, bytes("h.example"), 9, 1000, false);
    expect(msrpSessionRoom(hs)).toBe(0);   // not bound
    expect(msrpTxnFree()).toBe(MSRP_TXN_MAX);
    const got: i32[] = [];
    for (let i = 0; i < MSRP_OUT_MAX; i++) {
      const t = msrpStreamStart(hs, id, 8, ct, 10, -1, 0, 0, 0);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(msrpStreamRoom(t)).toBe(0);   // waits: the session is not bound
      expect(msrpStreamWrite(t, BODY, 10, false, 0)).toBe(0);
      got.push(t);
    }
    expect(msrpStreamStart(hs, id, 8, ct, 10, -1, 0, 0, 0)).toBe(-1);
    expect(msrpLastError()).toBe(MsrpSessErr.OutPoolFull);
    expect(msrpSendMessage(hs, id, 8, ct, 10, bytes("x"), 1, 0, 0)).toBe(-1);
    for (let i = 0; i < got.length; i++) expect(msrpStreamAbort(got[i], 0)).toBe(0);
    expect(msrpStreamStart(hs, id, 8, ct, 10, -1, 0, 0, 0)).toBeGreaterThanOrEqual(0);
    drain();
    expect(logStr()).toBe("");
  });
});
