// RFC 3261 §17 transaction machines on a fake clock: exact retransmission schedules
// (Timers A/B, E/F, G/H), the linger timers (D, I, J, K), matching (§17.1.3, §17.2.3,
// §9.2 and the RFC 2543 fallback), pool exhaustion and stale handles, and the message arena:
// a completed transaction keeps only what it may send again (its final or ACK), so a UDP
// burst of completed transactions lingering for Timer J does not exhaust the pool.
import {
  txnClientStart, txnClientMatch, txnClientOnResponse, txnClientSendAck,
  txnServerMatch, txnServerCancelTarget, txnServerStart, txnServerSetLocalTag,
  txnServerSendResponse, txnServerOnRetransmit, txnServerOnAck,
  txnOnTransportError, txnOnTimer, txnNextDeadline, txnLastError, txnState, txnKind, txnActive,
  txnReset, txnActCount, txnActPop, txnActHandle, txnActPtr, txnActLen, txnActStatus, txnActDropped,
  txnLegacyKey, txnTagKey, txnErrStatus, txnErrReason, txnPeer,
  txnKeptLen, txnArenaFreeBytes, txnArenaConsistent, txnKeepFailures,
  TxnAct, TxnErr, TxnState, TxnKind, TXN_METHOD_INVITE, TXN_METHOD_ACK, TXN_METHOD_CANCEL,
} from "../../../assembly/sip/transaction";
import { TXN_MAX, TXN_MSG_CAP, TXN_ACT_MAX, TXN_ARENA_BYTES, TXN_ARENA_UNIT } from "../../../assembly/mem/limits";

const M_BYE: i32 = 3;
const M_OPTIONS: i32 = 5;
const M_REGISTER: i32 = 6;
const M_MESSAGE: i32 = 7;

// Test-side byte arena (spans passed to the module under test).
const BUF = memory.data(65536);
let cur: i32 = 0;
function bytes(s: string): usize {
  const p = BUF + <usize>cur;
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  cur += s.length;
  if (cur > 60000) cur = 0;
  return p;
}
const BIG = memory.data(8192);

// Event log filled by drain().
let evOp: i32[] = [];
let evH: i32[] = [];
let evStatus: i32[] = [];
let evT: i32[] = [];
let evPtr: usize[] = [];
let evLen: i32[] = [];

function clearLog(): void {
  evOp = []; evH = []; evStatus = []; evT = []; evPtr = []; evLen = [];
}
function drain(now: f64): void {
  for (let k = 0; k < 1000 && txnActCount() > 0; k++) {
    evOp.push(txnActPop()); evH.push(txnActHandle()); evStatus.push(txnActStatus());
    evT.push(<i32>now); evPtr.push(txnActPtr()); evLen.push(txnActLen());
  }
}
/** The host loop: call txnOnTimer exactly at each deadline up to `end`. */
function runTo(end: f64): void {
  for (let k = 0; k < 10000; k++) {
    const d = txnNextDeadline();
    if (d < 0 || d > end) break;
    txnOnTimer(d);
    drain(d);
  }
}
function fresh(): void { txnReset(); clearLog(); cur = 0; }

/** "t:OP,t:OP,..." for one handle (OP letters: S=send R=response O=timeout X=transport A=ack-needed T=terminated Y=send-trying). */
function trace(h: i32): string {
  let s = "";
  for (let i = 0; i < evOp.length; i++) {
    if (evH[i] != h) continue;
    if (s.length > 0) s += ",";
    s += evT[i].toString() + ":" + opLetter(evOp[i]);
  }
  return s;
}
function opLetter(op: i32): string {
  if (op == TxnAct.Send) return "S";
  if (op == TxnAct.TuResponse) return "R";
  if (op == TxnAct.TuTimeout) return "O";
  if (op == TxnAct.TuTransportError) return "X";
  if (op == TxnAct.AckNeeded) return "A";
  if (op == TxnAct.TuTerminated) return "T";
  if (op == TxnAct.SendTrying) return "Y";
  return "?";
}
/** Times of SEND actions for h, comma-separated. */
function sends(h: i32): string {
  let s = "";
  for (let i = 0; i < evOp.length; i++) {
    if (evH[i] != h || evOp[i] != TxnAct.Send) continue;
    if (s.length > 0) s += ",";
    s += evT[i].toString();
  }
  return s;
}
function lastSendText(h: i32): string {
  for (let i = evOp.length - 1; i >= 0; i--) {
    if (evH[i] == h && evOp[i] == TxnAct.Send) {
      let s = "";
      for (let j = 0; j < evLen[i]; j++) s += String.fromCharCode(load<u8>(evPtr[i] + <usize>j));
      return s;
    }
  }
  return "";
}

const INVITE_MSG = "INVITE sip:bob@b.example SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bKc1\r\n\r\n";

function clientStart(method: i32, reliable: bool, branch: string, msg: string, now: f64): i32 {
  const b = bytes(branch);
  const m = bytes(msg);
  const h = txnClientStart(method, reliable, 7, m, msg.length, b, branch.length, now);
  drain(now);
  return h;
}
function serverStart(method: i32, reliable: bool, branch: string, sentBy: string, now: f64): i32 {
  const b = bytes(branch); const s = bytes(sentBy);
  const h = txnServerStart(method, b, branch.length, s, sentBy.length, reliable, 9, now);
  drain(now);
  return h;
}
function serverMatch(method: i32, branch: string, sentBy: string): i32 {
  const b = bytes(branch); const s = bytes(sentBy);
  return txnServerMatch(method, b, branch.length, s, sentBy.length);
}
/** Like the host: timers due before the event run first. */
function respond(h: i32, status: i32, text: string, now: f64): i32 {
  runTo(now);
  const p = bytes(text);
  const e = txnServerSendResponse(h, status, p, text.length, now);
  drain(now);
  return e;
}
function clientResp(h: i32, status: i32, now: f64): i32 {
  runTo(now);
  const e = txnClientOnResponse(h, status, now);
  drain(now);
  return e;
}

describe("INVITE client transaction (§17.1.1)", () => {
  test("UDP: Timer A doubles without cap, Timer B times out at 64*T1", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc1", INVITE_MSG, 0);
    expect(h).toBeGreaterThan(0);
    expect(txnState(h)).toBe(TxnState.Calling);
    expect(txnKind(h)).toBe(TxnKind.ClientInvite);
    expect(txnNextDeadline()).toBe(500);
    runTo(100000);
    expect(sends(h)).toBe("0,500,1500,3500,7500,15500,31500");
    expect(trace(h)).toBe("0:S,500:S,1500:S,3500:S,7500:S,15500:S,31500:S,32000:O,32000:T");
    expect(lastSendText(h)).toBe(INVITE_MSG);
    expect(txnState(h)).toBe(-1);
    expect(txnNextDeadline()).toBe(-1);
    expect(txnActive()).toBe(0);
  });
  test("TCP: no retransmissions, Timer B still fires", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, true, "z9hG4bKc2", INVITE_MSG, 1000);
    runTo(100000);
    expect(trace(h)).toBe("1000:S,33000:O,33000:T");
  });
  test("late host: a late txnOnTimer still ends with Timer B, one retransmission per call", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc3", INVITE_MSG, 0);
    txnOnTimer(40000); drain(40000);
    // A was due (resend), then B (timeout) in deadline order, all in one call.
    expect(trace(h)).toBe("0:S,40000:S,40000:O,40000:T");
  });
  test("1xx -> Proceeding: retransmissions and Timer B stop", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc4", INVITE_MSG, 0);
    runTo(600);
    expect(clientResp(h, 100, 700)).toBe(TxnErr.Ok);
    expect(txnState(h)).toBe(TxnState.Proceeding);
    expect(clientResp(h, 180, 800)).toBe(TxnErr.Ok);
    expect(txnNextDeadline()).toBe(-1);
    runTo(100000);
    expect(trace(h)).toBe("0:S,500:S,700:R,800:R");
    expect(txnState(h)).toBe(TxnState.Proceeding);
  });
  test("2xx terminates at once (RFC 3261; RFC 6026 Accepted not implemented)", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc5", INVITE_MSG, 0);
    clientResp(h, 180, 100);
    clientResp(h, 200, 200);
    expect(trace(h)).toBe("0:S,100:R,200:R,200:T");
    expect(txnState(h)).toBe(-1);
    expect(clientResp(h, 200, 300)).toBe(TxnErr.BadHandle);
  });
  test("UDP 486: ACK_NEEDED, ACK kept and re-sent on retransmitted final, Timer D = 32 s", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc6", INVITE_MSG, 0);
    clientResp(h, 486, 1000);
    expect(txnState(h)).toBe(TxnState.Completed);
    const ack = "ACK sip:bob@b.example SIP/2.0\r\n\r\n";
    expect(txnClientSendAck(h, bytes(ack), ack.length)).toBe(TxnErr.Ok);
    drain(1000);
    clientResp(h, 486, 2000);      // retransmission: ACK again, not passed up
    clientResp(h, 180, 2100);      // stray provisional: ignored
    expect(lastSendText(h)).toBe(ack);
    runTo(100000);
    expect(trace(h)).toBe("0:S,500:S,1000:A,1000:R,1000:S,2000:S,33000:T");
  });
  test("TCP 603: Timer D = 0, the ACK can still be sent before the timer runs", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, true, "z9hG4bKc7", INVITE_MSG, 0);
    clientResp(h, 603, 50);
    expect(txnNextDeadline()).toBe(50);
    const ack = "ACK sip:bob@b.example SIP/2.0\r\n\r\n";
    expect(txnClientSendAck(h, bytes(ack), ack.length)).toBe(TxnErr.Ok);
    drain(50);
    runTo(50);
    expect(trace(h)).toBe("0:S,50:A,50:R,50:S,50:T");
  });
  test("retransmitted final before the TU built an ACK asks again", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc8", INVITE_MSG, 0);
    clientResp(h, 404, 10);
    clientResp(h, 404, 20);
    expect(trace(h)).toBe("0:S,10:A,10:R,20:A");
  });
  test("bad status codes give BadStatus and change nothing", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKc9", INVITE_MSG, 0);
    const bad: i32[] = [0, 99, 700, -5, 1000, 0x7fffffff];
    for (let i = 0; i < bad.length; i++) {
      expect(clientResp(h, bad[i], 10)).toBe(TxnErr.BadStatus);
      expect(txnState(h)).toBe(TxnState.Calling);
    }
    expect(trace(h)).toBe("0:S");
  });
  test("transport error: TU told (503-equivalent), Terminated", () => {
    fresh();
    const h = clientStart(TXN_METHOD_INVITE, true, "z9hG4bKca", INVITE_MSG, 0);
    expect(txnOnTransportError(h)).toBe(TxnErr.Ok);
    drain(5);
    expect(trace(h)).toBe("0:S,5:X,5:T");
    expect(evStatus[1]).toBe(503);
    expect(txnOnTransportError(h)).toBe(TxnErr.BadHandle);
    expect(txnNextDeadline()).toBe(-1);
  });
});

describe("non-INVITE client transaction (§17.1.2)", () => {
  test("UDP: Timer E doubles up to T2, Timer F at 64*T1", () => {
    fresh();
    const h = clientStart(M_MESSAGE, false, "z9hG4bKn1", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    expect(txnState(h)).toBe(TxnState.Trying);
    expect(txnKind(h)).toBe(TxnKind.ClientNonInvite);
    runTo(100000);
    expect(sends(h)).toBe("0,500,1500,3500,7500,11500,15500,19500,23500,27500,31500");
    expect(trace(h)).toBe("0:S,500:S,1500:S,3500:S,7500:S,11500:S,15500:S,19500:S,23500:S,27500:S,31500:S,32000:O,32000:T");
  });
  test("TCP: no Timer E, Timer F fires", () => {
    fresh();
    const h = clientStart(M_OPTIONS, true, "z9hG4bKn2", "OPTIONS sip:b SIP/2.0\r\n\r\n", 0);
    runTo(100000);
    expect(trace(h)).toBe("0:S,32000:O,32000:T");
  });
  test("Proceeding: Timer E re-armed with T2", () => {
    fresh();
    const h = clientStart(M_MESSAGE, false, "z9hG4bKn3", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    runTo(600);
    clientResp(h, 100, 600);
    expect(txnState(h)).toBe(TxnState.Proceeding);
    runTo(100000);
    expect(sends(h)).toBe("0,500,1500,5500,9500,13500,17500,21500,25500,29500");
    expect(trace(h)).toBe("0:S,500:S,600:R,1500:S,5500:S,9500:S,13500:S,17500:S,21500:S,25500:S,29500:S,32000:O,32000:T");
  });
  test("UDP 200 -> Completed absorbs retransmissions, Timer K = T4", () => {
    fresh();
    const h = clientStart(M_MESSAGE, false, "z9hG4bKn4", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    clientResp(h, 200, 700);
    expect(txnState(h)).toBe(TxnState.Completed);
    clientResp(h, 200, 800);
    clientResp(h, 100, 900);
    runTo(100000);
    expect(trace(h)).toBe("0:S,500:S,700:R,5700:T");
  });
  test("TCP 404 -> Timer K = 0", () => {
    fresh();
    const h = clientStart(M_BYE, true, "z9hG4bKn5", "BYE sip:b SIP/2.0\r\n\r\n", 0);
    clientResp(h, 404, 300);
    runTo(100000);
    expect(trace(h)).toBe("0:S,300:R,300:T");
  });
  test("ACK creates no transaction", () => {
    fresh();
    expect(clientStart(TXN_METHOD_ACK, false, "z9hG4bKn6", "ACK sip:b SIP/2.0\r\n\r\n", 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.AckNoTxn);
    expect(txnActive()).toBe(0);
  });
});

describe("client matching (§17.1.3)", () => {
  test("branch + CSeq method; CANCEL is its own transaction", () => {
    fresh();
    const inv = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKm1", INVITE_MSG, 0);
    const can = clientStart(TXN_METHOD_CANCEL, false, "z9hG4bKm1", "CANCEL sip:b SIP/2.0\r\n\r\n", 0);
    const msg = clientStart(M_MESSAGE, false, "z9hG4bKm2", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    const rows: string[] = ["z9hG4bKm1", "z9hG4bKm1", "z9hG4bKm2", "z9hG4bKm2", "z9hG4bKm1x", "z9hG4bkm1", ""];
    const meth: i32[] = [TXN_METHOD_INVITE, TXN_METHOD_CANCEL, M_MESSAGE, TXN_METHOD_INVITE, TXN_METHOD_INVITE, TXN_METHOD_INVITE, TXN_METHOD_INVITE];
    const want: i32[] = [inv, can, msg, -1, -1, -1, -1];
    for (let i = 0; i < rows.length; i++) {
      const b = bytes(rows[i]);
      expect(txnClientMatch(b, rows[i].length, meth[i])).toBe(want[i], rows[i]);
    }
  });
  test("a long branch (> TXN_BRANCH_CAP) matches whole, not by prefix", () => {
    fresh();
    let long = "z9hG4bK";
    for (let i = 0; i < 80; i++) long += "a";
    const h = clientStart(M_MESSAGE, false, long + "1", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    const b1 = bytes(long + "1");
    expect(txnClientMatch(b1, long.length + 1, M_MESSAGE)).toBe(h);
    const b2 = bytes(long + "2");
    expect(txnClientMatch(b2, long.length + 1, M_MESSAGE)).toBe(-1);
  });
});

describe("INVITE server transaction (§17.2.1)", () => {
  test("UDP 486: Timer G doubles to T2, Timer H times out without ACK", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs1", "a.example:5060", 0);
    expect(txnState(h)).toBe(TxnState.Proceeding);
    expect(txnKind(h)).toBe(TxnKind.ServerInvite);
    expect(respond(h, 100, "SIP/2.0 100 Trying\r\n\r\n", 0)).toBe(TxnErr.Ok);
    expect(respond(h, 486, "SIP/2.0 486 Busy Here\r\n\r\n", 1000)).toBe(TxnErr.Ok);
    expect(txnState(h)).toBe(TxnState.Completed);
    runTo(100000);
    expect(sends(h)).toBe("0,1000,1500,2500,4500,8500,12500,16500,20500,24500,28500,32500");
    expect(trace(h)).toBe("0:S,1000:S,1500:S,2500:S,4500:S,8500:S,12500:S,16500:S,20500:S,24500:S,28500:S,32500:S,33000:O,33000:T");
    expect(lastSendText(h)).toBe("SIP/2.0 486 Busy Here\r\n\r\n");
  });
  test("UDP: ACK -> Confirmed stops G, absorbs retransmissions, Timer I = T4", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs2", "a.example", 0);
    respond(h, 180, "SIP/2.0 180 Ringing\r\n\r\n", 50);
    txnServerOnRetransmit(h); drain(300);            // Proceeding: resend the 180
    expect(lastSendText(h)).toBe("SIP/2.0 180 Ringing\r\n\r\n");
    respond(h, 603, "SIP/2.0 603 Decline\r\n\r\n", 1000);
    runTo(2000);
    txnServerOnRetransmit(h); drain(2100);           // Completed: resend the final
    expect(lastSendText(h)).toBe("SIP/2.0 603 Decline\r\n\r\n");
    expect(serverMatch(TXN_METHOD_ACK, "z9hG4bKs2", "a.example")).toBe(h);
    expect(txnServerOnAck(h, 3000)).toBe(TxnErr.Ok);
    expect(txnState(h)).toBe(TxnState.Confirmed);
    txnServerOnRetransmit(h); drain(3500);           // Confirmed: absorbed
    txnServerOnAck(h, 3600);                         // ACK retransmission absorbed
    runTo(100000);
    expect(trace(h)).toBe("50:S,300:S,1000:S,1500:S,2100:S,8000:T");
  });
  test("TCP: no Timer G; ACK -> Timer I = 0; Timer H alone without ACK", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, true, "z9hG4bKs3", "a.example", 0);
    respond(h, 404, "SIP/2.0 404 Not Found\r\n\r\n", 100);
    txnServerOnAck(h, 400);
    runTo(100000);
    expect(trace(h)).toBe("100:S,400:T");
    const g = serverStart(TXN_METHOD_INVITE, true, "z9hG4bKs4", "a.example", 0);
    respond(g, 404, "SIP/2.0 404 Not Found\r\n\r\n", 100);
    runTo(100000);
    expect(trace(g)).toBe("100:S,32100:O,32100:T");
  });
  test("100 Trying timer: SEND_TRYING at 200 ms unless the TU answered", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs5", "a.example", 0);
    runTo(1000);
    expect(trace(h)).toBe("200:Y");
    const g = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs6", "a.example", 1000);
    respond(g, 180, "SIP/2.0 180 Ringing\r\n\r\n", 1100);
    runTo(5000);
    expect(trace(g)).toBe("1100:S");
  });
  test("2xx from the TU terminates at once, SEND points at the caller's bytes", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs7", "a.example", 0);
    respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 100);
    expect(trace(h)).toBe("100:S,100:T");
    expect(lastSendText(h)).toBe("SIP/2.0 200 OK\r\n\r\n");
    expect(serverMatch(TXN_METHOD_ACK, "z9hG4bKs7", "a.example")).toBe(-1);  // ACK for 2xx -> TU
    expect(txnNextDeadline()).toBe(-1);
  });
  test("responses after the final are refused (BadState)", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs8", "a.example", 0);
    respond(h, 486, "SIP/2.0 486 Busy Here\r\n\r\n", 0);
    expect(respond(h, 180, "SIP/2.0 180 Ringing\r\n\r\n", 10)).toBe(TxnErr.BadState);
    expect(respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 10)).toBe(TxnErr.BadState);
    expect(txnState(h)).toBe(TxnState.Completed);
  });
  test("a final too large to keep over UDP is refused without a state change; over TCP it is sent", () => {
    fresh();
    const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKs9", "a.example", 0);
    expect(txnServerSendResponse(h, 500, BIG, TXN_MSG_CAP + 1, 0)).toBe(TxnErr.MsgTooLong);
    expect(txnState(h)).toBe(TxnState.Proceeding);
    expect(txnServerSendResponse(h, 500, BIG, TXN_MSG_CAP, 0)).toBe(TxnErr.Ok);
    const g = serverStart(TXN_METHOD_INVITE, true, "z9hG4bKsa", "a.example", 0);
    expect(txnServerSendResponse(g, 500, BIG, 8000, 0)).toBe(TxnErr.Ok);
    drain(0);
    expect(evPtr[evPtr.length - 1]).toBe(BIG);
    expect(evLen[evLen.length - 1]).toBe(8000);
  });
});

describe("non-INVITE server transaction (§17.2.2)", () => {
  test("UDP: Trying absorbs, Completed resends the final, Timer J = 64*T1", () => {
    fresh();
    const h = serverStart(M_MESSAGE, false, "z9hG4bKj1", "a.example:5070", 0);
    expect(txnState(h)).toBe(TxnState.Trying);
    expect(txnKind(h)).toBe(TxnKind.ServerNonInvite);
    txnServerOnRetransmit(h); drain(100);           // Trying: discarded
    runTo(1000);                                    // no 100-Trying timer for non-INVITE
    respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 1000);
    expect(txnState(h)).toBe(TxnState.Completed);
    txnServerOnRetransmit(h); drain(1500);
    txnServerOnRetransmit(h); drain(2500);
    expect(respond(h, 500, "SIP/2.0 500 X\r\n\r\n", 2600)).toBe(TxnErr.BadState);
    expect(lastSendText(h)).toBe("SIP/2.0 200 OK\r\n\r\n");
    runTo(100000);
    expect(trace(h)).toBe("1000:S,1500:S,2500:S,33000:T");
  });
  test("Proceeding resends the latest provisional", () => {
    fresh();
    const h = serverStart(M_MESSAGE, false, "z9hG4bKj2", "a.example", 0);
    respond(h, 100, "SIP/2.0 100 Trying\r\n\r\n", 10);
    expect(txnState(h)).toBe(TxnState.Proceeding);
    txnServerOnRetransmit(h); drain(20);
    expect(lastSendText(h)).toBe("SIP/2.0 100 Trying\r\n\r\n");
    expect(trace(h)).toBe("10:S,20:S");
  });
  test("TCP: Timer J = 0", () => {
    fresh();
    const h = serverStart(M_OPTIONS, true, "z9hG4bKj3", "a.example", 0);
    respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 40);
    runTo(100000);
    expect(trace(h)).toBe("40:S,40:T");
  });
  test("ACK on a non-INVITE transaction is refused", () => {
    fresh();
    const h = serverStart(M_OPTIONS, true, "z9hG4bKj4", "a.example", 0);
    expect(txnServerOnAck(h, 0)).toBe(TxnErr.BadState);
    expect(txnClientOnResponse(h, 200, 0)).toBe(TxnErr.BadState);
    expect(txnClientSendAck(h, BIG, 3)).toBe(TxnErr.BadState);
  });
});

describe("server matching (§17.2.3, §9.2)", () => {
  test("table: branch + sent-by + method; ACK -> INVITE; CANCEL only its own", () => {
    fresh();
    const inv = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKx1", "pc33.example.com:5060", 0);
    const bye = serverStart(M_BYE, false, "z9hG4bKx2", "pc33.example.com:5060", 0);
    const methods: i32[] = [TXN_METHOD_INVITE, TXN_METHOD_ACK, TXN_METHOD_CANCEL, M_BYE, M_BYE, TXN_METHOD_INVITE, TXN_METHOD_INVITE, TXN_METHOD_INVITE, TXN_METHOD_INVITE, TXN_METHOD_ACK];
    const branches: string[] = ["z9hG4bKx1", "z9hG4bKx1", "z9hG4bKx1", "z9hG4bKx2", "z9hG4bKx1", "z9hG4bKx1", "z9hG4bKx1", "z9hG4bKx3", "z9hG4bKx1x", "z9hG4bKx2"];
    const sentBys: string[] = ["pc33.example.com:5060", "pc33.example.com:5060", "pc33.example.com:5060", "pc33.example.com:5060", "pc33.example.com:5060", "PC33.Example.COM:5060", "pc33.example.com:5061", "pc33.example.com:5060", "pc33.example.com:5060", "pc33.example.com:5060"];
    const want: i32[] = [inv, inv, -1, bye, -1, inv, -1, -1, -1, -1];
    for (let i = 0; i < want.length; i++) {
      expect(serverMatch(methods[i], branches[i], sentBys[i])).toBe(want[i], branches[i] + " " + sentBys[i]);
    }
    // §9.2: the CANCEL gets its own transaction, and finds the INVITE as its target.
    const can = serverStart(TXN_METHOD_CANCEL, false, "z9hG4bKx1", "pc33.example.com:5060", 0);
    expect(can).toBeGreaterThan(0);
    expect(serverMatch(TXN_METHOD_CANCEL, "z9hG4bKx1", "pc33.example.com:5060")).toBe(can);
    expect(serverMatch(TXN_METHOD_INVITE, "z9hG4bKx1", "pc33.example.com:5060")).toBe(inv);
    const b = bytes("z9hG4bKx1"); const s = bytes("pc33.example.com:5060");
    expect(txnServerCancelTarget(b, 9, s, 21)).toBe(inv);
    const b2 = bytes("z9hG4bKx2");
    expect(txnServerCancelTarget(b2, 9, s, 21)).toBe(bye);
    const b3 = bytes("z9hG4bKzz");
    expect(txnServerCancelTarget(b3, 9, s, 21)).toBe(-1);
  });
  test("RFC 2543 fallback: no cookie -> key of R-URI, From tag, Call-ID, CSeq, top Via; To tag apart", () => {
    fresh();
    const ruri = "sip:bob@b.example"; const ftag = "1928301774"; const cid = "a84b4c76e66710";
    const via = "SIP/2.0/UDP pc33.example.com;branch=1234";
    const pr = bytes(ruri); const pf = bytes(ftag); const pc = bytes(cid); const pv = bytes(via);
    const key = txnLegacyKey(pr, ruri.length, pf, ftag.length, pc, cid.length, 314159, pv, via.length);
    const keyOtherCseq = txnLegacyKey(pr, ruri.length, pf, ftag.length, pc, cid.length, 314160, pv, via.length);
    const keyOtherVia = txnLegacyKey(pr, ruri.length, pf, ftag.length, pc, cid.length, 314159, pv, via.length - 1);
    expect(key).not.toBe(0);
    expect(key).not.toBe(keyOtherCseq);
    expect(key).not.toBe(keyOtherVia);
    const noTag = txnTagKey(0, 0);
    const localTag = bytes("a6c85cf");
    const localKey = txnTagKey(localTag, 7);
    const br = bytes("1234"); const sb = bytes("pc33.example.com");
    // Without a legacy key a cookie-less request can neither match nor start (-> 400).
    expect(txnServerMatch(TXN_METHOD_INVITE, br, 4, sb, 16)).toBe(-1);
    expect(txnServerStart(TXN_METHOD_INVITE, br, 4, sb, 16, false, 1, 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.NoKey);
    expect(txnErrStatus(TxnErr.NoKey)).toBe(400);
    const h = txnServerStart(TXN_METHOD_INVITE, br, 4, sb, 16, false, 1, 0, key, noTag);
    expect(h).toBeGreaterThan(0);
    expect(txnServerMatch(TXN_METHOD_INVITE, br, 4, sb, 16, key, noTag)).toBe(h);
    expect(txnServerMatch(TXN_METHOD_INVITE, br, 4, sb, 16, keyOtherCseq, noTag)).toBe(-1);
    expect(txnServerMatch(TXN_METHOD_INVITE, br, 4, sb, 16, keyOtherVia, noTag)).toBe(-1);
    expect(txnServerMatch(TXN_METHOD_INVITE, br, 4, sb, 16, key, localKey)).toBe(-1);
    expect(txnServerMatch(M_BYE, br, 4, sb, 16, key, noTag)).toBe(-1);
    // A request with the cookie never matches a 2543-keyed transaction.
    expect(serverMatch(TXN_METHOD_INVITE, "z9hG4bK1234", "pc33.example.com")).toBe(-1);
    // ACK: carries the To tag of the response; once the TU said which, only that one matches.
    txnServerSetLocalTag(h, localKey);
    expect(txnServerMatch(TXN_METHOD_ACK, br, 4, sb, 16, key, localKey)).toBe(h);
    const other = bytes("zzz");
    expect(txnServerMatch(TXN_METHOD_ACK, br, 4, sb, 16, key, txnTagKey(other, 3))).toBe(-1);
    // CANCEL target: same key and To tag, any method but CANCEL/ACK.
    expect(txnServerCancelTarget(br, 4, sb, 16, key, noTag)).toBe(h);
    // Empty branch (RFC 2543 Via without branch) works the same way.
    const h2 = txnServerStart(M_OPTIONS, br, 0, sb, 16, true, 1, 0, keyOtherCseq, noTag);
    expect(txnServerMatch(M_OPTIONS, br, 0, sb, 0, keyOtherCseq, noTag)).toBe(h2);
  });
});

describe("pool and handles", () => {
  test("pool full returns -1 (503) and leaves the others intact", () => {
    fresh();
    const hs: i32[] = [];
    for (let i = 0; i < TXN_MAX; i++) {
      const h = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKp" + i.toString(), "a.example", 0);
      expect(h).toBeGreaterThan(0);
      hs.push(h);
    }
    expect(txnActive()).toBe(TXN_MAX);
    expect(serverStart(M_MESSAGE, false, "z9hG4bKpX", "a.example", 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.PoolFull);
    expect(txnErrStatus(txnLastError())).toBe(503);
    expect(txnErrReason(txnLastError())).toBe("transaction pool full");
    expect(clientStart(M_MESSAGE, false, "z9hG4bKpY", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.PoolFull);
    for (let i = 0; i < TXN_MAX; i++) {
      expect(txnState(hs[i])).toBe(TxnState.Proceeding);
      expect(serverMatch(TXN_METHOD_INVITE, "z9hG4bKp" + i.toString(), "a.example")).toBe(hs[i]);
    }
    // Freeing one makes room again, with a new handle for the reused slot.
    respond(hs[5], 200, "SIP/2.0 200 OK\r\n\r\n", 10);
    const n = serverStart(M_MESSAGE, false, "z9hG4bKpX", "a.example", 10);
    expect(n).toBeGreaterThan(0);
    expect(n).not.toBe(hs[5]);
    expect(n & 0xff).toBe(hs[5] & 0xff);
    expect(txnState(hs[5])).toBe(-1);
    expect(respond(hs[5], 486, "SIP/2.0 486 Busy\r\n\r\n", 20)).toBe(TxnErr.BadHandle);
    expect(txnState(n)).toBe(TxnState.Trying);
  });
  test("stale and forged handles are rejected by every call", () => {
    fresh();
    const h = serverStart(M_MESSAGE, true, "z9hG4bKh1", "a.example", 0);
    respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 0);
    runTo(0);
    const bad: i32[] = [h, -1, 0, 1, 0x7fffffff, (h & 0xff) | ((((h >>> 8) + 5) & 0x7fffff) << 8), TXN_MAX, 255];
    for (let i = 0; i < bad.length; i++) {
      const x = bad[i];
      expect(txnState(x)).toBe(-1);
      expect(txnKind(x)).toBe(-1);
      expect(txnPeer(x)).toBe(0);
      expect(txnClientOnResponse(x, 200, 0)).toBe(TxnErr.BadHandle);
      expect(txnClientSendAck(x, BIG, 1)).toBe(TxnErr.BadHandle);
      expect(txnServerSendResponse(x, 200, BIG, 1, 0)).toBe(TxnErr.BadHandle);
      expect(txnServerOnRetransmit(x)).toBe(TxnErr.BadHandle);
      expect(txnServerOnAck(x, 0)).toBe(TxnErr.BadHandle);
      expect(txnServerSetLocalTag(x, 1)).toBe(TxnErr.BadHandle);
      expect(txnOnTransportError(x)).toBe(TxnErr.BadHandle);
    }
    expect(txnActCount()).toBe(0);
  });
  test("oversized UDP request is refused without using a slot; negative lengths are BadArg", () => {
    fresh();
    expect(txnClientStart(M_MESSAGE, false, 1, BIG, TXN_MSG_CAP + 1, bytes("z9hG4bKo"), 8, 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.MsgTooLong);
    expect(txnErrStatus(TxnErr.MsgTooLong)).toBe(513);
    expect(txnActive()).toBe(0);
    expect(txnClientStart(M_MESSAGE, false, 1, BIG, -1, bytes("z9hG4bKo"), 8, 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.BadArg);
    expect(txnServerStart(M_MESSAGE, BIG, -3, BIG, 2, false, 1, 0)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.BadArg);
    expect(txnServerMatch(M_MESSAGE, BIG, -3, BIG, 2)).toBe(-1);
    // Over TCP an oversized request is sent from the caller's buffer (nothing to retransmit).
    const h = txnClientStart(M_MESSAGE, true, 1, BIG, 9000, bytes("z9hG4bKo"), 8, 0);
    expect(h).toBeGreaterThan(0);
    drain(0);
    expect(evPtr[0]).toBe(BIG);
    expect(evLen[0]).toBe(9000);
    expect(txnActive()).toBe(1);
  });
  test("the queue drops (and counts) records when the caller never drains", () => {
    fresh();
    const h = serverStart(M_MESSAGE, false, "z9hG4bKq1", "a.example", 0);
    respond(h, 200, "SIP/2.0 200 OK\r\n\r\n", 0);
    for (let i = 0; i < TXN_ACT_MAX + 3; i++) txnServerOnRetransmit(h);
    expect(txnActCount()).toBe(TXN_ACT_MAX);
    expect(txnActDropped()).toBe(3);
    drain(0);
    expect(txnActCount()).toBe(0);
    expect(txnActPop()).toBe(TxnAct.None);
  });
  test("many transactions on one clock: every deadline served in order", () => {
    fresh();
    const a = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKr1", INVITE_MSG, 0);
    const b = clientStart(M_MESSAGE, false, "z9hG4bKr2", "MESSAGE sip:b SIP/2.0\r\n\r\n", 250);
    const c = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKr3", "a.example", 100);
    respond(c, 480, "SIP/2.0 480 Later\r\n\r\n", 400);
    runTo(100000);
    expect(sends(a)).toBe("0,500,1500,3500,7500,15500,31500");
    expect(sends(b)).toBe("250,750,1750,3750,7750,11750,15750,19750,23750,27750,31750");
    expect(sends(c)).toBe("400,900,1900,3900,7900,11900,15900,19900,23900,27900,31900");
    expect(trace(c)).toBe("300:Y,400:S,900:S,1900:S,3900:S,7900:S,11900:S,15900:S,19900:S,23900:S,27900:S,31900:S,32400:O,32400:T");
    expect(txnActive()).toBe(0);
  });
});

// Deterministic LCG so a failure replays.
let seed: u32 = 12345;
function rnd(n: i32): i32 { seed = seed * 1103515245 + 12345; return <i32>((seed >>> 8) % <u32>n); }

describe("random call sequences never trap or break invariants", () => {
  test("20000 mixed calls with live, stale and forged handles, odd statuses and lengths", () => {
    fresh();
    const methods: i32[] = [0, TXN_METHOD_INVITE, TXN_METHOD_ACK, M_BYE, TXN_METHOD_CANCEL, M_OPTIONS, M_MESSAGE, 99];
    const branches: string[] = ["z9hG4bKa", "z9hG4bKb", "z9hG4bKc", "1234", "", "z9hG4bK"];
    const statuses: i32[] = [-1, 0, 99, 100, 180, 183, 200, 202, 302, 404, 486, 500, 603, 699, 700];
    const hs: i32[] = [];
    for (let i = 0; i < 16; i++) hs.push(-1);
    let now: f64 = 0;
    let started = 0;
    const lk = txnLegacyKey(BIG, 4, BIG, 2, BIG, 8, 1, BIG, 10);
    for (let step = 0; step < 20000; step++) {
      const op = rnd(12);
      const slot = rnd(16);
      const h = rnd(8) == 0 ? rnd(0x7fffffff) - 1000 : hs[slot];
      const br = branches[rnd(branches.length)];
      const m = methods[rnd(methods.length)];
      const st = statuses[rnd(statuses.length)];
      const len = rnd(10) == 0 ? TXN_MSG_CAP + rnd(3) - 1 : rnd(200) - 5;
      if (op == 0) { hs[slot] = txnClientStart(m, rnd(2) == 0, 1, BIG, len, bytes(br), br.length, now); if (hs[slot] > 0) started++; }
      else if (op == 1) { hs[slot] = txnServerStart(m, bytes(br), br.length, bytes("h:1"), 3, rnd(2) == 0, 2, now, rnd(2) == 0 ? lk : 0, 1); if (hs[slot] > 0) started++; }
      else if (op == 2) txnClientOnResponse(h, st, now);
      else if (op == 3) txnServerSendResponse(h, st, BIG, len, now);
      else if (op == 4) txnServerOnRetransmit(h);
      else if (op == 5) txnServerOnAck(h, now);
      else if (op == 6) txnOnTransportError(h);
      else if (op == 7) txnClientSendAck(h, BIG, len);
      else if (op == 8) { now += <f64>rnd(3000); txnOnTimer(now); }
      else if (op == 9) { const x = txnServerMatch(m, bytes(br), br.length, bytes("h:1"), 3, lk, 1); if (x >= 0) hs[slot] = x; }
      else if (op == 10) { if (rnd(4) != 0) drain(now); }
      else { const x = txnClientMatch(bytes(br), br.length, m); if (x >= 0) expect(txnKind(x)).toBeGreaterThan(0); }
      expect(txnActive()).toBeLessThanOrEqual(TXN_MAX);
      expect(txnActCount()).toBeLessThanOrEqual(TXN_ACT_MAX);
      if ((step & 15) == 0) expect(txnArenaConsistent()).toBe(true);
      const d = txnNextDeadline();
      expect(d == -1 || d >= 0).toBe(true);
      if (evOp.length > 2000) clearLog();
    }
    expect(started).toBeGreaterThan(500);
    // Far future: only server transactions waiting on their TU (Trying/Proceeding, no timer in
    // §17.2.1/§17.2.2) and INVITE clients in Proceeding (no timer after a 1xx) may remain.
    for (let k = 0; k < 10; k++) { now += 100000; txnOnTimer(now); drain(now); }
    for (let i = 0; i < 16; i++) {
      const s = txnState(hs[i]);
      if (s < 0) continue;
      const k = txnKind(hs[i]);
      expect(k).not.toBe(TxnKind.ClientNonInvite);
      if (k == TxnKind.ClientInvite || k == TxnKind.ServerInvite) expect(s).toBe(TxnState.Proceeding);
      else expect(s == TxnState.Trying || s == TxnState.Proceeding).toBe(true);
    }
    expect(txnArenaConsistent()).toBe(true);
    txnReset();
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    expect(txnArenaConsistent()).toBe(true);
  });
});

// ---- the message arena: what a transaction keeps, and for how long ----

/** Arena bytes a kept message of len bytes takes (whole units). */
function runBytes(len: i32): i32 { return (len + TXN_ARENA_UNIT - 1) / TXN_ARENA_UNIT * TXN_ARENA_UNIT; }
/** A text of exactly n bytes that starts like a response. */
function okOf(n: i32, tag: string): string {
  let s = "SIP/2.0 200 OK\r\nX-Tag: " + tag + "\r\nX-Pad: ";
  while (s.length < n - 4) s += "p";
  return s + "\r\n\r\n";
}
/** A realistic 200 OK to a REGISTER or BYE (~330 bytes), different for each k. */
function regOk(k: i32, m: i32): string {
  const ks = k.toString(); const host = "10.0.0." + (k % 7).toString();
  return "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " + host + ":5060;branch=z9hG4bKreg" + ks + ";received=" + host + ";rport=5060\r\n" +
    "From: <sip:user" + ks + "@example.com>;tag=f" + ks + "\r\nTo: <sip:user" + ks + "@example.com>;tag=t" + ks + "\r\n" +
    "Call-ID: c" + ks + "@" + host + "\r\nCSeq: 1 " + (m == M_REGISTER ? "REGISTER" : "BYE") + "\r\n" +
    "Contact: <sip:user" + ks + "@" + host + ":5060>;expires=3600\r\nContent-Length: 0\r\n\r\n";
}
/** Pops every queued record, then once more so the queue is seen drained (copies given up are reusable). */
function drainAll(now: f64): void { drain(now); txnActPop(); }

describe("message arena: completed transactions keep only what they may re-send", () => {
  test("non-INVITE server: after Completed a retransmission gets the same final until J, from a copy of its own size; the 1xx's room is back", () => {
    fresh();
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    const h = serverStart(M_BYE, false, "z9hG4bKk1", "a.example:5060", 0);
    expect(txnKeptLen(h)).toBe(0);                         // Trying: nothing to re-send
    const trying = "SIP/2.0 100 Trying\r\n\r\n";
    respond(h, 100, trying, 10);
    expect(txnKeptLen(h)).toBe(trying.length);
    const ok = okOf(300, "k1");
    expect(respond(h, 200, ok, 20)).toBe(TxnErr.Ok);
    expect(txnState(h)).toBe(TxnState.Completed);
    expect(txnKeptLen(h)).toBe(300);
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES - runBytes(300));
    const at: f64[] = [1000, 16000, 32019];                // J = 20 + 32000
    for (let k = 0; k < at.length; k++) {
      runTo(at[k]);
      expect(txnServerOnRetransmit(h)).toBe(TxnErr.Ok);
      drain(at[k]);
      expect(lastSendText(h)).toBe(ok);
    }
    runTo(100000);
    expect(trace(h)).toBe("10:S,20:S,1000:S,16000:S,32019:S,32020:T");
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    expect(txnArenaConsistent()).toBe(true);
    expect(txnKeepFailures()).toBe(0);
  });
  test("each state keeps only its message: INVITE client (request, nothing after 1xx, ACK), non-INVITE client (nothing in Completed), INVITE server (nothing in Confirmed)", () => {
    fresh();
    const c = clientStart(TXN_METHOD_INVITE, false, "z9hG4bKk2", INVITE_MSG, 0);
    expect(txnKeptLen(c)).toBe(INVITE_MSG.length);
    clientResp(c, 180, 100);
    expect(txnKeptLen(c)).toBe(0);                         // Proceeding retransmits nothing
    clientResp(c, 486, 200);
    const ack = "ACK sip:bob@b.example SIP/2.0\r\n\r\n";
    expect(txnClientSendAck(c, bytes(ack), ack.length)).toBe(TxnErr.Ok);
    drainAll(200);
    expect(txnKeptLen(c)).toBe(ack.length);                // Completed: only the ACK (Timer D)
    const n = clientStart(M_MESSAGE, false, "z9hG4bKk3", "MESSAGE sip:b SIP/2.0\r\n\r\n", 0);
    expect(txnKeptLen(n)).toBe(25);
    clientResp(n, 200, 300);
    expect(txnKeptLen(n)).toBe(0);                         // Completed absorbs (Timer K)
    const s = serverStart(TXN_METHOD_INVITE, false, "z9hG4bKk4", "a.example", 0);
    const decline = "SIP/2.0 603 Decline\r\n\r\n";
    respond(s, 603, decline, 400);
    expect(txnKeptLen(s)).toBe(decline.length);
    txnServerOnAck(s, 500); drainAll(500);
    expect(txnState(s)).toBe(TxnState.Confirmed);
    expect(txnKeptLen(s)).toBe(0);                         // Confirmed absorbs (Timer I)
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES - runBytes(ack.length));
    // The schedules are the same as ever.
    clientResp(c, 486, 1000);
    expect(lastSendText(c)).toBe(ack);
    runTo(100000);
    expect(trace(c)).toBe("0:S,100:R,200:A,200:R,200:S,1000:S,32200:T");
    expect(trace(n)).toBe("0:S,300:R,5300:T");
    expect(trace(s)).toBe("200:Y,400:S,5500:T");
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    expect(txnArenaConsistent()).toBe(true);
  });
  test("UDP requests fill the arena to its reserve (PoolFull), their finals give the room back, and 4 KiB requests fit again", () => {
    fresh();
    const per = runBytes(TXN_MSG_CAP);
    const fit = (TXN_ARENA_BYTES - per) / per;             // one largest message stays in reserve
    const hs: i32[] = [];
    for (let k = 0; k < fit + 5; k++) {
      const h = txnClientStart(M_MESSAGE, false, 7, BIG, TXN_MSG_CAP, bytes("z9hG4bKf" + k.toString()), 9 + k.toString().length, 0);
      drain(0);
      if (h < 0) break;
      hs.push(h);
    }
    expect(hs.length).toBe(fit);
    expect(txnLastError()).toBe(TxnErr.PoolFull);
    expect(txnErrStatus(txnLastError())).toBe(503);
    // the reserve: a UDP server transaction may still start (its response will fit)...
    const s = serverStart(M_OPTIONS, false, "z9hG4bKf-s", "a.example", 0);
    expect(s).toBeGreaterThan(0);
    // ...and over TCP nothing is kept, so requests of any size still go
    const t = txnClientStart(M_MESSAGE, true, 7, BIG, TXN_MSG_CAP, bytes("z9hG4bKf-t"), 10, 0);
    expect(t).toBeGreaterThan(0);
    expect(txnKeptLen(t)).toBe(0);
    drain(0);
    for (let k = 0; k < hs.length; k++) clientResp(hs[k], 200, 100);
    drainAll(100);
    expect(txnActive()).toBe(fit + 2);                     // all still there (Timer K), none holds bytes
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    for (let k = 0; k < fit; k++) {
      const h = txnClientStart(M_MESSAGE, false, 7, BIG, TXN_MSG_CAP, bytes("z9hG4bKg" + k.toString()), 9 + k.toString().length, 200);
      drain(200);
      expect(h).toBeGreaterThan(0);
    }
    expect(txnArenaConsistent()).toBe(true);
  });
  test("arena full: a final still goes out once (from the caller's bytes) and the transaction completes; new UDP server transactions get PoolFull", () => {
    fresh();
    const per = runBytes(TXN_MSG_CAP);
    const fit = (TXN_ARENA_BYTES - per) / per;
    for (let k = 0; k < fit; k++) {
      expect(txnClientStart(M_MESSAGE, false, 7, BIG, TXN_MSG_CAP, bytes("z9hG4bKe" + k.toString()), 9 + k.toString().length, 0)).toBeGreaterThan(0);
      drain(0);
    }
    const s1 = serverStart(M_BYE, false, "z9hG4bKe-1", "a.example", 0);
    const s2 = serverStart(M_BYE, false, "z9hG4bKe-2", "a.example", 0);
    expect(s1).toBeGreaterThan(0);
    expect(s2).toBeGreaterThan(0);
    expect(txnServerSendResponse(s1, 200, BIG, TXN_MSG_CAP, 10)).toBe(TxnErr.Ok);   // takes the reserve
    drainAll(10);
    expect(txnArenaFreeBytes()).toBe(0);
    const ok = okOf(200, "e2");
    const p = bytes(ok);
    expect(txnServerSendResponse(s2, 200, p, ok.length, 20)).toBe(TxnErr.Ok);
    drain(20);
    expect(evPtr[evPtr.length - 1]).toBe(p);                // sent from the caller's bytes
    expect(lastSendText(s2)).toBe(ok);
    expect(txnState(s2)).toBe(TxnState.Completed);
    expect(txnKeptLen(s2)).toBe(0);
    expect(txnKeepFailures()).toBe(1);
    txnServerOnRetransmit(s2); drain(30);                  // nothing to answer with: absorbed
    expect(sends(s2)).toBe("20");
    expect(serverStart(M_BYE, false, "z9hG4bKe-3", "a.example", 40)).toBe(-1);
    expect(txnLastError()).toBe(TxnErr.PoolFull);
    expect(serverStart(M_BYE, true, "z9hG4bKe-4", "a.example", 40)).toBeGreaterThan(0);  // TCP needs no copy
    runTo(100000);
    expect(trace(s2)).toBe("20:S,32020:T");
    expect(txnActive()).toBe(1);                           // the TCP one, waiting for its TU
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    expect(txnArenaConsistent()).toBe(true);
  });
  test("a copy given up while its SEND is queued is not reused until the queue is drained", () => {
    fresh();
    const h = serverStart(M_MESSAGE, false, "z9hG4bKd1", "a.example", 0);
    const a = "SIP/2.0 100 Trying\r\n\r\n", b = "SIP/2.0 182 Queued\r\n\r\n", c = okOf(100, "d1");
    expect(txnServerSendResponse(h, 100, bytes(a), a.length, 0)).toBe(TxnErr.Ok);
    expect(txnServerSendResponse(h, 182, bytes(b), b.length, 0)).toBe(TxnErr.Ok);
    expect(txnServerSendResponse(h, 200, bytes(c), c.length, 0)).toBe(TxnErr.Ok);
    // three runs taken: the two replaced ones wait for the queue to drain
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES - runBytes(a.length) - runBytes(b.length) - runBytes(c.length));
    // a new copy meanwhile lands elsewhere
    const g = clientStart(M_MESSAGE, false, "z9hG4bKd2", okOf(200, "d2"), 0);   // (drains)
    expect(g).toBeGreaterThan(0);
    let sent = 0;
    for (let i = 0; i < evOp.length; i++) {
      if (evH[i] != h || evOp[i] != TxnAct.Send) continue;
      let t = "";
      for (let j = 0; j < evLen[i]; j++) t += String.fromCharCode(load<u8>(evPtr[i] + <usize>j));
      expect(t).toBe(sent == 0 ? a : sent == 1 ? b : c);
      sent++;
    }
    expect(sent).toBe(3);
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES - runBytes(c.length) - runBytes(200));
    expect(txnArenaConsistent()).toBe(true);
  });
  test("200 sequential REGISTER/BYE-like transactions over UDP in 5 s of virtual time: no 503, every one answered with its own 200 until J", () => {
    fresh();
    const hs: i32[] = [];
    let used = 0;
    for (let k = 0; k < 200; k++) {
      const now = <f64>(k * 25);
      const m = (k & 1) == 0 ? M_REGISTER : M_BYE;
      const br = "z9hG4bKreg" + k.toString(), sb = "10.0.0." + (k % 7).toString() + ":5060";
      runTo(now);
      const h = serverStart(m, false, br, sb, now);
      expect(h).toBeGreaterThan(0, "transaction " + k.toString());
      expect(serverMatch(m, br, sb)).toBe(h);              // a retransmission before the answer: absorbed
      txnServerOnRetransmit(h); drain(now);
      expect(respond(h, 200, regOk(k, m), now + 5)).toBe(TxnErr.Ok);
      used += runBytes(regOk(k, m).length);
      hs.push(h);
    }
    expect(txnActive()).toBe(200);
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES - used);
    // 31 s after the first: every one still answers a retransmission with its own 200
    runTo(31000);
    for (let k = 0; k < 200; k++) {
      const m = (k & 1) == 0 ? M_REGISTER : M_BYE;
      expect(serverMatch(m, "z9hG4bKreg" + k.toString(), "10.0.0." + (k % 7).toString() + ":5060")).toBe(hs[k]);
      txnServerOnRetransmit(hs[k]); drain(31000);
      expect(lastSendText(hs[k])).toBe(regOk(k, m));
    }
    expect(txnKeepFailures()).toBe(0);
    // Timer J ends each 32 s after its answer: the first at 32005, the last at 4975 + 32005
    runTo(32005);
    expect(txnState(hs[0])).toBe(-1);
    expect(txnState(hs[1])).toBe(TxnState.Completed);
    runTo(40000);
    expect(txnActive()).toBe(0);
    expect(txnArenaFreeBytes()).toBe(TXN_ARENA_BYTES);
    expect(txnArenaConsistent()).toBe(true);
  });
});
