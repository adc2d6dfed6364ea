// MSRP builders: golden bytes, -1 at every too-small capacity, and parse(build(x)) == x.
import { msrpBuildSend, msrpBuildEndLine, msrpBuildResponse, msrpBuildResponseTo, msrpBuildReport, msrpBuildBind } from "../../../assembly/wire/msrp_build";
import { msrpParserAt, msrpReset, msrpFeed, MsrpEvent, MsrpMethod, MSRP_PARSER_BYTES, MSRP_HDR_STRIDE, RANGE_STAR, REPORT_YES, REPORT_PARTIAL } from "../../../assembly/wire/msrp";
import { MSRP_HDR_MAX } from "../../../assembly/mem/limits";

const P = msrpParserAt(memory.data(MSRP_PARSER_BYTES, 8), memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8), memory.data(2048, 8), 2048);
const OUT = memory.data(2048);
const OUT2 = memory.data(2048);
const S = memory.data(1024);
let sOff = 0;
/** Stores s in S and returns its pointer (spans for the builders). */
function sp(s: string): usize {
  const p = S + sOff;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  sOff += s.length;
  return p;
}
function str(p: usize, n: i32): string { return String.UTF8.decodeUnsafe(p, n); }

const TID = "a786hjs2";
const TO = "msrp://bob.example.com:8493/si438dsaodes;tcp";
const FROM = "msrp://alice.example.com:7394/2s93i9ek2a;tcp";

/** Parses [OUT, OUT+n) whole; returns "H<err>|<body>|E<flag>" or "X<err>". */
function parse(p: usize, n: i32): string {
  msrpReset(P);
  let off = 0, log = "";
  for (let r = 0; r < 64; r++) {
    off += msrpFeed(P, p + off, n - off);
    const ev = P.event;
    if (ev == MsrpEvent.None) break;
    if (ev == MsrpEvent.Error) return "X" + P.err.toString();
    if (ev == MsrpEvent.Headers) log += "H" + P.err.toString() + "|";
    if (ev == MsrpEvent.Body) log += str(P.bodyPtr, P.bodyLen);
    if (ev == MsrpEvent.End) log += "|E" + String.fromCharCode(P.flag);
  }
  return log;
}

describe("msrp builders", () => {
  test("SEND with body: golden bytes and round trip", () => {
    sOff = 0;
    const tid = sp(TID), to = sp(TO), from = sp(FROM), mid = sp("87652491"), ct = sp("text/plain"), bodyP = sp("Hi Bob");
    let n = msrpBuildSend(OUT, 2048, tid, 8, to, TO.length, from, FROM.length, mid, 8, 1, 6, 6, REPORT_YES, REPORT_PARTIAL, ct, 10);
    const head = "MSRP a786hjs2 SEND\r\nTo-Path: " + TO + "\r\nFrom-Path: " + FROM + "\r\nMessage-ID: 87652491\r\nSuccess-Report: yes\r\nFailure-Report: partial\r\nByte-Range: 1-6/6\r\nContent-Type: text/plain\r\n\r\n";
    expect(str(OUT, n)).toBe(head);
    memory.copy(OUT + n, bodyP, 6); n += 6;
    const e = msrpBuildEndLine(OUT + n, 2048 - n, tid, 8, 0x24, true);
    expect(str(OUT + n, e)).toBe("\r\n-------a786hjs2$\r\n");
    n += e;
    expect(parse(OUT, n)).toBe("H0|Hi Bob|E$");
    expect(P.method).toBe(MsrpMethod.SEND);
    expect(P.rangeEnd).toBe(6);
    expect(P.successReport).toBe(REPORT_YES);
    expect(P.failureReport).toBe(REPORT_PARTIAL);
    // every smaller capacity fails cleanly
    const full = head.length;
    for (let c = 0; c < full; c++) expect(msrpBuildSend(OUT2, c, tid, 8, to, TO.length, from, FROM.length, mid, 8, 1, 6, 6, REPORT_YES, REPORT_PARTIAL, ct, 10)).toBe(-1);
    expect(msrpBuildEndLine(OUT2, 2048, tid, 8, 0x41, true)).toBe(-1);
  });

  test("interrupted chunk: range-end * and flag #", () => {
    sOff = 0;
    const tid = sp(TID), to = sp(TO), from = sp(FROM), mid = sp("4sf8h2w9x1"), ct = sp("text/plain");
    let n = msrpBuildSend(OUT, 2048, tid, 8, to, TO.length, from, FROM.length, mid, 10, 65, RANGE_STAR, 256, 0, 0, ct, 10);
    expect(str(OUT, n).indexOf("Byte-Range: 65-*/256\r\n")).toBeGreaterThan(0);
    store<u8>(OUT + n, 0x78); n++;
    n += msrpBuildEndLine(OUT + n, 2048 - n, tid, 8, 0x23, true);
    expect(parse(OUT, n)).toBe("H0|x|E#");
    expect(P.rangeStart).toBe(65);
    expect(P.rangeEnd).toBe(RANGE_STAR);
  });

  test("empty bind SEND", () => {
    sOff = 0;
    const tid = sp("j3k4l5m6"), to = sp(TO), from = sp(FROM), mid = sp("h7f6d5s4");
    const n = msrpBuildBind(OUT, 2048, tid, 8, to, TO.length, from, FROM.length, mid, 8);
    expect(str(OUT, n)).toBe("MSRP j3k4l5m6 SEND\r\nTo-Path: " + TO + "\r\nFrom-Path: " + FROM + "\r\nMessage-ID: h7f6d5s4\r\nByte-Range: 1-0/0\r\n-------j3k4l5m6$\r\n");
    expect(parse(OUT, n)).toBe("H0||E$");
    for (let c = 0; c < n; c++) expect(msrpBuildBind(OUT2, c, tid, 8, to, TO.length, from, FROM.length, mid, 8)).toBe(-1);
  });

  test("response with swapped paths (§7.2)", () => {
    sOff = 0;
    const tid = sp(TID), to = sp(TO), from = sp(FROM), mid = sp("87652491"), ct = sp("text/plain");
    let n = msrpBuildSend(OUT, 2048, tid, 8, to, TO.length, from, FROM.length, mid, 8, 1, 1, 1, 0, 0, ct, 10);
    store<u8>(OUT + n, 0x78); n++;
    n += msrpBuildEndLine(OUT + n, 2048 - n, tid, 8, 0x24, true);
    expect(parse(OUT, n)).toBe("H0|x|E$");
    const r = msrpBuildResponseTo(OUT2, 2048, P, 200, "OK");
    expect(str(OUT2, r)).toBe("MSRP a786hjs2 200 OK\r\nTo-Path: " + FROM + "\r\nFrom-Path: " + TO + "\r\n-------a786hjs2$\r\n");
    expect(parse(OUT2, r)).toBe("H0||E$");
    expect(P.status).toBe(200);
    for (let c = 0; c < r; c++) expect(msrpBuildResponse(OUT, c, tid, 8, 200, "OK", from, FROM.length, to, TO.length)).toBe(-1);
    expect(msrpBuildResponse(OUT, 2048, tid, 8, 2000, "", from, FROM.length, to, TO.length)).toBe(-1);
    const r2 = msrpBuildResponse(OUT, 2048, tid, 8, 481, "", from, FROM.length, to, TO.length);
    expect(str(OUT, 26)).toBe("MSRP a786hjs2 481\r\nTo-Path");
    expect(parse(OUT, r2)).toBe("H0||E$");
  });

  test("REPORT with Status 000 code reason", () => {
    sOff = 0;
    const tid = sp("dkei38sd"), to = sp(FROM), from = sp(TO), mid = sp("12339sdqwer");
    const n = msrpBuildReport(OUT, 2048, tid, 8, to, FROM.length, from, TO.length, mid, 11, 1, 266, 266, 200, "OK");
    expect(str(OUT, n)).toBe("MSRP dkei38sd REPORT\r\nTo-Path: " + FROM + "\r\nFrom-Path: " + TO + "\r\nMessage-ID: 12339sdqwer\r\nByte-Range: 1-266/266\r\nStatus: 000 200 OK\r\n-------dkei38sd$\r\n");
    expect(parse(OUT, n)).toBe("H0||E$");
    expect(P.method).toBe(MsrpMethod.REPORT);
    expect(P.statusCode).toBe(200);
    for (let c = 0; c < n; c++) expect(msrpBuildReport(OUT2, c, tid, 8, to, FROM.length, from, TO.length, mid, 11, 1, 266, 266, 200, "OK")).toBe(-1);
  });
});
