// MSRP frame parser: every row is fed whole, one byte at a time and split at every point
// (STYLE feedAllWays); all ways must give the same event log.
import { msrpParserAt, msrpReset, msrpFeed, MsrpEvent, MsrpMethod, MsrpHdr, MSRP_PARSER_BYTES, MSRP_HDR_STRIDE, RANGE_STAR, REPORT_NO } from "../../../assembly/wire/msrp";
import { MsrpErr, msrpErrCode, msrpErrReason, msrpErrFatal } from "../../../assembly/wire/msrp_err";
import { MSRP_HDR_MAX } from "../../../assembly/mem/limits";

const HDR_CAP: i32 = 1024;
const P = msrpParserAt(memory.data(MSRP_PARSER_BYTES, 8), memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8), memory.data(HDR_CAP, 8), HDR_CAP);
const IN = memory.data(8192);

function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}

let log = "";
let body = "";
const BODY = memory.data(8192);
let bodyN = 0;
let errLogged = false;
/** Feeds [IN+from, IN+to) in one call sequence, appending events to log. */
function feed(from: i32, to: i32): void {
  let off = from;
  for (let r = 0; r < 4 * (to - from) + 8; r++) {
    const used = msrpFeed(P, IN + off, to - off);
    off += used;
    const ev = P.event;
    if (ev == MsrpEvent.None) { expect(off).toBe(to); return; }
    if (ev == MsrpEvent.Error) { if (!errLogged) log += "X" + P.err.toString() + ";"; errLogged = true; return; }
    if (ev == MsrpEvent.Headers) { log += "H" + P.err.toString() + "|"; bodyN = 0; }
    else if (ev == MsrpEvent.Body) { memory.copy(BODY + bodyN, P.bodyPtr, P.bodyLen); bodyN += P.bodyLen; }
    else if (ev == MsrpEvent.End) { log += "B[" + String.UTF8.decodeUnsafe(BODY, bodyN) + "]E" + String.fromCharCode(P.flag) + ";"; bodyN = 0; }
  }
}
function finish(): string { return P.inFrame() ? log + "open" : log; }

function runStep(n: i32, step: i32): string {
  msrpReset(P); log = ""; bodyN = 0; errLogged = false;
  for (let o = 0; o < n; o += step) feed(o, min(n, o + step));
  return finish();
}
function runSplit(n: i32, k: i32): string {
  msrpReset(P); log = ""; bodyN = 0; errLogged = false;
  feed(0, k); feed(k, n);
  return finish();
}
/** STYLE feedAllWays: whole, byte by byte, 7 at a time, every split point; returns the log. */
function feedAllWays(s: string): string {
  const n = put(s);
  const whole = runStep(n, n);
  expect(runStep(n, 1)).toBe(whole, "byte by byte");
  expect(runStep(n, 7)).toBe(whole, "7 at a time");
  for (let k = 0; k <= n; k++) {
    const got = runSplit(n, k);
    if (got != whole) expect(got).toBe(whole, "split at " + k.toString());
  }
  // leave P holding the whole-feed view for the caller's checks
  runStep(n, n);
  return whole;
}

const TO = "To-Path: msrp://bob.example.com:8493/si438dsaodes;tcp\r\n";
const FROM = "From-Path: msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";
const SEND_BASIC = "MSRP a786hjs2 SEND\r\n" + TO + FROM + "Message-ID: 87652491\r\nByte-Range: 1-22/22\r\nContent-Type: text/plain\r\n\r\nHi Bob, are you there?\r\n-------a786hjs2$\r\n";

class Row { constructor(public name: string, public input: string, public want: string) {} }
const E = (e: i32): string => e.toString();

const ROWS: Row[] = [
  new Row("send basic", SEND_BASIC, "H0|B[Hi Bob, are you there?]E$;"),
  new Row("200 response, no body", "MSRP a786hjs2 200 OK\r\n" + TO + FROM + "-------a786hjs2$\r\n", "H0|B[]E$;"),
  new Row("response without comment", "MSRP a786hjs2 200\r\n" + TO + FROM + "-------a786hjs2$\r\n", "H0|B[]E$;"),
  new Row("empty bind SEND", "MSRP j3k4l5m6 SEND\r\n" + TO + FROM + "Message-ID: h7f6d5s4\r\nByte-Range: 1-0/0\r\n-------j3k4l5m6$\r\n", "H0|B[]E$;"),
  new Row("chunk with +", "MSRP dkei38sd SEND\r\n" + TO + FROM + "Message-ID: m1m2m3m4\r\nByte-Range: 1-3/9\r\nContent-Type: text/plain\r\n\r\nabc\r\n-------dkei38sd+\r\n", "H0|B[abc]E+;"),
  new Row("interrupted #, end *", "MSRP a8sd7aif SEND\r\n" + TO + FROM + "Message-ID: m1m2m3m4\r\nByte-Range: 1-*/256\r\nContent-Type: text/plain\r\n\r\n0123\r\n-------a8sd7aif#\r\n", "H0|B[0123]E#;"),
  new Row("empty body after blank line", "MSRP e1e2e3e4 SEND\r\n" + TO + FROM + "Message-ID: m1m2m3m4\r\nContent-Type: text/plain\r\n\r\n\r\n-------e1e2e3e4$\r\n", "H0|B[]E$;"),
  new Row("fake end-lines in body", "MSRP t1t2t3t4 SEND\r\n" + TO + FROM + "Message-ID: m1m2m3m4\r\nContent-Type: text/plain\r\n\r\nx\r\n-------t1t2t3t5$\r\n-------t1t2t3t4!\r\n------\r\r\n-------t1t2t3t4$\r\r\n-------t1t2t3t4$\r\n", "H0|B[x\r\n-------t1t2t3t5$\r\n-------t1t2t3t4!\r\n------\r\r\n-------t1t2t3t4$\r]E$;"),
  new Row("two frames pipelined", SEND_BASIC + "MSRP a786hjs2 200 OK\r\n" + TO + FROM + "-------a786hjs2$\r\n", "H0|B[Hi Bob, are you there?]E$;H0|B[]E$;"),
  new Row("REPORT with Status", "MSRP dkei38sd REPORT\r\n" + TO + FROM + "Message-ID: 12339sdqwer\r\nByte-Range: 1-266/266\r\nStatus: 000 200 OK\r\n-------dkei38sd$\r\n", "H0|B[]E$;"),
  new Row("AUTH, relay URI without session", "MSRP 49fh AUTH\r\nTo-Path: msrps://alice@relay.example.com;tcp\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n-------49fh$\r\n", "H0|B[]E$;"),
  new Row("200 with Use-Path and Expires", "MSRP 49fi 200 OK\r\n" + TO + FROM + "Use-Path: msrps://relay.example.com:9000/jui787s2f;tcp\r\nExpires: 900\r\n-------49fi$\r\n", "H0|B[]E$;"),
  new Row("caseless header names", "MSRP a786hjs2 SEND\r\nto-path: msrp://b.example.com/s1;tcp\r\nFROM-PATH: msrp://a.example.com/s2;tcp\r\nmessage-id: abcd\r\ncontent-type: text/plain\r\n\r\nx\r\n-------a786hjs2$\r\n", "H0|B[x]E$;"),
  // frame errors: the frame is still read to its end-line
  new Row("missing To-Path", "MSRP q9w8e7r6 SEND\r\n" + FROM + "Message-ID: nt0p4th1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------q9w8e7r6$\r\n", "H" + E(MsrpErr.MissingToPath) + "|B[Hello]E$;"),
  new Row("missing From-Path", "MSRP q9w8e7r6 SEND\r\n" + TO + "Message-ID: nt0p4th1\r\n-------q9w8e7r6$\r\n", "H" + E(MsrpErr.MissingFromPath) + "|B[]E$;"),
  new Row("Byte-Range 0-4/5", "MSRP z0z0z0z0 SEND\r\n" + TO + FROM + "Message-ID: br0start1\r\nByte-Range: 0-4/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------z0z0z0z0$\r\n", "H" + E(MsrpErr.ByteRangeStartZero) + "|B[Hello]E$;"),
  new Row("Byte-Range 10-4/20", "MSRP y1y2y3y4 SEND\r\n" + TO + FROM + "Message-ID: br2end3\r\nByte-Range: 10-4/20\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------y1y2y3y4$\r\n", "H" + E(MsrpErr.ByteRangeOrder) + "|B[Hello]E$;"),
  new Row("Byte-Range junk", "MSRP y1y2y3y4 SEND\r\n" + TO + FROM + "Message-ID: br2end3\r\nByte-Range: 1-x/20\r\n-------y1y2y3y4$\r\n", "H" + E(MsrpErr.BadByteRange) + "|B[]E$;"),
  new Row("unknown method", "MSRP u7n8k9w0 FROBNICATE\r\n" + TO + FROM + "-------u7n8k9w0$\r\n", "H" + E(MsrpErr.UnknownMethod) + "|B[]E$;"),
  new Row("lowercase method", "MSRP u7n8k9w0 send\r\n" + TO + FROM + "-------u7n8k9w0$\r\n", "H" + E(MsrpErr.BadMethod) + "|B[]E$;"),
  new Row("status 2OO", "MSRP a786hjs2 2OO OK\r\n" + TO + FROM + "-------a786hjs2$\r\n", "H" + E(MsrpErr.BadStatusCode) + "|B[]E$;"),
  new Row("body without Content-Type", "MSRP n0ct1234 SEND\r\n" + TO + FROM + "Message-ID: noctype99\r\nByte-Range: 1-5/5\r\n\r\nHello\r\n-------n0ct1234$\r\n", "H" + E(MsrpErr.BodyWithoutContentType) + "|B[Hello]E$;"),
  new Row("Content-Type not last", "MSRP n0ct1234 SEND\r\n" + TO + FROM + "Message-ID: noctype99\r\nContent-Type: text/plain\r\nByte-Range: 1-5/5\r\n\r\nHello\r\n-------n0ct1234$\r\n", "H" + E(MsrpErr.ContentTypeNotLast) + "|B[Hello]E$;"),
  new Row("SEND without Message-ID", "MSRP m1ss1d00 SEND\r\n" + TO + FROM + "Byte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nHello\r\n-------m1ss1d00$\r\n", "H" + E(MsrpErr.MissingMessageId) + "|B[Hello]E$;"),
  new Row("REPORT without Status", "MSRP dkei38sd REPORT\r\n" + TO + FROM + "Message-ID: 12339sdqwer\r\n-------dkei38sd$\r\n", "H" + E(MsrpErr.MissingStatus) + "|B[]E$;"),
  new Row("bad Status", "MSRP dkei38sd REPORT\r\n" + TO + FROM + "Message-ID: 12339sdqwer\r\nStatus: 0 200 OK\r\n-------dkei38sd$\r\n", "H" + E(MsrpErr.BadStatusHeader) + "|B[]E$;"),
  new Row("bad Failure-Report", "MSRP 5a8f9c2e SEND\r\n" + TO + FROM + "Message-ID: 9xw2c7bn3\r\nFailure-Report: maybe\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.BadReportHeader) + "|B[]E$;"),
  new Row("To-Path without transport", "MSRP 5a8f9c2e SEND\r\nTo-Path: msrp://bob.example.com:8493/s1\r\n" + FROM + "Message-ID: 9xw2c7bn3\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.BadPath) + "|B[]E$;"),
  new Row("duplicate To-Path", "MSRP 5a8f9c2e SEND\r\n" + TO + TO + FROM + "Message-ID: 9xw2c7bn3\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.DupHeader) + "|B[]E$;"),
  new Row("header without colon", "MSRP 5a8f9c2e SEND\r\n" + TO + FROM + "Message-ID 9xw2c7bn3\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.BadHeader) + "|B[]E$;"),
  new Row("NUL in header value", "MSRP 5a8f9c2e SEND\r\n" + TO + FROM + "X-Foo: a\0b\r\nMessage-ID: 9xw2c7bn3\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.BadHeader) + "|B[]E$;"),
  new Row("bad Message-ID", "MSRP 5a8f9c2e SEND\r\n" + TO + FROM + "Message-ID: ab\r\n-------5a8f9c2e$\r\n", "H" + E(MsrpErr.BadMessageId) + "|B[]E$;"),
  new Row("response with body", "MSRP a786hjs2 200 OK\r\n" + TO + FROM + "Content-Type: text/plain\r\n\r\nx\r\n-------a786hjs2$\r\n", "H" + E(MsrpErr.ResponseBody) + "|B[x]E$;"),
  // fatal framing errors
  new Row("overlong tid", "MSRP abcdefghij0123456789ABCDEFGHIJ0123456789 SEND\r\n" + TO, "X" + E(MsrpErr.BadTid) + ";"),
  new Row("3-char tid", "MSRP abc SEND\r\n" + TO, "X" + E(MsrpErr.BadTid) + ";"),
  new Row("bare LF after start line", "MSRP b4r3lf01 SEND\n" + TO, "X" + E(MsrpErr.BareLf) + ";"),
  new Row("bare LF in header", "MSRP b4r3lf01 SEND\r\nTo-Path: x\n", "X" + E(MsrpErr.BareLf) + ";"),
  new Row("not MSRP", "HTTP/1.1 200 OK\r\n\r\n", "X" + E(MsrpErr.StartLine) + ";"),
  new Row("lowercase msrp", "msrp a786hjs2 SEND\r\n", "X" + E(MsrpErr.StartLine) + ";"),
  new Row("no-body frame, wrong end-line", "MSRP a786hjs2 200 OK\r\n" + TO + FROM + "-------a786hjs3$\r\n", "H0|X" + E(MsrpErr.EndLineExpected) + ";"),
  // never completes
  new Row("end-line tid mismatch", "MSRP a1b2c3d4 SEND\r\n" + TO + FROM + "Message-ID: mm1122aa\r\nByte-Range: 1-8/8\r\nContent-Type: text/plain\r\n\r\nmismatch\r\n-------a1b2c3d5$\r\n", "H0|open"),
  new Row("truncated end-line", SEND_BASIC.slice(0, SEND_BASIC.length - 1), "H0|open"),
];

describe("msrp frame parser", () => {
  test("table, fed all ways", () => {
    for (let i = 0; i < ROWS.length; i++) {
      const r = ROWS[i];
      expect(feedAllWays(r.input)).toBe(r.want, r.name);
    }
  });

  test("view of send basic", () => {
    feedAllWays(SEND_BASIC);
    expect(P.isRequest).toBe(1);
    expect(P.method).toBe(MsrpMethod.SEND);
    expect(P.tidLen).toBe(8);
    expect(P.hdrCount).toBe(5);
    expect(P.hdrType(0)).toBe(MsrpHdr.ToPath);
    expect(P.hdrType(4)).toBe(MsrpHdr.ContentType);
    expect(P.rangeStart).toBe(1);
    expect(P.rangeEnd).toBe(22);
    expect(P.rangeTotal).toBe(22);
    expect(P.bodyTotal).toBe(22);
    expect(P.flag).toBe(0x24);
    expect(P.hasBody).toBe(1);
  });

  test("view of REPORT, response, report headers", () => {
    feedAllWays("MSRP 29sdmvn2 REPORT\r\n" + TO + FROM + "Message-ID: 4sf8h2w9x1\r\nByte-Range: 1-*/*\r\nStatus: 000 413 Message too large\r\n-------29sdmvn2$\r\n");
    expect(P.method).toBe(MsrpMethod.REPORT);
    expect(P.statusNs).toBe(0);
    expect(P.statusCode).toBe(413);
    expect(P.statusReasonLen).toBe(17);
    expect(P.rangeEnd).toBe(RANGE_STAR);
    expect(P.rangeTotal).toBe(RANGE_STAR);
    feedAllWays("MSRP a786hjs2 401 Unauthorized\r\n" + TO + FROM + "-------a786hjs2$\r\n");
    expect(P.isRequest).toBe(0);
    expect(P.status).toBe(401);
    expect(P.commentLen).toBe(12);
    feedAllWays("MSRP 5a8f9c2e SEND\r\n" + TO + FROM + "Message-ID: 9xw2c7bn3\r\nFailure-Report: no\r\nExpires: 900\r\n-------5a8f9c2e$\r\n");
    expect(P.failureReport).toBe(REPORT_NO);
    expect(P.expires).toBe(900);
  });

  test("too many headers -> 400, header buffer full -> 413", () => {
    let s = "MSRP a786hjs2 SEND\r\n" + TO + FROM + "Message-ID: 87652491\r\n";
    for (let i = 0; i < MSRP_HDR_MAX; i++) s += "X-H: " + i.toString() + "\r\n";
    expect(feedAllWays(s + "-------a786hjs2$\r\n")).toBe("H" + E(MsrpErr.TooManyHeaders) + "|B[]E$;");
    expect(msrpErrCode(MsrpErr.TooManyHeaders)).toBe(400);
    let big = "MSRP a786hjs2 SEND\r\n" + TO + FROM;
    for (let i = 0; i < 20; i++) big += "X-Long: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n";
    expect(feedAllWays(big)).toBe("X" + E(MsrpErr.HeaderTooBig) + ";");
    expect(msrpErrCode(MsrpErr.HeaderTooBig)).toBe(413);
  });

  test("error codes and reasons", () => {
    expect(msrpErrCode(MsrpErr.Ok)).toBe(0);
    expect(msrpErrCode(MsrpErr.MissingToPath)).toBe(400);
    expect(msrpErrCode(MsrpErr.UnknownMethod)).toBe(501);
    expect(msrpErrCode(MsrpErr.UnknownSession)).toBe(481);
    expect(msrpErrCode(MsrpErr.TooLarge)).toBe(413);
    expect(msrpErrCode(MsrpErr.BadStatusCode)).toBe(0);
    expect(msrpErrFatal(MsrpErr.BareLf)).toBe(true);
    expect(msrpErrFatal(MsrpErr.MissingToPath)).toBe(false);
    for (let e = 0; e < MsrpErr.Count; e++) expect(msrpErrReason(e).length).toBeGreaterThan(0);
  });

  test("every prefix of a frame: no END, no trap", () => {
    const n = put(SEND_BASIC);
    for (let k = 0; k < n; k++) {
      msrpReset(P); log = ""; bodyN = 0; errLogged = false;
      feed(0, k);
      expect(log.indexOf("E$")).toBe(-1, "prefix " + k.toString());
    }
  });

  test("mutated frames: never trap, always an outcome", () => {
    const src = SEND_BASIC;
    const subs: u8[] = [0, 13, 45];
    for (let i = 0; i < src.length; i++) {
      for (let j = 0; j < subs.length; j++) {
        const n = put(src);
        store<u8>(IN + i, subs[j]);
        msrpReset(P); log = ""; bodyN = 0; errLogged = false;
        feed(0, n);
        // whatever the verdict, 1-byte feeding must agree
        const whole = finish();
        msrpReset(P); log = ""; bodyN = 0; errLogged = false;
        for (let o = 0; o < n; o++) feed(o, o + 1);
        const got = finish();
        if (got != whole) expect(got).toBe(whole, "mutated at " + i.toString());
      }
    }
  });
});
