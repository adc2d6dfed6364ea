// SIP framing (assembly/wire/sip.ts): datagram and stream, start line, folding, compact
// forms, Content-Length rules (RFC 3261 §7, §18.3). Every stream row is fed whole, byte by
// byte and at every split point; every prefix of a good message must be NEED_MORE.

import { sipParse, hdrTypeOf, SipStream, sipStreamAt, sipStreamReset, sipStreamFeed, sipStreamNext, sipStreamConsume } from "../../../assembly/wire/sip";
import { SipMsg, sipMsgAt, HDR_STRIDE, HdrType, Method } from "../../../assembly/wire/sip_msg";
import { SipErr, sipErrCode } from "../../../assembly/wire/sip_err";
import { SIP_HDR_MAX } from "../../../assembly/mem/limits";
import { BAD, NEED_MORE } from "../../../assembly/mem/result";

const IN = memory.data(16384);
const SB = memory.data(16384);
const M = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const S = sipStreamAt(memory.data(offsetof<SipStream>(), 8));

function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(off: i32, n: i32): string { return String.UTF8.decodeUnsafe(M.base + off, <usize>n); }

const REQ = "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 4\r\n\r\nbody";

/** Feeds msg into the stream in pieces cut at `cuts` (sorted); returns the final sipStreamNext result. */
function streamCuts(n: i32, a: i32, b: i32): i32 {
  sipStreamReset(S, SB, 16384);
  let off = 0, r = NEED_MORE;
  const ends: i32[] = [a, b, n];
  for (let k = 0; k < 3; k++) {
    const e = ends[k];
    if (e <= off) continue;
    sipStreamFeed(S, IN + off, e - off);
    off = e;
    r = sipStreamNext(S, M);
    if (r != NEED_MORE) return r;
  }
  return r;
}
function streamBytewise(n: i32): i32 {
  sipStreamReset(S, SB, 16384);
  let r = NEED_MORE;
  for (let i = 0; i < n; i++) {
    sipStreamFeed(S, IN + i, 1);
    r = sipStreamNext(S, M);
    if (r != NEED_MORE) { if (i != n - 1) return -100 - i; return r; }
  }
  return r;
}

// name, message, datagram result (> 0 length or SipErr negated), stream result
const GOOD: string[] = [
  REQ,
  // folding + LWS before colon + compact forms (RFC 4475 wsinv style)
  "INVITE sip:b@h SIP/2.0\r\nTO :\r\n sip:b@h ;tag=1\r\nv:  SIP/2.0/UDP h\r\n ;branch=z9hG4bK2\r\nf: <sip:a@h>;tag=2\r\ni: c\r\nCSeq: 1\r\n  INVITE\r\nl: 0\r\n\r\n",
  // response with empty reason
  "SIP/2.0 100 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
];

describe("sip framing", () => {
  test("datagram parse of a request: start line, header table, body", () => {
    const n = put(REQ);
    expect(sipParse(IN, n, M, true)).toBe(n);
    expect(M.isRequest).toBe(1);
    expect(M.method).toBe(Method.OPTIONS);
    expect(str(M.uriOff, M.uriLen)).toBe("sip:bob@example.com");
    expect(str(M.verOff, M.verLen)).toBe("SIP/2.0");
    expect(M.hdrCount).toBe(6);
    expect(M.hdrType(M.firstCSeq)).toBe(HdrType.CSeq);
    expect(str(M.valOff(M.firstCallId), M.valLen(M.firstCallId))).toBe("x");
    expect(M.contentLength).toBe(4);
    expect(str(M.bodyOff, M.bodyLen)).toBe("body");
  });

  test("header names: long, compact, caseless, unknown", () => {
    const cases: string[] = ["Via", "v", "VIA", "f", "From", "t", "To", "i", "call-id", "m", "Contact", "l", "content-LENGTH", "c", "Content-Type", "k", "Supported", "C%6Fntact", "X-Foo", "Record-Route", "Max-Forwards", "Require", "Proxy-Require", "Accept", "Date", "Expires", "Route"];
    const want: i32[] = [HdrType.Via, HdrType.Via, HdrType.Via, HdrType.From, HdrType.From, HdrType.To, HdrType.To, HdrType.CallId, HdrType.CallId, HdrType.Contact, HdrType.Contact, HdrType.ContentLength, HdrType.ContentLength, HdrType.ContentType, HdrType.ContentType, HdrType.Supported, HdrType.Supported, HdrType.Other, HdrType.Other, HdrType.RecordRoute, HdrType.MaxForwards, HdrType.Require, HdrType.ProxyRequire, HdrType.Accept, HdrType.Date, HdrType.Expires, HdrType.Route];
    for (let k = 0; k < cases.length; k++) expect(hdrTypeOf(IN, 0, put(cases[k]))).toBe(want[k], cases[k]);
  });

  test("folded values keep their raw span and are trimmed", () => {
    const n = put(GOOD[1]);
    expect(sipParse(IN, n, M, true)).toBe(n);
    expect(str(M.valOff(M.firstTo), M.valLen(M.firstTo))).toBe("sip:b@h ;tag=1");
    expect(str(M.valOff(M.firstCSeq), M.valLen(M.firstCSeq))).toBe("1\r\n  INVITE");
  });

  test("good messages: stream whole, byte by byte, every split point, every prefix NEED_MORE", () => {
    for (let k = 0; k < GOOD.length; k++) {
      const n = put(GOOD[k]);
      expect(sipParse(IN, n, M, false)).toBe(n);
      expect(streamCuts(n, n, n)).toBe(n);
      expect(streamBytewise(n)).toBe(n);
      for (let a = 1; a < n; a++) expect(streamCuts(n, a, n)).toBe(n);
      for (let a = 0; a < n; a++) expect(sipParse(IN, a, M, false)).toBe(NEED_MORE);
    }
  });

  test("stream: two pipelined messages with keep-alive CRLFs", () => {
    const one = GOOD[2];
    const n = put("\r\n\r\n" + one + "\r\n" + one);
    sipStreamReset(S, SB, 16384);
    expect(sipStreamFeed(S, IN, n)).toBe(n);
    expect(sipStreamNext(S, M)).toBe(one.length);
    expect(M.status).toBe(100);
    sipStreamConsume(S, one.length);
    expect(sipStreamNext(S, M)).toBe(one.length);
    sipStreamConsume(S, one.length);
    expect(sipStreamNext(S, M)).toBe(NEED_MORE);
  });

  test("datagram §18.3: trailing octets ignored, short body 400, no Content-Length = rest", () => {
    let n = put("OPTIONS sip:b@h SIP/2.0\r\nl: 0\r\n\r\nJUNK");
    expect(sipParse(IN, n, M, true)).toBe(n - 4);
    n = put("OPTIONS sip:b@h SIP/2.0\r\nl: 10\r\n\r\nabc");
    expect(sipParse(IN, n, M, true)).toBe(BAD);
    expect(M.err).toBe(SipErr.BodyShort);
    n = put("OPTIONS sip:b@h SIP/2.0\r\nX: y\r\n\r\nabc");
    expect(sipParse(IN, n, M, true)).toBe(n);
    expect(M.bodyLen).toBe(3);
    // header section not closed (RFC 4475 baddn): judged as is
    n = put("OPTIONS sip:b@h SIP/2.0\r\nl: 0\r\n");
    expect(sipParse(IN, n, M, true)).toBe(n);
    expect(M.hdrCount).toBe(1);
  });

  test("errors: start line, names, CRLF, Content-Length", () => {
    const bad: string[] = [
      "INVITE  sip:b@h SIP/2.0\r\n\r\n",            // double SP
      "INVITE sip:b@h SIP/2.0 \r\n\r\n",            // trailing SP
      "INVITE sip:b@h; lr SIP/2.0\r\n\r\n",         // LWS in URI
      "INVITE sip:b@h\r\n\r\n",                     // no version
      "SIP/2.0 4294967301 big\r\n\r\n",             // status not 3 digits
      "SIP/2.0 20 OK\r\n\r\n",
      "OPTIONS sip:b@h SIP/2.0\nVia: x\r\n\r\n",     // bare LF
      "OPTIONS sip:b@h SIP/2.0\r\nVia: x\ny\r\n\r\n",
      "OPTIONS sip:b@h SIP/2.0\r\nVia: x\ry\r\n\r\n", // bare CR
      "OPTIONS sip:b@h SIP/2.0\r\n : x\r\n\r\n",     // fold before any header
      "OPTIONS sip:b@h SIP/2.0\r\nVia x\r\n\r\n",    // no colon
      "OPTIONS sip:b@h SIP/2.0\r\nV(a: x\r\n\r\n",   // non-token name
      "OPTIONS sip:b@h SIP/2.0\r\nl: -1\r\n\r\n",
      "OPTIONS sip:b@h SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\nab",
      "OPTIONS sip:b@h SIP/2.0\r\nl: 99999999999\r\n\r\n",
    ];
    const errs: i32[] = [SipErr.RequestUri, SipErr.VersionSyntax, SipErr.VersionSyntax, SipErr.RequestUri, SipErr.Status, SipErr.Status,
      SipErr.BareLf, SipErr.BareLf, SipErr.BareLf, SipErr.HeaderName, SipErr.HeaderColon, SipErr.HeaderColon,
      SipErr.ContentLength, SipErr.ContentLengthConflict, SipErr.ContentLength];
    for (let k = 0; k < bad.length; k++) {
      const n = put(bad[k]);
      expect(sipParse(IN, n, M, true)).toBe(BAD, bad[k]);
      expect(M.err).toBe(errs[k], bad[k]);
      expect(sipErrCode(M.err)).toBe(400);
    }
  });

  test("too many headers -> 513; stream overflow -> 513 / 413", () => {
    let s = "OPTIONS sip:b@h SIP/2.0\r\n";
    for (let i = 0; i <= SIP_HDR_MAX; i++) s += "X: y\r\n";
    s += "\r\n";
    let n = put(s);
    expect(sipParse(IN, n, M, true)).toBe(BAD);
    expect(M.err).toBe(SipErr.TooManyHeaders);
    expect(sipErrCode(M.err)).toBe(513);
    n = put("OPTIONS sip:b@h SIP/2.0\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    sipStreamReset(S, SB, 40);
    sipStreamFeed(S, IN, n);
    expect(sipStreamNext(S, M)).toBe(BAD);
    expect(sipErrCode(M.err)).toBe(513);
    n = put("OPTIONS sip:b@h SIP/2.0\r\nl: 100\r\n\r\n");
    sipStreamReset(S, SB, 64);
    sipStreamFeed(S, IN, n);
    expect(sipStreamNext(S, M)).toBe(BAD);
    expect(sipErrCode(M.err)).toBe(413);
  });

  test("truncated and mutated inputs never trap", () => {
    const n0 = put(GOOD[1]);
    const src = memory.data(1024);
    memory.copy(src, IN, n0);
    const bytes: u8[] = [0, 10, 13, 32, 9, 34, 44, 58, 59, 60, 62, 0x7f, 0xff];
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < bytes.length; j++) {
        memory.copy(IN, src, n0);
        store<u8>(IN + i, bytes[j]);
        const r1 = sipParse(IN, n0, M, true);
        const r2 = sipParse(IN, n0, M, false);
        expect(r1 == BAD || r1 > 0).toBe(true);
        expect(r2 == BAD || r2 > 0 || r2 == NEED_MORE).toBe(true);
      }
      const r3 = sipParse(src, i, M, true);
      expect(r3 == BAD || r3 > 0).toBe(true);
    }
  });
});
