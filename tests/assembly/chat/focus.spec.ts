// Chat host (assembly/chat/focus.ts + roster.ts): fan-out with the rewritten From, private
// messages, nicknames, leave/end rules, malformed CPIM, pool limits, prefix mode at every split.
import {
  focusCreate, focusInvite, focusJoin, focusAdmit, focusLeave, focusEnd, focusSetNick, focusOnSend,
  focusOnMessage, focusActCount, focusAct, focusOutPtr, focusOutLen, focusContentOff, focusLastError,
  focusCpimErr, focusChatState, focusMemberState, focusMemberCount, focusMemberAorLen, focusChatUriLen,
  focusReset, ChatActKind, ChatState, FOCUS_PREFIX,
} from "../../../assembly/chat/focus";
import { ChatErr, MemberState, chatErrCode, chatErrReason, aorEq, nickOk } from "../../../assembly/chat/roster";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, CpimErr } from "../../../assembly/wire/cpim";
import { CPIM_HDR_MAX, CHAT_MEMBER_MAX, CHAT_MAX, CPIM_BODY_MAX } from "../../../assembly/mem/limits";
import { eqExact } from "../../../assembly/mem/bytes";

const IN = memory.data(32768);
const ARGS = memory.data(4096);
const SAVE = memory.data(32768);
const M = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));

let argPos: i32 = 0;
/** Copies an ASCII literal into the argument area (reset per test by args()). */
function a(s: string): usize {
  const p = ARGS + argPos;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  argPos += s.length;
  return p;
}
function args(): void { argPos = 0; }
function body(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}
function outIs(s: string): bool { return eqExact(focusOutPtr(), focusOutLen(), s); }

const BOB: u32 = 100, TOM: u32 = 101, ALICE: u32 = 102, CAROL: u32 = 103;
const ROOM = "sip:chatroom-81@conf.example.com";

/** Bob hosts; Tom and Alice invited and joined. */
function room3(): i32 {
  focusReset();
  args();
  const c = focusCreate(a(ROOM), ROOM.length, BOB, a("sip:bob@example.com"), 19);
  expect(c).toBeGreaterThanOrEqual(0);
  expect(focusInvite(c, TOM, a("sip:tom@example.com"), 19)).toBe(ChatErr.Ok);
  expect(focusInvite(c, ALICE, a("<sip:alice@example.com>"), 23)).toBe(ChatErr.Ok);
  expect(focusJoin(c, TOM)).toBe(ChatErr.Ok);
  expect(focusJoin(c, ALICE)).toBe(ChatErr.Ok);
  return c;
}

/** Number of actions of a kind addressed to a member. */
function acts(kind: i32, to: u32): i32 {
  let n = 0;
  for (let i = 0; i < focusActCount(); i++) { const x = focusAct(i); if (x.kind == kind && x.to == to) n++; }
  return n;
}

function msg(from: string, to: string, extra: string, text: string): string {
  return "From: " + from + "\r\nTo: " + to + "\r\n" + extra + "\r\nContent-Type: text/plain\r\n\r\n" + text;
}

describe("focus: fan-out", () => {
  test("room message goes to every other joined member exactly once, From from the roster", () => {
    const c = room3();
    const n = body(msg("Alice <sip:alice@example.com>", "<" + ROOM + ">", "DateTime: 2026-03-14T09:26:53Z\r\n", "hi all"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
    expect(acts(ChatActKind.Fanout, BOB)).toBe(1);
    expect(acts(ChatActKind.Fanout, TOM)).toBe(1);
    expect(acts(ChatActKind.Fanout, ALICE)).toBe(0);
    expect(focusAct(0).about).toBe(ALICE);
    expect(focusAct(0).ptr).toBe(focusOutPtr());
    expect(focusAct(1).len).toBe(focusOutLen());
    expect(outIs("From: <sip:alice@example.com>\r\nTo: <" + ROOM + ">\r\nDateTime: 2026-03-14T09:26:53Z\r\n\r\nContent-Type: text/plain\r\n\r\nhi all")).toBe(true);
    expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
  });

  test("a forged From (Alice writes Bob) still shows Alice", () => {
    const c = room3();
    const n = body(msg("Bob <sip:bob@example.com>", "<" + ROOM + ">", "", "I am Bob, honest"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
    const f = M.h(M.fromIdx);
    expect(eqExact(focusOutPtr() + f.uriOff, f.uriLen, "sip:alice@example.com")).toBe(true);
    expect(f.dispLen).toBe(0);   // the forged display name is dropped too
    expect(acts(ChatActKind.Fanout, BOB)).toBe(1);
    expect(acts(ChatActKind.Fanout, TOM)).toBe(1);
  });

  test("corpus send-cpim-chat body from Bob (nick Bob) becomes send-cpim-fanout body byte for byte", () => {
    const c = room3();
    args();
    expect(focusSetNick(c, BOB, a("Bob"), 3)).toBe(ChatErr.Ok);
    const chat = "From: Bob <sip:bob@example.com>\r\nTo: <sip:chatroom-81@conf.example.com>\r\nDateTime: 2026-03-14T09:26:53Z\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Kd82nXa91q\r\n\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGood morning, everyone!";
    const n = body(chat);
    expect(focusOnMessage(c, BOB, IN, n, 1700000000, 0)).toBe(ChatErr.Ok);
    expect(outIs(chat)).toBe(true);   // the fan-out file carries the same CPIM body
    expect(acts(ChatActKind.Fanout, TOM)).toBe(1);
    expect(acts(ChatActKind.Fanout, ALICE)).toBe(1);
    expect(acts(ChatActKind.Fanout, BOB)).toBe(0);
  });

  test("DateTime set from the host time when absent, omitted when no time either", () => {
    const c = room3();
    const n = body(msg("<sip:tom@example.com>", "<" + ROOM + ">", "Subject: x\r\n", "t"));
    expect(focusOnMessage(c, TOM, IN, n, 86400, 0)).toBe(ChatErr.Ok);
    expect(outIs("From: <sip:tom@example.com>\r\nTo: <" + ROOM + ">\r\nDateTime: 1970-01-02T00:00:00Z\r\nSubject: x\r\n\r\nContent-Type: text/plain\r\n\r\nt")).toBe(true);
    expect(focusOnMessage(c, TOM, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(outIs("From: <sip:tom@example.com>\r\nTo: <" + ROOM + ">\r\nSubject: x\r\n\r\nContent-Type: text/plain\r\n\r\nt")).toBe(true);
  });

  test("NS, Require and extension headers keep their order; cc is dropped; MIME part copied", () => {
    const c = room3();
    const n = body("From: <sip:x@y>\r\nTo: <" + ROOM + ">\r\ncc: <sip:dave@example.org>\r\nNS: Feat <mid:MessageFeatures@id.example.com>\r\nRequire: Feat.VitalOption\r\nFeat.VitalOption: Confirmation-requested\r\n\r\nContent-Type: text/plain\r\nContent-ID: <a@b>\r\n\r\nbody\r\nline2");
    expect(focusOnMessage(c, TOM, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(outIs("From: <sip:tom@example.com>\r\nTo: <" + ROOM + ">\r\nNS: Feat <mid:MessageFeatures@id.example.com>\r\nRequire: Feat.VitalOption\r\nFeat.VitalOption: Confirmation-requested\r\n\r\nContent-Type: text/plain\r\nContent-ID: <a@b>\r\n\r\nbody\r\nline2")).toBe(true);
    expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
  });

  test("room URI matched caselessly in scheme/host; the host's own message reaches both others", () => {
    const c = room3();
    const n = body(msg("<sip:bob@example.com>", "<SIP:chatroom-81@CONF.example.com>", "", "x"));
    expect(focusOnMessage(c, BOB, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(acts(ChatActKind.Fanout, TOM) + acts(ChatActKind.Fanout, ALICE)).toBe(2);
    expect(focusActCount()).toBe(2);
  });

  test("only joined members receive; an invited one does not", () => {
    const c = room3();
    args();
    expect(focusInvite(c, CAROL, a("sip:carol@example.com"), 21)).toBe(ChatErr.Ok);
    const n = body(msg("<sip:tom@example.com>", "<" + ROOM + ">", "", "x"));
    expect(focusOnMessage(c, TOM, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(acts(ChatActKind.Fanout, CAROL)).toBe(0);
    expect(focusActCount()).toBe(2);
  });
});

describe("focus: private messages", () => {
  test("To names one member: only that member gets it, To rewritten to its AOR", () => {
    const c = room3();
    const n = body(msg("<sip:alice@example.com>", "Tom <sip:tom@EXAMPLE.com>", "", "psst"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(1);
    expect(acts(ChatActKind.Fanout, TOM)).toBe(1);
    expect(outIs("From: <sip:alice@example.com>\r\nTo: <sip:tom@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\npsst")).toBe(true);
  });

  test("table: recipients that fail", () => {
    const c = room3();
    args();
    expect(focusInvite(c, CAROL, a("sip:carol@example.com"), 21)).toBe(ChatErr.Ok);
    // [to header value(s), expected error, status]
    const rows: string[] = [
      "<sip:dave@example.com>", "11", "404",          // not in the room
      "<sip:carol@example.com>", "11", "404",         // invited, not joined
      "<sip:Tom@example.com>", "11", "404",           // user part is case-sensitive
      "<sip:alice@example.com>", "12", "403",         // to the sender itself
      "<sip:tom@example.com>\r\nTo: <sip:bob@example.com>", "12", "403",   // two private recipients
    ];
    for (let r = 0; r < rows.length; r += 3) {
      const n = body(msg("<sip:alice@example.com>", rows[r], "", "x"));
      const e = focusOnMessage(c, ALICE, IN, n, 0, 0);
      expect(e).toBe(<i32>parseInt(rows[r + 1]));
      expect(chatErrCode(e)).toBe(<i32>parseInt(rows[r + 2]));
      expect(focusActCount()).toBe(0);
      expect(focusLastError()).toBe(e);
    }
  });

  test("a To list that includes the room URI is a room message", () => {
    const c = room3();
    const n = body(msg("<sip:alice@example.com>", "<sip:tom@example.com>\r\nTo: <" + ROOM + ">", "", "x"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
  });
});

describe("focus: nicknames", () => {
  test("unique per room (caseless), 425 when taken, 424 when malformed, clear frees it", () => {
    const c = room3();
    args();
    expect(focusSetNick(c, TOM, a("tommy"), 5)).toBe(ChatErr.Ok);
    expect(focusSetNick(c, TOM, a("tommy"), 5)).toBe(ChatErr.Ok);       // same member again: fine
    let e = focusSetNick(c, ALICE, a("TOMMY"), 5);
    expect(e).toBe(ChatErr.NickInUse);
    expect(chatErrCode(e)).toBe(425);
    const bad: string[] = ["", " lead", "trail ", "q\"uote", "back\\slash", "tab\there", "0123456789012345678901234567890123"];
    for (let i = 0; i < bad.length; i++) {
      if (bad[i].length == 0) continue;   // len 0 means "clear"
      e = focusSetNick(c, ALICE, a(bad[i]), bad[i].length);
      expect(e).toBe(ChatErr.NickBad);
      expect(chatErrCode(e)).toBe(424);
    }
    expect(focusSetNick(c, TOM, 0, 0)).toBe(ChatErr.Ok);                 // cleared
    expect(focusSetNick(c, ALICE, a("TOMMY"), 5)).toBe(ChatErr.Ok);
    expect(focusSetNick(c, CAROL, a("x"), 1)).toBe(ChatErr.NotMember);
    expect(nickOk(a("Ali ce"), 6)).toBe(true);
  });

  test("nickname shows as the From display name: Token form, or quoted when it has spaces", () => {
    const c = room3();
    args();
    expect(focusSetNick(c, ALICE, a("Ali ce"), 6)).toBe(ChatErr.Ok);
    expect(focusSetNick(c, TOM, a("tom"), 3)).toBe(ChatErr.Ok);
    let n = body(msg("<sip:alice@example.com>", "<" + ROOM + ">", "", "x"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(outIs("From: \"Ali ce\" <sip:alice@example.com>\r\nTo: <" + ROOM + ">\r\n\r\nContent-Type: text/plain\r\n\r\nx")).toBe(true);
    expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
    n = body(msg("<sip:tom@example.com>", "<" + ROOM + ">", "", "y"));
    expect(focusOnMessage(c, TOM, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(outIs("From: tom <sip:tom@example.com>\r\nTo: <" + ROOM + ">\r\n\r\nContent-Type: text/plain\r\n\r\ny")).toBe(true);
  });
});

describe("focus: leaving and ending", () => {
  test("joins tell the others", () => {
    focusReset();
    args();
    const c = focusCreate(a(ROOM), ROOM.length, BOB, a("sip:bob@example.com"), 19);
    expect(focusInvite(c, TOM, a("sip:tom@example.com"), 19)).toBe(ChatErr.Ok);
    expect(focusInvite(c, ALICE, a("sip:alice@example.com"), 21)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(0);
    expect(focusJoin(c, TOM)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(1);
    expect(acts(ChatActKind.Joined, BOB)).toBe(1);
    expect(focusAct(0).about).toBe(TOM);
    expect(focusJoin(c, ALICE)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
    expect(acts(ChatActKind.Joined, BOB) + acts(ChatActKind.Joined, TOM)).toBe(2);
    expect(focusJoin(c, ALICE)).toBe(ChatErr.BadState);
    expect(focusJoin(c, CAROL)).toBe(ChatErr.NotMember);
    expect(focusMemberState(c, ALICE)).toBe(MemberState.Joined);
    expect(focusMemberCount(c, MemberState.Joined)).toBe(3);
  });

  test("3 members: one leaves -> lives; another leaves -> ended", () => {
    const c = room3();
    expect(focusLeave(c, TOM)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
    expect(acts(ChatActKind.Left, BOB)).toBe(1);
    expect(acts(ChatActKind.Left, ALICE)).toBe(1);
    expect(focusChatState(c)).toBe(ChatState.Open);
    expect(focusMemberState(c, TOM)).toBe(MemberState.Free);
    expect(focusLeave(c, ALICE)).toBe(ChatErr.Ok);
    expect(acts(ChatActKind.Left, BOB)).toBe(1);
    expect(focusAct(focusActCount() - 1).kind).toBe(ChatActKind.Ended);
    expect(focusAct(focusActCount() - 1).to).toBe(BOB);
    expect(focusActCount()).toBe(2);                         // nobody left to BYE
    expect(focusChatState(c)).toBe(ChatState.Free);
    // the ended room's handle is stale
    expect(focusLeave(c, BOB)).toBe(ChatErr.BadChat);
    expect(chatErrCode(ChatErr.BadChat)).toBe(481);
  });

  test("host leaves -> ended at once, BYE to each joined, CANCEL to each still invited", () => {
    const c = room3();
    args();
    expect(focusInvite(c, CAROL, a("sip:carol@example.com"), 21)).toBe(ChatErr.Ok);
    expect(focusLeave(c, BOB)).toBe(ChatErr.Ok);
    expect(focusAct(0).kind).toBe(ChatActKind.Ended);
    expect(focusAct(0).about).toBe(BOB);
    expect(acts(ChatActKind.Bye, TOM)).toBe(1);
    expect(acts(ChatActKind.Bye, ALICE)).toBe(1);
    expect(acts(ChatActKind.Cancel, CAROL)).toBe(1);
    expect(acts(ChatActKind.Left, TOM) + acts(ChatActKind.Left, ALICE)).toBe(0);
    expect(focusActCount()).toBe(4);
    expect(focusChatState(c)).toBe(ChatState.Free);
  });

  test("focusEnd closes the room like the host leaving", () => {
    const c = room3();
    expect(focusEnd(c)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(3);
    expect(acts(ChatActKind.Bye, TOM) + acts(ChatActKind.Bye, ALICE)).toBe(2);
    expect(focusEnd(c)).toBe(ChatErr.BadChat);
  });

  test("invited members count as coming; a decline that leaves one member ends the room", () => {
    focusReset();
    args();
    const c = focusCreate(a(ROOM), ROOM.length, BOB, a("sip:bob@example.com"), 19);
    expect(focusInvite(c, TOM, a("sip:tom@example.com"), 19)).toBe(ChatErr.Ok);
    expect(focusInvite(c, ALICE, a("sip:alice@example.com"), 21)).toBe(ChatErr.Ok);
    expect(focusJoin(c, TOM)).toBe(ChatErr.Ok);
    expect(focusLeave(c, TOM)).toBe(ChatErr.Ok);             // Alice still coming: lives
    expect(focusChatState(c)).toBe(ChatState.Open);
    expect(focusLeave(c, ALICE)).toBe(ChatErr.Ok);           // declined: no LEFT (never joined), ended
    expect(focusActCount()).toBe(1);
    expect(focusAct(0).kind).toBe(ChatActKind.Ended);
    expect(focusChatState(c)).toBe(ChatState.Free);
  });

  test("server-hosted room: no host member; the last but one leaving ends it and BYEs the last", () => {
    focusReset();
    args();
    const c = focusCreate(a("sip:chat-7@example.com"), 22, 0, 0, 0);
    expect(c).toBeGreaterThanOrEqual(0);
    expect(focusAdmit(c, TOM, a("sip:tom@example.com"), 19)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(0);
    expect(focusAdmit(c, ALICE, a("sip:alice@example.com"), 21)).toBe(ChatErr.Ok);
    expect(acts(ChatActKind.Joined, TOM)).toBe(1);
    const n = body(msg("<sip:alice@example.com>", "<sip:chat-7@example.com>", "", "x"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(1);
    expect(acts(ChatActKind.Fanout, TOM)).toBe(1);
    expect(focusLeave(c, TOM)).toBe(ChatErr.Ok);
    expect(acts(ChatActKind.Left, ALICE)).toBe(1);
    expect(acts(ChatActKind.Ended, 0)).toBe(1);
    expect(acts(ChatActKind.Bye, ALICE)).toBe(1);
    expect(focusChatState(c)).toBe(ChatState.Free);
  });
});

describe("focus: bad input never reaches the others", () => {
  test("malformed CPIM bodies (corpus invalid cases and more) -> 400, nothing queued, next message fine", () => {
    const c = room3();
    const rows: string[] = [
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: yesterday at noon\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: 2026-05-02T18:09:00Z\r\nimdn.Message-ID: 9sd8f7g6\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
      "From Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
      "To: <" + ROOM + ">\r\n\r\nContent-Type: text/plain\r\n\r\nno from",
      "From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n\r\nno to",
      "From: <sip:a@b>\r\nTo: <" + ROOM + ">\r\n\r\n\r\nno content type",
      "From: <sip:a@b>\nTo: <" + ROOM + ">\n\nContent-Type: text/plain\n\nbare LF",
      "From: <sip:a@b>\r\nTo: <" + ROOM + ">\r\nContent-Type: text/plain\r\n\r\nno empty line after headers",
      "hello, just text",
    ];
    for (let r = 0; r < rows.length; r++) {
      const n = body(rows[r]);
      const e = focusOnMessage(c, ALICE, IN, n, 0, 0);
      expect(e).toBe(ChatErr.BadCpim);
      expect(chatErrCode(e)).toBe(400);
      expect(focusCpimErr()).toBeGreaterThan(0);
      expect(focusActCount()).toBe(0);
    }
    expect(focusOnMessage(c, ALICE, IN, 0, 0, 0)).toBe(ChatErr.BadCpim);
    const n = body(msg("<sip:alice@example.com>", "<" + ROOM + ">", "", "after the junk"));
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
    expect(chatErrReason(ChatErr.BadCpim)).toBe("malformed message/cpim");
  });

  test("every truncation and every one-byte mutation gives OK or an error code, never a trap", () => {
    const c = room3();
    const good = msg("Alice <sip:alice@example.com>", "<" + ROOM + ">", "DateTime: 2026-03-14T09:26:53Z\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Kd82nXa91q\r\n", "hello");
    const n = body(good);
    memory.copy(SAVE, IN, n);
    const contentAt = n - 5;
    for (let k = 0; k < n; k++) {
      const e = focusOnMessage(c, ALICE, IN, k, 0, 0);
      if (k < contentAt) { expect(e).toBe(ChatErr.BadCpim); expect(focusActCount()).toBe(0); }
      else expect(e).toBe(ChatErr.Ok);
    }
    const subs: u8[] = [0, 10, 13, 32, 0x3a, 0x3c, 0x3e, 0x22, 0x7f, 0xff];
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < subs.length; j++) {
        memory.copy(IN, SAVE, n);
        store<u8>(IN + k, subs[j]);
        const e = focusOnMessage(c, ALICE, IN, n, 0, 0);
        if (e != ChatErr.Ok) {
          expect(focusActCount()).toBe(0);
          expect(chatErrCode(e)).toBeGreaterThanOrEqual(400);
        } else {
          expect(focusActCount()).toBeLessThanOrEqual(2);
          expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
          const f = M.h(M.fromIdx);
          expect(eqExact(focusOutPtr() + f.uriOff, f.uriLen, "sip:alice@example.com")).toBe(true);
        }
      }
    }
  });

  test("sender checks: not a member 403, invited-only 403, stale chat 481, too large 413, not CPIM 415", () => {
    const c = room3();
    args();
    const n = body(msg("<sip:x@y>", "<" + ROOM + ">", "", "x"));
    let e = focusOnMessage(c, 999, IN, n, 0, 0);
    expect(e).toBe(ChatErr.NotMember); expect(chatErrCode(e)).toBe(403);
    expect(focusInvite(c, CAROL, a("sip:carol@example.com"), 21)).toBe(ChatErr.Ok);
    e = focusOnMessage(c, CAROL, IN, n, 0, 0);
    expect(e).toBe(ChatErr.BadState); expect(chatErrCode(e)).toBe(403);
    e = focusOnMessage(c + (1 << 8), TOM, IN, n, 0, 0);
    expect(e).toBe(ChatErr.BadChat);
    e = focusOnMessage(-1, TOM, IN, n, 0, 0);
    expect(e).toBe(ChatErr.BadChat);
    e = focusOnMessage(c, TOM, IN, CPIM_BODY_MAX + 1, 0, 0);
    expect(e).toBe(ChatErr.TooLarge); expect(chatErrCode(e)).toBe(413);
    e = focusOnSend(c, TOM, a("text/plain"), 10, IN, n, 0, 0);
    expect(e).toBe(ChatErr.NotCpim); expect(chatErrCode(e)).toBe(415);
    expect(focusActCount()).toBe(0);
    expect(focusOnSend(c, TOM, a("Message/CPIM ; x=1"), 18, IN, n, 0, 0)).toBe(ChatErr.Ok);
    expect(focusActCount()).toBe(2);
  });

  test("the largest accepted body still fits the fan-out buffer after the From rewrite", () => {
    const c = room3();
    const head = "From: <sip:a@b>\r\nTo: <" + ROOM + ">\r\n\r\nContent-Type: text/plain\r\n\r\n";
    const hn = body(head);
    const total = CPIM_BODY_MAX;
    memory.fill(IN + hn, 0x61, total - hn);
    expect(focusOnMessage(c, TOM, IN, total, 0, 0)).toBe(ChatErr.Ok);
    expect(focusOutLen()).toBe(total + 12);   // <sip:a@b> -> <sip:tom@example.com>
    expect(focusActCount()).toBe(2);
  });
});

describe("focus: prefix mode (large messages pass in pieces)", () => {
  test("every split: NeedMore until the headers are in, then head + rest == whole", () => {
    const c = room3();
    const whole = msg("<sip:alice@example.com>", "<" + ROOM + ">", "DateTime: 2026-03-14T09:26:53Z\r\n", "0123456789abcdef");
    const n = body(whole);
    expect(focusOnMessage(c, ALICE, IN, n, 0, 0)).toBe(ChatErr.Ok);
    const wn = focusOutLen();
    memory.copy(SAVE, focusOutPtr(), wn);
    const contentAt = n - 16;
    for (let k = 1; k <= n; k++) {
      const e = focusOnMessage(c, ALICE, IN, k, 0, FOCUS_PREFIX);
      if (k < contentAt) {
        expect(e).toBe(ChatErr.NeedMore);
        expect(focusActCount()).toBe(0);
        continue;
      }
      expect(e).toBe(ChatErr.Ok);
      expect(focusActCount()).toBe(2);
      // rebuilt piece followed by the untouched rest of the original == the whole rebuilt body
      const on = focusOutLen();
      expect(on + (n - k)).toBe(wn);
      let same = true;
      for (let i = 0; i < on; i++) if (load<u8>(focusOutPtr() + i) != load<u8>(SAVE + i)) same = false;
      for (let i = k; i < n; i++) if (load<u8>(IN + i) != load<u8>(SAVE + on + i - k)) same = false;
      expect(same).toBe(true);
      expect(focusContentOff()).toBeLessThanOrEqual(contentAt);
    }
    expect(focusOnMessage(c, ALICE, IN, 0, 0, FOCUS_PREFIX)).toBe(ChatErr.BadCpim);
  });
});

describe("focus: pools", () => {
  test("member pool full -> 486; duplicates refused; the room keeps working", () => {
    focusReset();
    args();
    const c = focusCreate(a(ROOM), ROOM.length, BOB, a("sip:bob@example.com"), 19);
    const U = a("sip:u0@example.com");
    for (let k = 1; k < CHAT_MEMBER_MAX; k++) {
      store<u8>(U + 5, <u8>(48 + k));
      expect(focusInvite(c, 200 + k, U, 18)).toBe(ChatErr.Ok);
    }
    store<u8>(U + 5, 0x7a);
    let e = focusInvite(c, 300, U, 18);
    expect(e).toBe(ChatErr.PoolFull);
    expect(chatErrCode(e)).toBe(486);
    e = focusInvite(c, 201, a("sip:other@example.com"), 21);
    expect(e).toBe(ChatErr.Duplicate);
    expect(focusMemberCount(c, -1)).toBe(CHAT_MEMBER_MAX);
    expect(focusLeave(c, 201)).toBe(ChatErr.Ok);
    expect(focusInvite(c, 300, U, 18)).toBe(ChatErr.Ok);
    expect(focusInvite(c, 301, a("sip:bob@EXAMPLE.com"), 19)).toBe(ChatErr.Duplicate);
  });

  test("bad AORs refused", () => {
    focusReset();
    args();
    const c = focusCreate(a(ROOM), ROOM.length, BOB, a("sip:bob@example.com"), 19);
    const bad: string[] = ["", "bob@example.com", "sip:bo b@x", "sip:", ":x", "<sip:x", "sip:a\"b@c", "1ip:a@b"];
    for (let i = 0; i < bad.length; i++) expect(focusInvite(c, 500 + i, a(bad[i]), bad[i].length)).toBe(ChatErr.BadAor);
    expect(focusCreate(a("nope"), 4, 1, 0, 0)).toBe(-1);
    expect(focusLastError()).toBe(ChatErr.BadAor);
  });

  test("chat pool full -> 503; an ended room's slot is reused with a new handle", () => {
    focusReset();
    args();
    const R = a("sip:chat-0@example.com");
    let first = -1;
    for (let k = 0; k < CHAT_MAX; k++) {
      store<u8>(R + 9, <u8>(48 + k));
      const h = focusCreate(R, 22, 0, 0, 0);
      expect(h).toBeGreaterThanOrEqual(0);
      if (k == 0) first = h;
    }
    expect(focusCreate(R, 22, 0, 0, 0)).toBe(-1);
    expect(focusLastError()).toBe(ChatErr.ChatPoolFull);
    expect(chatErrCode(ChatErr.ChatPoolFull)).toBe(503);
    expect(focusEnd(first)).toBe(ChatErr.Ok);
    const again = focusCreate(R, 22, 0, 0, 0);
    expect(again).toBeGreaterThanOrEqual(0);
    expect(again).not.toBe(first);
    expect(focusChatState(first)).toBe(ChatState.Free);
    expect(focusChatUriLen(again)).toBe(22);
  });

  test("aorEq: scheme/host caseless, user exact, params ignored", () => {
    args();
    const x = a("sip:alice@example.com");
    const rows: string[] = ["SIP:alice@Example.COM", "1", "sip:alice@example.com;transport=tcp", "1",
      "sip:Alice@example.com", "0", "sips:alice@example.com", "0", "sip:alice@example.co", "0", "sip:example.com", "0"];
    for (let r = 0; r < rows.length; r += 2) {
      expect(aorEq(x, 21, a(rows[r]), rows[r].length)).toBe(rows[r + 1] == "1");
    }
    expect(focusMemberAorLen(-1, 1)).toBe(0);
  });
});

describe("focus: corpus cpim bodies (shared/corpus/cpim, embedded)", () => {
  test("valid bodies between im:alice and im:bob route as private messages; multi-To refused", () => {
    focusReset();
    args();
    const c = focusCreate(a("im:room@example.com"), 19, 1, a("im:host@example.com"), 19);
    expect(focusAdmit(c, 2, a("im:alice@example.com"), 20)).toBe(ChatErr.Ok);
    expect(focusAdmit(c, 3, a("im:bob@example.net"), 18)).toBe(ChatErr.Ok);
    // [body, sender handle, expected error, expected recipient handle]
    const rows: string[] = [
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: 2026-05-02T18:04:11-07:00\r\nSubject: lunch\r\n\r\nContent-Type: text/plain; charset=utf-8\r\nContent-ID: <a7c1f0@example.com>\r\n\r\nAre we still on for lunch tomorrow?", "2", "0", "3",
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nTo: <im:carol@example.org>\r\ncc: <im:dave@example.org>\r\nSubject:;lang=fr Bonjour\r\nSubject:;lang=en Hello\r\nDateTime: 2026-05-02T18:05:00Z\r\n\r\nContent-Type: text/plain\r\n\r\nHello all", "2", "12", "0",
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: 2026-05-02T18:06:00Z\r\nNS: Feat <mid:MessageFeatures@id.example.com>\r\nRequire: Feat.VitalOption\r\nFeat.VitalOption: Confirmation-requested\r\nFeat.WackyOption: Use-silly-font\r\n\r\nContent-Type: text/plain\r\n\r\nPlease confirm.", "2", "0", "3",
      "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\nDateTime: 2026-05-02T18:07:30Z\r\nimdn.Disposition-Notification: positive-delivery, display\r\n\r\nContent-Type: text/plain\r\n\r\nDid you get this?", "2", "0", "3",
    ];
    for (let r = 0; r < rows.length; r += 4) {
      const n = body(rows[r]);
      const e = focusOnMessage(c, <u32>parseInt(rows[r + 1]), IN, n, 0, 0);
      expect(e).toBe(<i32>parseInt(rows[r + 2]));
      if (e == ChatErr.Ok) {
        expect(focusActCount()).toBe(1);
        expect(focusAct(0).to).toBe(<u32>parseInt(rows[r + 3]));
        expect(parseCpim(M, focusOutPtr(), focusOutLen(), 0)).toBe(focusOutLen());
        // the MIME part and content come through unchanged
        expect(M.contentLen).toBeGreaterThan(0);
      } else expect(focusActCount()).toBe(0);
    }
  });
});
