// Participant state machine (assembly/chat/participant.ts): the seed's order (connect + bind
// MSRP before answering 200 OK), the RFC 4975 default order, out-of-order steps refused,
// leaving from every state, pool reuse, and the CPIM the participant sends.
import {
  partInvited, partStep, partLeave, partState, partRef, partMode, partFree, partReset, partLastError,
  partChatUriLen, partBuildCpim, partErrCode, PartState, PartEv, PartErr, LeaveHow,
  PART_CONNECT_FIRST, PART_ANSWER_FIRST,
} from "../../../assembly/chat/participant";
import { CHAT_PART_MAX, CPIM_HDR_MAX } from "../../../assembly/mem/limits";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim } from "../../../assembly/wire/cpim";
import { eqExact } from "../../../assembly/mem/bytes";

const ARGS = memory.data(2048);
const OUT = memory.data(2048);
const M = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));
let argPos: i32 = 0;
function a(s: string): usize {
  const p = ARGS + argPos;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  argPos += s.length;
  return p;
}
const ROOM = "sip:bob@example.com";

function fresh(mode: i32): i32 {
  partReset();
  argPos = 0;
  const h = partInvited(7, a(ROOM), ROOM.length, mode);
  expect(h).toBeGreaterThanOrEqual(0);
  expect(partState(h)).toBe(PartState.Invited);
  return h;
}

/** Drives h through evs (a string of event digits); returns the final state or -1 at the first refusal. */
function run(h: i32, evs: string): i32 {
  let st = partState(h);
  for (let i = 0; i < evs.length; i++) {
    st = partStep(h, evs.charCodeAt(i) - 48);
    if (st < 0) return -1;
  }
  return st;
}

describe("participant: order of steps", () => {
  test("seed order: connect, bound, answered, acked -> in chat", () => {
    const h = fresh(PART_CONNECT_FIRST);
    expect(partStep(h, PartEv.Connect)).toBe(PartState.Connecting);
    expect(partStep(h, PartEv.Bound)).toBe(PartState.Bound);
    expect(partStep(h, PartEv.Answered)).toBe(PartState.Answered);
    expect(partStep(h, PartEv.Acked)).toBe(PartState.InChat);
    expect(partRef(h)).toBe(7);
    expect(partMode(h)).toBe(PART_CONNECT_FIRST);
    expect(partChatUriLen(h)).toBe(ROOM.length);
  });

  test("table: sequences in connect-first mode (C=0 B=1 A=2 K=3)", () => {
    // [events, final state or -1 when a step is refused]
    const rows: string[] = [
      "0123", "5",
      "2", "-1",        // answering 200 before the MSRP bind: refused (the seed's order)
      "02", "-1",       // connected but not bound yet
      "1", "-1",        // bound without connecting
      "3", "-1",        // ACK before any answer
      "013", "-1",      // ACK before our 200
      "0120", "-1",     // connecting again
      "01231", "-1",    // bound twice
      "012", "4",
    ];
    for (let r = 0; r < rows.length; r += 2) {
      const h = fresh(PART_CONNECT_FIRST);
      const before = partState(h);
      const got = run(h, rows[r]);
      expect(got).toBe(<i32>parseInt(rows[r + 1]));
      if (got < 0) expect(partLastError()).toBe(PartErr.OutOfOrder);
      expect(before).toBe(PartState.Invited);
    }
  });

  test("a refused step leaves the state unchanged", () => {
    const h = fresh(PART_CONNECT_FIRST);
    expect(partStep(h, PartEv.Connect)).toBe(PartState.Connecting);
    expect(partStep(h, PartEv.Answered)).toBe(-1);
    expect(partLastError()).toBe(PartErr.OutOfOrder);
    expect(partErrCode(PartErr.OutOfOrder)).toBe(500);
    expect(partState(h)).toBe(PartState.Connecting);
    expect(partStep(h, 99)).toBe(-1);
    expect(partLastError()).toBe(PartErr.BadEvent);
    expect(partStep(h, -1)).toBe(-1);
  });

  test("table: RFC 4975 default (answer first; ACK and the host's bind in either order)", () => {
    const rows: string[] = [
      "213", "5",
      "231", "5",
      "0", "-1",        // we do not connect in this mode
      "1", "-1",        // bound before our answer
      "3", "-1",
      "23", "8",
      "21", "4",
      "2131", "-1",
    ];
    for (let r = 0; r < rows.length; r += 2) {
      const h = fresh(PART_ANSWER_FIRST);
      expect(run(h, rows[r])).toBe(<i32>parseInt(rows[r + 1]));
    }
  });
});

describe("participant: leaving", () => {
  test("table: how to leave from each state", () => {
    // [mode, steps before leaving, LeaveHow]
    const rows: string[] = [
      "0", "", "1", "0", "0", "1", "0", "01", "1",
      "0", "012", "2", "0", "0123", "3",
      "1", "2", "2", "1", "21", "2", "1", "23", "3", "1", "213", "3",
    ];
    for (let r = 0; r < rows.length; r += 3) {
      const h = fresh(<i32>parseInt(rows[r]));
      expect(run(h, rows[r + 1])).toBeGreaterThan(0);
      expect(partLeave(h)).toBe(<i32>parseInt(rows[r + 2]));
      expect(partState(h)).toBe(PartState.Left);
      expect(partLeave(h)).toBe(-1);
      expect(partStep(h, PartEv.Acked)).toBe(-1);
    }
  });

  test("host BYE / CANCEL and failures end the chat from any live state", () => {
    for (let ev = PartEv.RemoteBye; ev <= PartEv.Fail; ev++) {
      const seqs: string[] = ["", "0", "01", "012", "0123"];
      for (let i = 0; i < seqs.length; i++) {
        const h = fresh(PART_CONNECT_FIRST);
        run(h, seqs[i]);
        expect(partStep(h, ev)).toBe(PartState.Left);
      }
    }
  });
});

describe("participant: pool and handles", () => {
  test("pool full -> 486; Left slots are reused (oldest first); stale handles refused", () => {
    partReset();
    argPos = 0;
    const R = a(ROOM);
    const hs = new Array<i32>(0);
    for (let k = 0; k < CHAT_PART_MAX; k++) {
      const h = partInvited(k, R, ROOM.length, PART_CONNECT_FIRST);
      expect(h).toBeGreaterThanOrEqual(0);
      hs.push(h);
    }
    expect(partInvited(99, R, ROOM.length, PART_CONNECT_FIRST)).toBe(-1);
    expect(partLastError()).toBe(PartErr.PoolFull);
    expect(partErrCode(PartErr.PoolFull)).toBe(486);
    expect(partLeave(hs[3])).toBe(LeaveHow.Decline);
    expect(partLeave(hs[1])).toBe(LeaveHow.Decline);
    const n1 = partInvited(100, R, ROOM.length, PART_ANSWER_FIRST);
    expect(n1 & 0xff).toBe(hs[3] & 0xff);          // left first, reused first
    expect(partState(hs[3])).toBe(PartState.Free);  // the old handle is stale
    expect(partStep(hs[3], PartEv.Connect)).toBe(-1);
    expect(partLastError()).toBe(PartErr.BadHandle);
    const n2 = partInvited(101, R, ROOM.length, PART_ANSWER_FIRST);
    expect(n2 & 0xff).toBe(hs[1] & 0xff);
    expect(partInvited(102, R, ROOM.length, PART_ANSWER_FIRST)).toBe(-1);
    expect(partFree(hs[0])).toBe(PartErr.Ok);
    expect(partInvited(102, R, ROOM.length, PART_ANSWER_FIRST)).toBeGreaterThanOrEqual(0);
    expect(partFree(hs[0])).toBe(PartErr.BadHandle);
  });

  test("bad chat URI or mode refused", () => {
    partReset();
    argPos = 0;
    expect(partInvited(1, a("bob"), 3, PART_CONNECT_FIRST)).toBe(-1);
    expect(partLastError()).toBe(PartErr.BadUri);
    expect(partInvited(1, a(ROOM), ROOM.length, 5)).toBe(-1);
    expect(partInvited(1, a("<sip:x@y>"), 9, PART_CONNECT_FIRST)).toBeGreaterThanOrEqual(0);
  });
});

describe("participant: outgoing CPIM", () => {
  test("only in chat; To = the room or one member; parses back", () => {
    const h = fresh(PART_CONNECT_FIRST);
    const from = a("sip:alice@example.com"), ct = a("text/plain"), txt = a("hello"), tom = a("sip:tom@example.com");
    expect(partBuildCpim(h, OUT, 2048, from, 21, 0, 0, ct, 10, txt, 5, 0)).toBe(-1);
    expect(partLastError()).toBe(PartErr.OutOfOrder);
    run(h, "0123");
    let n = partBuildCpim(h, OUT, 2048, from, 21, 0, 0, ct, 10, txt, 5, 0);
    expect(eqExact(OUT, n, "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\nhello")).toBe(true);
    n = partBuildCpim(h, OUT, 2048, from, 21, tom, 19, ct, 10, txt, 5, 86400);
    expect(parseCpim(M, OUT, n, 0)).toBe(n);
    const t = M.h(M.firstTo);
    expect(eqExact(OUT + t.uriOff, t.uriLen, "sip:tom@example.com")).toBe(true);
    expect(M.dateTimeIdx).toBeGreaterThanOrEqual(0);
    expect(partBuildCpim(h, OUT, 20, from, 21, 0, 0, ct, 10, txt, 5, 0)).toBe(-1);
  });
});
