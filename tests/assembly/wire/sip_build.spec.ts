// SIP builders (RFC 3261 §7, §8.1.1.7, §8.2.6): golden bytes, every short cap overflows
// without writing past cap, sticky errors, To-tag detection. The request views fed to
// buildResponseFrom are filled by a small test-only line splitter (the real parser lives in
// assembly/wire/sip.ts; the round trip through it is in the node tests once it lands).

import {
  SipWriter, sipWriterAt, wStart, wResult, wRequestLine, wRequestLineSpan, wStatusLine, wHeader,
  wHeaderStr, wHeaderU64, wCSeq, wHeaderOpen, wStr, wU64, wRaw, wBranch, wCrlf, wEnd,
  wCopyHeaderFrom, wCopyAll, wResponseHeadersFrom, buildResponseFrom, putBranch, hasTagParam, methodName,
  BuildErr, BRANCH_LEN, buildErrReason,
} from "../../../assembly/wire/sip_build";
import { SipMsg, sipMsgAt, HDR_STRIDE, HdrType, Method } from "../../../assembly/wire/sip_msg";
import { SIP_HDR_MAX } from "../../../assembly/mem/limits";

const W = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
const REQ = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const IN = memory.data(4096);     // request bytes the view points into
const SPAN = memory.data(256);    // a URI / value / tag span
const OUT_CAP: i32 = 4096;
const GUARD: i32 = 64;
const OUT = memory.data(4096 + 64);

function put(dst: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(p: usize, n: i32): string { return String.UTF8.decodeUnsafe(p, <usize>n); }

/** Test-only: fill REQ from a CRLF message (no folding), typing the headers the builder uses. */
function view(msg: string): void {
  const n = put(IN, msg);
  const m = REQ;
  m.base = IN; m.len = n; m.hdrCount = 0; m.seen = 0; m.err = 0;
  m.firstVia = -1; m.firstFrom = -1; m.firstTo = -1; m.firstCallId = -1; m.firstCSeq = -1;
  m.firstContact = -1; m.firstContentType = -1; m.firstMaxForwards = -1; m.firstRoute = -1;
  m.firstRecordRoute = -1; m.firstExpires = -1;
  let i = 0;
  while (i < n && !(load<u8>(IN + i) == 13)) i++;   // skip start line
  i += 2;
  while (i + 1 < n && load<u8>(IN + i) != 13) {
    let e = i;
    while (e < n && load<u8>(IN + e) != 13) e++;
    let c = i;
    while (c < e && load<u8>(IN + c) != 58) c++;
    let ne = c;
    while (ne > i && load<u8>(IN + ne - 1) == 32) ne--;
    let vo = c + 1;
    while (vo < e && load<u8>(IN + vo) == 32) vo++;
    const name = str(IN + i, ne - i).toLowerCase();
    let t = HdrType.Other;
    if (name == "via" || name == "v") t = HdrType.Via;
    else if (name == "from" || name == "f") t = HdrType.From;
    else if (name == "to" || name == "t") t = HdrType.To;
    else if (name == "call-id" || name == "i") t = HdrType.CallId;
    else if (name == "cseq") t = HdrType.CSeq;
    else if (name == "timestamp") t = HdrType.Timestamp;
    const k = m.hdrCount;
    const h = m.hdrs + <usize>(k * HDR_STRIDE);
    store<i32>(h, t); store<i32>(h, i, 4); store<i32>(h, ne - i, 8); store<i32>(h, vo, 12); store<i32>(h, e - vo, 16);
    m.hdrCount = k + 1;
    if (t == HdrType.Via && m.firstVia < 0) m.firstVia = k;
    if (t == HdrType.From && m.firstFrom < 0) m.firstFrom = k;
    if (t == HdrType.To && m.firstTo < 0) m.firstTo = k;
    if (t == HdrType.CallId && m.firstCallId < 0) m.firstCallId = k;
    if (t == HdrType.CSeq && m.firstCSeq < 0) m.firstCSeq = k;
    m.seen |= <u64>1 << <u64>t;
    i = e + 2;
  }
}

// ---- builds under test (one function per row so each can be rerun at every cap) ----------

const BODY = "Hello, Bob";

/** A RFC 3428 MESSAGE request built piece by piece. */
function buildMessage(cap: i32): i32 {
  wStart(W, OUT, cap);
  const u = put(SPAN, "sip:bob@example.com");
  wRequestLine(W, "MESSAGE", SPAN, u);
  wHeaderOpen(W, "Via"); wStr(W, "SIP/2.0/TCP 192.0.2.1:5060;branch="); wBranch(W, 0x0123456789abcdef); wCrlf(W);
  wHeaderU64(W, "Max-Forwards", 70);
  wHeader(W, "To", SPAN, u);
  wHeaderStr(W, "From", "<sip:alice@example.com>;tag=a1");
  wHeaderStr(W, "Call-ID", "c1@192.0.2.1");
  wCSeq(W, 1, methodName(Method.MESSAGE));
  wHeaderStr(W, "Content-Type", "text/plain");
  const b = put(SPAN + 128, BODY);
  return wEnd(W, SPAN + 128, b);
}
const GOLD_MESSAGE =
  "MESSAGE sip:bob@example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK0123456789abcdef\r\n" +
  "Max-Forwards: 70\r\n" +
  "To: sip:bob@example.com\r\n" +
  "From: <sip:alice@example.com>;tag=a1\r\n" +
  "Call-ID: c1@192.0.2.1\r\n" +
  "CSeq: 1 MESSAGE\r\n" +
  "Content-Type: text/plain\r\n" +
  "Content-Length: 10\r\n" +
  "\r\n" +
  "Hello, Bob";

const INVITE =
  "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKx\r\n" +
  "Max-Forwards: 69\r\n" +
  "t: \"Bob <x;tag=no>\" <sip:bob@biloxi.example.com;tag=uri>\r\n" +
  "Timestamp: 54\r\n" +
  "v:SIP/2.0/UDP  c.example.com;branch=z9hG4bKc\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=88sja8x\r\n" +
  "i: a84b4c76e66710\r\n" +
  "CSeq : 314159 INVITE\r\n" +
  "Content-Length: 0\r\n" +
  "\r\n";

/** 180 to the INVITE: To gets our tag (the tag-looking bits are in quotes and in the URI). */
function build180(cap: i32): i32 {
  view(INVITE);
  wStart(W, OUT, cap);
  const t = put(SPAN, "b0b");
  return buildResponseFrom(W, REQ, 180, "Ringing", SPAN, t);
}
const GOLD_180 =
  "SIP/2.0 180 Ringing\r\n" +
  "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKx\r\n" +
  "v:SIP/2.0/UDP  c.example.com;branch=z9hG4bKc\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=88sja8x\r\n" +
  "t: \"Bob <x;tag=no>\" <sip:bob@biloxi.example.com;tag=uri>;tag=b0b\r\n" +
  "i: a84b4c76e66710\r\n" +
  "CSeq : 314159 INVITE\r\n" +
  "Content-Length: 0\r\n" +
  "\r\n";

/** 100 Trying: no tag added even when given, Timestamp reflected (§8.2.6.1). */
function build100(cap: i32): i32 {
  view(INVITE);
  wStart(W, OUT, cap);
  const t = put(SPAN, "b0b");
  return buildResponseFrom(W, REQ, 100, "Trying", SPAN, t);
}
const GOLD_100 =
  "SIP/2.0 100 Trying\r\n" +
  "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKx\r\n" +
  "v:SIP/2.0/UDP  c.example.com;branch=z9hG4bKc\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=88sja8x\r\n" +
  "t: \"Bob <x;tag=no>\" <sip:bob@biloxi.example.com;tag=uri>\r\n" +
  "i: a84b4c76e66710\r\n" +
  "CSeq : 314159 INVITE\r\n" +
  "Timestamp: 54\r\n" +
  "Content-Length: 0\r\n" +
  "\r\n";

const BYE =
  "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n" +
  "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
  "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" +
  "Call-ID: a84b4c76e66710\r\n" +
  "CSeq: 231 BYE\r\n" +
  "Content-Length: 0\r\n" +
  "\r\n";

/** 200 to an in-dialog BYE: To already tagged, so copied verbatim, with Contact and a body added by the caller. */
function build200(cap: i32): i32 {
  view(BYE);
  wStart(W, OUT, cap);
  const t = put(SPAN, "zzz");
  wResponseHeadersFrom(W, REQ, 200, "OK", SPAN, t);
  wHeaderStr(W, "Contact", "<sip:bob@192.0.2.4>");
  wCopyHeaderFrom(W, REQ, 0);                     // a second copy of the top Via, just to use the piece
  wRaw(W, SPAN, t); wU64(W, 42); wCrlf(W);       // a raw line "zzz42"
  const b = put(SPAN + 128, "x");
  return wEnd(W, SPAN + 128, b);
}
const GOLD_200 =
  "SIP/2.0 200 OK\r\n" +
  "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n" +
  "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n" +
  "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
  "Call-ID: a84b4c76e66710\r\n" +
  "CSeq: 231 BYE\r\n" +
  "Contact: <sip:bob@192.0.2.4>\r\n" +
  "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10\r\n" +
  "zzz42\r\n" +
  "Content-Length: 1\r\n" +
  "\r\n" +
  "x";

/** A request line from spans (method copied from a parsed request), header-less, no body. */
function buildSpanLine(cap: i32): i32 {
  view(BYE);
  wStart(W, OUT, cap);
  wRequestLineSpan(W, IN, 3, IN + 4, 34);
  wCSeq(W, 18446744073709551615, "BYE");
  return wEnd(W, 0, 0);
}
const GOLD_SPANLINE =
  "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n" +
  "CSeq: 18446744073709551615 BYE\r\n" +
  "Content-Length: 0\r\n" +
  "\r\n";

const ROWS: i32 = 5;
function rowName(r: i32): string {
  if (r == 0) return "MESSAGE request";
  if (r == 1) return "180 with added To tag";
  if (r == 2) return "100 Trying with Timestamp";
  if (r == 3) return "200 to BYE with Contact and body";
  return "request line from spans";
}
function rowGold(r: i32): string {
  if (r == 0) return GOLD_MESSAGE;
  if (r == 1) return GOLD_180;
  if (r == 2) return GOLD_100;
  if (r == 3) return GOLD_200;
  return GOLD_SPANLINE;
}
function rowBuild(r: i32, cap: i32): i32 {
  if (r == 0) return buildMessage(cap);
  if (r == 1) return build180(cap);
  if (r == 2) return build100(cap);
  if (r == 3) return build200(cap);
  return buildSpanLine(cap);
}

function fillGuard(): void { memory.fill(OUT, 0xaa, <usize>(OUT_CAP + GUARD)); }
/** Index of the first byte in [from, from+GUARD) that is not the guard, or -1. */
function guardBroken(from: i32): i32 {
  for (let i = 0; i < GUARD; i++) if (load<u8>(OUT + from + i) != 0xaa) return from + i;
  return -1;
}

describe("sip_build golden bytes", () => {
  test("each row builds its golden message at a roomy cap and at cap == len", () => {
    for (let r = 0; r < ROWS; r++) {
      const g = rowGold(r);
      fillGuard();
      const n = rowBuild(r, OUT_CAP);
      expect(n).toBe(g.length, rowName(r));
      expect(str(OUT, n)).toBe(g, rowName(r));
      expect(W.err).toBe(BuildErr.OK, rowName(r));
      fillGuard();
      expect(rowBuild(r, g.length)).toBe(g.length, rowName(r) + " at exact cap");
      expect(guardBroken(g.length)).toBe(-1, rowName(r));
      expect(str(OUT, g.length)).toBe(g, rowName(r));
    }
  });
  test("every cap below the length gives -1 and leaves the bytes at and after cap untouched", () => {
    for (let r = 0; r < ROWS; r++) {
      const len = rowGold(r).length;
      for (let cap = 0; cap < len; cap++) {
        fillGuard();
        const n = rowBuild(r, cap);
        if (n != -1) expect(n).toBe(-1, rowName(r) + " cap " + cap.toString());
        const b = guardBroken(cap);
        if (b != -1) expect(b).toBe(-1, rowName(r) + " wrote past cap " + cap.toString());
        if (W.overflow != 1 || W.err != BuildErr.Overflow) expect(W.err).toBe(BuildErr.Overflow, rowName(r));
        if (W.len > cap) expect(W.len).toBeLessThanOrEqual(cap);
      }
    }
  });
  test("negative cap is treated as 0", () => {
    fillGuard();
    expect(buildMessage(-5)).toBe(-1);
    expect(guardBroken(0)).toBe(-1);
  });
});

describe("sip_build errors are sticky and never trap", () => {
  test("status code outside 100..699", () => {
    wStart(W, OUT, OUT_CAP);
    expect(wStatusLine(W, 99, "Low")).toBe(-1);
    expect(W.err).toBe(BuildErr.BadStatus);
    expect(W.overflow).toBe(0);
    expect(wHeaderStr(W, "A", "b")).toBe(-1);
    expect(W.len).toBe(0);
    expect(wEnd(W, 0, 0)).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    expect(wStatusLine(W, 700, "High")).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    expect(wStatusLine(W, 699, "Top")).toBe(17);
    expect(str(OUT, 17)).toBe("SIP/2.0 699 Top\r\n");
    view(BYE);
    wStart(W, OUT, OUT_CAP);
    expect(buildResponseFrom(W, REQ, 1000, "X", 0, 0)).toBe(-1);
  });
  test("CR/LF in a header value span (header injection) is refused", () => {
    wStart(W, OUT, OUT_CAP);
    const n = put(SPAN, "hi\r\nVia: evil");
    expect(wHeader(W, "Subject", SPAN, n)).toBe(-1);
    expect(W.err).toBe(BuildErr.BadByte);
    expect(W.len).toBe(0);
    wStart(W, OUT, OUT_CAP);
    expect(wHeader(W, "Subject", SPAN, 2)).toBe(13);
    expect(wHeader(W, "Subject", SPAN, -1)).toBe(-1);
    expect(buildErrReason(W.err)).toBe("illegal byte in span");
  });
  test("Request-URI with SP, CTL or empty; method span not a token", () => {
    const bads: string[] = ["sip:a b", "sip:a\tb", "sip:a\x7f", "sip:\r\n", ""];
    for (let i = 0; i < bads.length; i++) {
      wStart(W, OUT, OUT_CAP);
      expect(wRequestLine(W, "OPTIONS", SPAN, put(SPAN, bads[i]))).toBe(-1, bads[i]);
      expect(W.err).toBe(BuildErr.BadByte);
    }
    const u = put(SPAN, "sip:x");
    const m = put(SPAN + 64, "BA D");
    wStart(W, OUT, OUT_CAP);
    expect(wRequestLineSpan(W, SPAN + 64, m, SPAN, u)).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    expect(wRequestLineSpan(W, SPAN + 64, 0, SPAN, u)).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    expect(wRequestLineSpan(W, SPAN + 64, 2, SPAN, u)).toBe(18);
    expect(str(OUT, 18)).toBe("BA sip:x SIP/2.0\r\n");
  });
  test("wCopyHeaderFrom: index out of range or inconsistent spans", () => {
    view(BYE);
    wStart(W, OUT, OUT_CAP);
    expect(wCopyHeaderFrom(W, REQ, -1)).toBe(-1);
    expect(W.err).toBe(BuildErr.BadIndex);
    wStart(W, OUT, OUT_CAP);
    expect(wCopyHeaderFrom(W, REQ, REQ.hdrCount)).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    store<i32>(REQ.hdrs, 9999, 12);   // Via value offset past the message
    expect(wCopyHeaderFrom(W, REQ, 0)).toBe(-1);
    wStart(W, OUT, OUT_CAP);
    store<i32>(REQ.hdrs, 1, 12);      // value before the name end
    expect(wCopyHeaderFrom(W, REQ, 0)).toBe(-1);
  });
  test("a tag that is not a token is refused", () => {
    view(INVITE);
    wStart(W, OUT, OUT_CAP);
    const t = put(SPAN, "a;b");
    expect(buildResponseFrom(W, REQ, 486, "Busy Here", SPAN, t)).toBe(-1);
    expect(W.err).toBe(BuildErr.BadByte);
  });
  test("response with missing headers still builds (answering a malformed request)", () => {
    view("OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n");
    wStart(W, OUT, OUT_CAP);
    const n = buildResponseFrom(W, REQ, 400, "Bad Request", SPAN, put(SPAN, "t1"));
    expect(str(OUT, n)).toBe("SIP/2.0 400 Bad Request\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n");
  });
  test("To without a tag and no tag given: copied verbatim (tagLen 0)", () => {
    view("OPTIONS sip:x SIP/2.0\r\nTo: <sip:x>\r\n\r\n");
    wStart(W, OUT, OUT_CAP);
    const n = buildResponseFrom(W, REQ, 200, "OK", 0, 0);
    expect(str(OUT, n)).toBe("SIP/2.0 200 OK\r\nTo: <sip:x>\r\nContent-Length: 0\r\n\r\n");
    expect(wResult(W)).toBe(n);
  });
  test("wCopyAll copies every header of a type in order", () => {
    view(INVITE);
    wStart(W, OUT, OUT_CAP);
    const n = wCopyAll(W, REQ, HdrType.Via);
    expect(str(OUT, n)).toBe(
      "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKx\r\n" +
      "v:SIP/2.0/UDP  c.example.com;branch=z9hG4bKc\r\n");
    wStart(W, OUT, OUT_CAP);
    expect(wCopyAll(W, REQ, HdrType.RecordRoute)).toBe(0);
    wStart(W, OUT, 10);
    expect(wCopyAll(W, REQ, HdrType.Via)).toBe(-1);
  });
  test("empty header value copies the name and colon", () => {
    view("OPTIONS sip:x SIP/2.0\r\nX-E:\r\nTo: <sip:x>\r\n\r\n");
    wStart(W, OUT, OUT_CAP);
    const n = wCopyHeaderFrom(W, REQ, 0);
    expect(str(OUT, n)).toBe("X-E:\r\n");
  });
});

describe("sip_build helpers", () => {
  test("putBranch writes the magic cookie and 16 lowercase hex digits", () => {
    memory.fill(OUT, 0xaa, 64);
    expect(putBranch(OUT, 0)).toBe(BRANCH_LEN);
    expect(str(OUT, BRANCH_LEN)).toBe("z9hG4bK0000000000000000");
    expect(load<u8>(OUT + BRANCH_LEN)).toBe(0xaa);
    putBranch(OUT, 0xfedcba9876543210);
    expect(str(OUT, BRANCH_LEN)).toBe("z9hG4bKfedcba9876543210");
  });
  test("hasTagParam: header params only, outside quotes and brackets", () => {
    const yes: string[] = [
      "<sip:a@b>;tag=1", "sip:a@b;tag=1", "<sip:a@b> ; TAG = 1", "<sip:a@b>;x=1;tag=2",
      "\"q\\\"<;tag=\" <sip:a@b>;tag=z", "sip:a@b;tag",
    ];
    const no: string[] = [
      "<sip:a@b;tag=1>", "\"x;tag=1\" <sip:a@b>", "<sip:a@b>;tagx=1", "<sip:a@b>;xtag=1",
      "<sip:a@b>", "", "<sip:a@b>;ta", "\"unterminated;tag=1", "<unterminated;tag=1",
    ];
    for (let i = 0; i < yes.length; i++) expect(hasTagParam(SPAN, put(SPAN, yes[i]))).toBe(true, yes[i]);
    for (let i = 0; i < no.length; i++) expect(hasTagParam(SPAN, put(SPAN, no[i]))).toBe(false, no[i]);
  });
  test("hasTagParam never reads past len (every prefix of a tagged value)", () => {
    const s = "\"A\\\\\" <sip:a@b>;tag=xyz";
    const n = put(SPAN, s);
    for (let k = 0; k <= n; k++) {
      // bytes after k are garbage that would make a tag appear if read
      store<u8>(SPAN + k, 0x74);
      expect(hasTagParam(SPAN, k)).toBe(k >= 19, k.toString());
      put(SPAN, s);
    }
  });
  test("methodName", () => {
    expect(methodName(Method.INVITE)).toBe("INVITE");
    expect(methodName(Method.PUBLISH)).toBe("PUBLISH");
    expect(methodName(Method.Unknown)).toBe("");
  });
});
