// parse(build(x)) == x for the SIP builders through the real parser (sip.ts):
// a built request parses whole as a datagram and as a stream, with the header
// table holding what was written; a response built from it copies §8.2.6.2's headers.
import { SipMsg, sipMsgAt, HDR_STRIDE, HdrType, Method } from "../../../assembly/wire/sip_msg";
import { SIP_HDR_MAX } from "../../../assembly/mem/limits";
import { sipParse } from "../../../assembly/wire/sip";
import { SipWriter, sipWriterAt, wStart, wRequestLine, wHeaderStr, wCSeq, wHeaderOpen, wStr, wBranch, wCrlf, wEnd, buildResponseFrom } from "../../../assembly/wire/sip_build";
import { eqExact } from "../../../assembly/mem/bytes";

const REQ = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const RSP = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const W = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
const BUF = memory.data(4096);
const OUT = memory.data(4096);
const URI = memory.data(64);
const BODY = memory.data(64);

function put(p: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  return s.length;
}
function val(m: SipMsg, i: i32, s: string): bool { return eqExact(m.base + m.valOff(i), m.valLen(i), s); }

function buildMessage(): i32 {
  wStart(W, BUF, 4096);
  wRequestLine(W, "MESSAGE", URI, put(URI, "sip:tom@example.com"));
  wHeaderOpen(W, "Via"); wStr(W, "SIP/2.0/UDP 127.0.0.1:5070;branch="); wBranch(W, 0x0123456789abcdef); wCrlf(W);
  wHeaderStr(W, "Max-Forwards", "70");
  wHeaderStr(W, "From", "<sip:bob@example.com>;tag=b1");
  wHeaderStr(W, "To", "<sip:tom@example.com>");
  wHeaderStr(W, "Call-ID", "rt-1@127.0.0.1");
  wCSeq(W, 7, "MESSAGE");
  wHeaderStr(W, "Content-Type", "text/plain");
  return wEnd(W, BODY, put(BODY, "Hello Tom"));
}

describe("SIP builder round trip through sipParse", () => {
  test("a built MESSAGE parses whole, with its headers and body", () => {
    const n = buildMessage();
    expect(n).toBeGreaterThan(0);
    expect(sipParse(BUF, n, REQ, true)).toBe(n);
    expect(REQ.isRequest).toBe(1);
    expect(REQ.method).toBe(Method.MESSAGE);
    expect(REQ.hdrCount).toBe(8); // Via, Max-Forwards, From, To, Call-ID, CSeq, Content-Type, Content-Length
    expect(REQ.hdrType(REQ.firstVia)).toBe(HdrType.Via);
    expect(val(REQ, REQ.firstVia, "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK0123456789abcdef")).toBe(true);
    expect(val(REQ, REQ.firstCSeq, "7 MESSAGE")).toBe(true);
    expect(REQ.contentLength).toBe(9);
    expect(eqExact(REQ.base + REQ.bodyOff, REQ.bodyLen, "Hello Tom")).toBe(true);
  });
  test("the same bytes frame identically in stream mode", () => {
    const n = buildMessage();
    expect(sipParse(BUF, n, REQ, false)).toBe(n);
    expect(sipParse(BUF, n - 1, REQ, false)).toBe(-2); // one byte short: need more
  });
  test("a 200 built from the parsed request parses and carries the §8.2.6.2 copies", () => {
    const n = buildMessage();
    expect(sipParse(BUF, n, REQ, true)).toBe(n);
    wStart(W, OUT, 4096);
    const tag = memory.data(8);
    const r = buildResponseFrom(W, REQ, 200, "OK", tag, put(tag, "t0m"));
    expect(r).toBeGreaterThan(0);
    expect(sipParse(OUT, r, RSP, true)).toBe(r);
    expect(RSP.isRequest).toBe(0);
    expect(RSP.status).toBe(200);
    expect(val(RSP, RSP.firstVia, "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK0123456789abcdef")).toBe(true);
    expect(val(RSP, RSP.firstTo, "<sip:tom@example.com>;tag=t0m")).toBe(true);
    expect(val(RSP, RSP.firstFrom, "<sip:bob@example.com>;tag=b1")).toBe(true);
    expect(val(RSP, RSP.firstCallId, "rt-1@127.0.0.1")).toBe(true);
    expect(RSP.contentLength).toBe(0);
  });
});
