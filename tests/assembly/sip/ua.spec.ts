// UA core helpers (assembly/sip/ua.ts, RFC 3261 §8, §9, §10, §11, §12.2.2, §13; RFC 3428;
// RFC 4975 §8): golden out-of-dialog requests that parse back (parse(build(x))), REGISTER
// timing, responses with their per-code headers, and the UAS decision tables
// (405/501/420/415/400, 481/500/drop, 486/488/415, CANCEL -> 200 + 487 / 481).
// The SDP rows embed the shared corpus files sdp/offer-basic.sdp, invalid-missing-path.sdp,
// invalid-missing-accept-types.sdp, invalid-path-no-transport.sdp and offer-msrps-tls.sdp.

import {
  UaReq, uaReqAt, uaBuildRequest, uaBuildInvite, uaBuildRegister, uaBuildOptions, uaBuildMessage,
  uaBuildCancel, uaRegisterGranted, uaRegisterRefreshDelayS, uaRegisterRefreshAt, uaMinExpires,
  uaReasonPhrase, uaBuildResponse, uaCheckRequest, uaCheckDialog, uaCheckInvite, uaOnCancel,
  uaDialog, uaOfferMedia, uaSdp, uaLastReason, UA_DROP,
} from "../../../assembly/sip/ua";
import {
  UaLocal, uaLocalAt, dialogFromUasRequest, dialogConfirm, dialogReset, dialogActive, dialogState,
} from "../../../assembly/sip/dialog";
import { sipParse } from "../../../assembly/wire/sip";
import { SipMsg, sipMsgAt, HDR_STRIDE, HdrType, Method } from "../../../assembly/wire/sip_msg";
import { SipWriter, sipWriterAt, wStart, wResult } from "../../../assembly/wire/sip_build";
import { SIP_HDR_MAX } from "../../../assembly/mem/limits";

const IN = memory.data(8192);
const IN2 = memory.data(8192);
const OUT = memory.data(8192 + 64);
const OUT2 = memory.data(8192);
const SP = memory.data(2048);
const CFG = memory.data(256);
const M = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const M2 = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const OM = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
const W = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
const W2 = sipWriterAt(memory.data(offsetof<SipWriter>(), 8));
const LOCAL = uaLocalAt(memory.data(offsetof<UaLocal>(), 8));
const R = uaReqAt(memory.data(offsetof<UaReq>(), 8));

function put(dst: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(dst + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(p: usize, n: i32): string { return n < 0 ? "<fail>" : String.UTF8.decodeUnsafe(p, <usize>n); }
function hv(m: SipMsg, t: i32): string {
  for (let i = 0; i < m.hdrCount; i++) if (m.hdrType(i) == t) return str(m.base + m.valOff(i), m.valLen(i));
  return "<none>";
}
function parse(buf: usize, m: SipMsg, s: string): i32 { return sipParse(buf, put(buf, s), m, true); }

/** Spans of the request parameters laid out in SP. */
function setup(ruri: string, to: string, from: string, tag: string, callId: string, cseq: u32, route: string): void {
  let o = 0;
  R.ruriPtr = SP + o; R.ruriLen = put(SP + o, ruri); o += 128;
  R.toPtr = SP + o; R.toLen = put(SP + o, to); o += 128;
  R.fromPtr = SP + o; R.fromLen = put(SP + o, from); o += 128;
  R.fromTagPtr = SP + o; R.fromTagLen = put(SP + o, tag); o += 64;
  R.callIdPtr = SP + o; R.callIdLen = put(SP + o, callId); o += 128;
  R.routePtr = SP + o; R.routeLen = put(SP + o, route); o += 128;
  R.cseq = cseq;
  R.rnd = 0x1234;
  const a = put(CFG, "SIP/2.0/TCP 192.0.2.1:5060");
  const b = put(CFG + 128, "sip:alice@192.0.2.1:5060;transport=tcp");
  LOCAL.viaPtr = CFG; LOCAL.viaLen = a; LOCAL.rport = 1;
  LOCAL.contactPtr = CFG + 128; LOCAL.contactLen = b;
}
const BODY_AT: usize = SP + 1024;

const OFFER_BASIC =
  "v=0\r\no=alice 2890844526 2890844527 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\n" +
  "m=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";

const INVITE_GOLD =
  "INVITE sip:chat@im.example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK0000000000001234;rport\r\n" +
  "Max-Forwards: 70\r\n" +
  "Route: <sip:im.example.com;lr>\r\n" +
  "To: <sip:chat@im.example.com>\r\n" +
  "From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n" +
  "Call-ID: f81d4fae@192.0.2.1\r\n" +
  "CSeq: 1 INVITE\r\n" +
  "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n" +
  "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE\r\n" +
  "Content-Type: application/sdp\r\n" +
  "Content-Length: 208\r\n\r\n" + OFFER_BASIC;

const REGISTER_GOLD =
  "REGISTER sip:example.com SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK0000000000001234;rport\r\n" +
  "Max-Forwards: 70\r\n" +
  "To: <sip:alice@example.com>\r\n" +
  "From: <sip:alice@example.com>;tag=r1\r\n" +
  "Call-ID: reg-1@192.0.2.1\r\n" +
  "CSeq: 7 REGISTER\r\n" +
  "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n" +
  "Expires: 3600\r\n" +
  "Content-Length: 0\r\n\r\n";

describe("out-of-dialog requests (§8.1.1)", () => {
  test("INVITE with an MSRP SDP offer: golden, parses back", () => {
    setup("sip:chat@im.example.com", "<sip:chat@im.example.com>", "\"Alice\" <sip:alice@example.com>", "a73kszlfl", "f81d4fae@192.0.2.1", 1, "<sip:im.example.com;lr>");
    const b = put(BODY_AT, OFFER_BASIC);
    wStart(W, OUT, 8192);
    const n = uaBuildInvite(W, LOCAL, R, BODY_AT, b);
    expect(str(OUT, n)).toBe(INVITE_GOLD);
    expect(sipParse(OUT, n, OM, true)).toBe(n);
    expect(OM.method).toBe(Method.INVITE);
    expect(str(OUT + OM.bodyOff, OM.bodyLen)).toBe(OFFER_BASIC);
    // the offer we build is one we would accept ourselves
    expect(uaCheckInvite(OM, false, false)).toBe(0);
    expect(uaOfferMedia()).toBe(0);
  });

  test("REGISTER golden; OPTIONS and MESSAGE parse back with their headers", () => {
    setup("sip:example.com", "<sip:alice@example.com>", "<sip:alice@example.com>", "r1", "reg-1@192.0.2.1", 7, "");
    LOCAL.rport = 1;
    wStart(W, OUT, 8192);
    const n = uaBuildRegister(W, LOCAL, R, 3600);
    expect(str(OUT, n)).toBe(REGISTER_GOLD);
    expect(sipParse(OUT, n, OM, true)).toBe(n);
    expect(hv(OM, HdrType.Expires)).toBe("3600");

    wStart(W, OUT, 8192);
    const o = uaBuildOptions(W, LOCAL, R);
    expect(sipParse(OUT, o, OM, true)).toBe(o);
    expect(OM.method).toBe(Method.OPTIONS);
    expect(hv(OM, HdrType.Accept)).toBe("application/sdp, message/cpim, text/plain, text/uri-list");
    expect(hv(OM, HdrType.CSeq)).toBe("7 OPTIONS");

    const b = put(BODY_AT, "Hello");
    wStart(W, OUT, 8192);
    const m = uaBuildMessage(W, LOCAL, R, "text/plain", BODY_AT, b);
    expect(sipParse(OUT, m, OM, true)).toBe(m);
    expect(OM.method).toBe(Method.MESSAGE);
    expect(OM.firstContact).toBe(-1);                  // no dialog, no Contact (RFC 3428)
    expect(hv(OM, HdrType.ContentType)).toBe("text/plain");
    expect(str(OUT + OM.bodyOff, OM.bodyLen)).toBe("Hello");
  });

  test("refusals: ACK/CANCEL/unknown method, missing tag, body without type, CR in a span, small caps", () => {
    setup("sip:example.com", "<sip:alice@example.com>", "<sip:alice@example.com>", "r1", "reg-1@192.0.2.1", 7, "");
    wStart(W, OUT, 8192);
    expect(uaBuildRequest(W, LOCAL, Method.ACK, R, "", 0, 0)).toBe(-1);
    expect(uaBuildRequest(W, LOCAL, Method.CANCEL, R, "", 0, 0)).toBe(-1);
    expect(uaBuildRequest(W, LOCAL, Method.Unknown, R, "", 0, 0)).toBe(-1);
    expect(uaBuildRequest(W, LOCAL, Method.MESSAGE, R, "", BODY_AT, 3)).toBe(-1);
    R.fromTagLen = 0;
    expect(uaBuildRequest(W, LOCAL, Method.OPTIONS, R, "", 0, 0)).toBe(-1);
    setup("sip:example.com", "<sip:alice@example.com>\r\nX: injected", "<sip:alice@example.com>", "r1", "c", 7, "");
    wStart(W, OUT, 8192);
    expect(uaBuildOptions(W, LOCAL, R)).toBe(-1);
    setup("sip:chat@im.example.com", "<sip:chat@im.example.com>", "\"Alice\" <sip:alice@example.com>", "a73kszlfl", "f81d4fae@192.0.2.1", 1, "<sip:im.example.com;lr>");
    const b = put(BODY_AT, OFFER_BASIC);
    for (let cap = 0; cap < INVITE_GOLD.length; cap += 13) {
      for (let g = 0; g < 64; g++) store<u8>(OUT + cap + g, 0xee);
      wStart(W, OUT, cap);
      expect(uaBuildInvite(W, LOCAL, R, BODY_AT, b)).toBe(-1);
      for (let g = 0; g < 64; g++) expect(load<u8>(OUT + cap + g)).toBe(0xee);
    }
  });

  test("CANCEL (§9.1): INVITE's R-URI, top Via, Route, To/From/Call-ID, CSeq number", () => {
    expect(parse(IN, M, INVITE_GOLD)).toBeGreaterThan(0);
    wStart(W, OUT, 8192);
    const n = uaBuildCancel(W, M);
    expect(str(OUT, n)).toBe(
      "CANCEL sip:chat@im.example.com SIP/2.0\r\n" +
      "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK0000000000001234;rport\r\n" +
      "Max-Forwards: 70\r\n" +
      "Route: <sip:im.example.com;lr>\r\n" +
      "To: <sip:chat@im.example.com>\r\n" +
      "From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n" +
      "Call-ID: f81d4fae@192.0.2.1\r\n" +
      "CSeq: 1 CANCEL\r\n" +
      "Content-Length: 0\r\n\r\n");
    expect(sipParse(OUT, n, OM, true)).toBe(n);
    expect(OM.method).toBe(Method.CANCEL);
    expect(parse(IN, M, REGISTER_GOLD)).toBeGreaterThan(0);
    wStart(W, OUT, 8192);
    expect(uaBuildCancel(W, M)).toBe(-1);
  });
});

const head = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\nTo: <sip:alice@example.com>;tag=s\r\n" +
  "From: <sip:alice@example.com>;tag=r1\r\nCall-ID: reg-1@192.0.2.1\r\nCSeq: 7 REGISTER\r\n";

describe("registration timing (§10.2.4, §10.2.8)", () => {
  test("granted interval from our Contact's expires, else Expires, else default; 0 when not listed", () => {
    const c = put(CFG + 128, "sip:alice@192.0.2.1:5060;transport=tcp");
    // rows: extra headers, granted
    const rows: string[] = [
      "Contact: <sip:other@192.0.2.9>;expires=60, <sip:alice@192.0.2.1:5060;transport=tcp>;expires=1800\r\nExpires: 99\r\n", "1800",
      "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\nExpires: 900\r\n", "900",
      "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n", "3600",
      "Contact: <sip:other@192.0.2.9>;expires=60\r\n", "0",
      "", "0",
    ];
    for (let k = 0; k < rows.length; k += 2) {
      expect(parse(IN, M, head + rows[k] + "Content-Length: 0\r\n\r\n")).toBeGreaterThan(0);
      expect(uaRegisterGranted(M, CFG + 128, c)).toBe(I64.parseInt(rows[k + 1]));
    }
    expect(parse(IN, M, head.replace("200 OK", "401 Unauthorized") + "Content-Length: 0\r\n\r\n")).toBeGreaterThan(0);
    expect(uaRegisterGranted(M, CFG + 128, c)).toBe(-1);
  });
  test("refresh at the later of half the interval and expiry - Timer F (32 s)", () => {
    expect(uaRegisterRefreshDelayS(3600)).toBe(3568);
    expect(uaRegisterRefreshDelayS(60)).toBe(30);
    expect(uaRegisterRefreshDelayS(1)).toBe(0);
    expect(uaRegisterRefreshDelayS(0)).toBe(-1);
    expect(uaRegisterRefreshAt(1000, 3600)).toBe(1000 + 3568000);
    expect(uaRegisterRefreshAt(1000, 0)).toBe(-1);
  });
  test("423 gives Min-Expires", () => {
    expect(parse(IN, M, head.replace("200 OK", "423 Interval Too Brief") + "Min-Expires: 120\r\nContent-Length: 0\r\n\r\n")).toBeGreaterThan(0);
    expect(uaMinExpires(M)).toBe(120);
    expect(parse(IN, M, head + "Min-Expires: 120\r\nContent-Length: 0\r\n\r\n")).toBeGreaterThan(0);
    expect(uaMinExpires(M)).toBe(-1);
  });
});

const INVITE_IN =
  "INVITE sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" +
  "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1\r\n" +
  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
  "Max-Forwards: 69\r\n" +
  "Record-Route: <sip:p1.example.com;lr>\r\n" +
  "To: Bob <sip:bob@biloxi.example.com>\r\n" +
  "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
  "Call-ID: cid-1@atlanta.example.com\r\n" +
  "CSeq: 10 INVITE\r\n" +
  "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n";

function invite(extra: string, ctype: string, body: string): string {
  return INVITE_IN + extra + (body.length > 0 ? "Content-Type: " + ctype + "\r\n" : "") +
    "Content-Length: " + body.length.toString() + "\r\n\r\n" + body;
}

describe("responses (§8.2.6, §12.1.1)", () => {
  test("200 to INVITE: tagged To, Record-Route, Contact, Allow, SDP answer; parses back", () => {
    expect(parse(IN, M, invite("", "application/sdp", OFFER_BASIC))).toBeGreaterThan(0);
    setup("x", "x", "x", "x", "x", 1, "");
    const t = put(SP + 700, "b0b");
    const b = put(BODY_AT, "v=0\r\n");
    wStart(W, OUT, 8192);
    const n = uaBuildResponse(W, M, 200, LOCAL, SP + 700, t, "application/sdp", BODY_AT, b);
    expect(str(OUT, n)).toBe(
      "SIP/2.0 200 OK\r\n" +
      "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1\r\n" +
      "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
      "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
      "To: Bob <sip:bob@biloxi.example.com>;tag=b0b\r\n" +
      "Call-ID: cid-1@atlanta.example.com\r\n" +
      "CSeq: 10 INVITE\r\n" +
      "Record-Route: <sip:p1.example.com;lr>\r\n" +
      "Contact: <sip:alice@192.0.2.1:5060;transport=tcp>\r\n" +
      "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE\r\n" +
      "Content-Type: application/sdp\r\n" +
      "Content-Length: 5\r\n\r\nv=0\r\n");
    expect(sipParse(OUT, n, OM, false)).toBe(n);
    expect(OM.status).toBe(200);
  });

  test("per-code headers: 405 Allow, 415 Accept, 420 Unsupported, 486/488/481 plain", () => {
    setup("x", "x", "x", "x", "x", 1, "");
    const t = put(SP + 700, "b0b");
    expect(parse(IN, M, invite("Require: foo, bar\r\n", "", ""))).toBeGreaterThan(0);
    // rows: code, header type to look for, expected value
    const codes: i32[] = [405, 415, 420, 486, 488, 481];
    const types: i32[] = [HdrType.Allow, HdrType.Accept, HdrType.Unsupported, HdrType.Allow, HdrType.Contact, HdrType.RecordRoute];
    const vals: string[] = ["INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE", "application/sdp, message/cpim, text/plain, text/uri-list", "foo, bar", "<none>", "<none>", "<none>"];
    for (let k = 0; k < codes.length; k++) {
      wStart(W, OUT, 8192);
      const n = uaBuildResponse(W, M, codes[k], LOCAL, SP + 700, t, "", 0, 0);
      expect(sipParse(OUT, n, OM, true)).toBe(n);
      expect(OM.status).toBe(codes[k]);
      expect(str(OUT + OM.reasonOff, OM.reasonLen)).toBe(uaReasonPhrase(codes[k]));
      expect(hv(OM, types[k])).toBe(vals[k]);
      expect(hv(OM, HdrType.To)).toBe("Bob <sip:bob@biloxi.example.com>;tag=b0b");
    }
  });
});

const base = "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKx\r\nTo: <sip:bob@example.com>\r\n" +
  "From: <sip:alice@example.com>;tag=1\r\nCall-ID: c-9@example.com\r\n";

describe("UAS decisions", () => {
  test("uaCheckRequest: 405 / 501 / 420 / 415 / 400 / 416 / 0", () => {
    // rows: request, expected status
    const rows: string[] = [
      "SUBSCRIBE sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n", "405",
      "REGISTER sip:example.com SIP/2.0\r\n" + base + "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n", "405",
      "FOO sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 FOO\r\nContent-Length: 0\r\n\r\n", "501",
      "OPTIONS sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 OPTIONS\r\nRequire: 100rel\r\nContent-Length: 0\r\n\r\n", "420",
      "MESSAGE sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 MESSAGE\r\nContent-Type: application/unknown\r\nContent-Length: 2\r\n\r\nhi", "415",
      "MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nTo: <sip:bob@example.com>\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n", "400",
      "FOO sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nContent-Length: 0\r\n\r\n", "400",
      "OPTIONS urn:x:y SIP/2.0\r\n" + base + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", "416",
      "MESSAGE sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi", "0",
      "BYE sip:bob@example.com SIP/2.0\r\n" + base + "CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", "0",
    ];
    for (let k = 0; k < rows.length; k += 2) {
      expect(parse(IN, M, rows[k])).toBeGreaterThan(0);
      const c = uaCheckRequest(M);
      if (c != I32.parseInt(rows[k + 1])) log(rows[k]);
      expect(c).toBe(I32.parseInt(rows[k + 1]));
      expect(uaLastReason().length).toBeGreaterThan(0);
    }
  });

  test("uaCheckDialog: out of dialog 0, unknown dialog 481 (ACK dropped), lower CSeq 500, BYE ends", () => {
    dialogReset();
    expect(parse(IN, M, invite("", "", ""))).toBeGreaterThan(0);
    expect(uaCheckDialog(M, 0)).toBe(0);
    expect(uaDialog()).toBe(-1);
    const t = put(SP + 700, "b0b");
    const h = dialogFromUasRequest(M, SP + 700, t, 0);
    expect(h).toBeGreaterThanOrEqual(0);
    dialogConfirm(h);
    const ind = "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKy\r\nTo: Bob <sip:bob@biloxi.example.com>;tag=b0b\r\n" +
      "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\nCall-ID: cid-1@atlanta.example.com\r\n";
    const rows: string[] = [
      "ACK", "10", "0",
      "MESSAGE", "11", "0",
      "MESSAGE", "9", "500",
      "ACK", "9", "-1",
      "BYE", "12", "0",
      "BYE", "13", "481",
      "ACK", "10", "-1",
    ];
    for (let k = 0; k < rows.length; k += 3) {
      const m = rows[k] + " sip:bob@192.0.2.4:5062 SIP/2.0\r\n" + ind + "CSeq: " + rows[k + 1] + " " + rows[k] + "\r\nContent-Length: 0\r\n\r\n";
      expect(parse(IN, M, m)).toBeGreaterThan(0);
      expect(uaCheckDialog(M, 5)).toBe(I32.parseInt(rows[k + 2]));
      if (rows[k + 2] == "0" && rows[k] != "BYE") expect(uaDialog()).toBe(h);
    }
    expect(UA_DROP).toBe(-1);
    expect(dialogState(h)).toBe(-1);
    expect(dialogActive()).toBe(0);
  });

  test("uaCheckInvite: corpus SDP offers -> 0 / 488, busy 486, non-SDP 415, no body 0", () => {
    const MISSING_PATH =
      "v=0\r\no=alice 2890844534 2890844534 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\n" +
      "m=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\n";
    const MISSING_ACCEPT =
      "v=0\r\no=alice 2890844535 2890844535 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\n" +
      "m=message 7394 TCP/MSRP *\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";
    const NO_TRANSPORT =
      "v=0\r\no=alice 2890844536 2890844536 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\n" +
      "m=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a\r\n";
    const TLS =
      "v=0\r\no=alice 2890844530 2890844530 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\n" +
      "m=message 9892 TCP/TLS/MSRP *\r\na=accept-types:message/cpim text/plain\r\na=path:msrps://alice.example.com:9892/98cjs;tcp\r\n" +
      "a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n";
    const AUDIO =
      "v=0\r\no=alice 1 1 IN IP4 a.example.com\r\ns=-\r\nc=IN IP4 a.example.com\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
    const PORT0 = OFFER_BASIC.replace("m=message 7394", "m=message 0");
    const TWO = AUDIO + "m=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://a.example.com:7394/x;tcp\r\n";
    // rows: body, content type, busy, allowTls, expected status, expected media
    const bodies: string[] = [OFFER_BASIC, MISSING_PATH, MISSING_ACCEPT, NO_TRANSPORT, TLS, TLS, AUDIO, PORT0, TWO, OFFER_BASIC, "hello", ""];
    const types: string[] = ["application/sdp", "application/sdp", "application/sdp", "application/sdp", "application/sdp", "application/sdp",
                             "application/sdp", "application/sdp", "application/sdp", "application/sdp", "text/plain", ""];
    const busy: bool[] = [false, false, false, false, false, false, false, false, false, true, false, false];
    const tls: bool[] = [false, false, false, false, false, true, false, false, false, false, false, false];
    const want: i32[] = [0, 488, 488, 488, 488, 0, 488, 488, 0, 486, 415, 0];
    const media: i32[] = [0, -1, -1, -1, -1, 0, -1, -1, 1, -1, -1, -1];
    for (let k = 0; k < bodies.length; k++) {
      expect(parse(IN, M, invite("", types[k], bodies[k]))).toBeGreaterThan(0);
      const c = uaCheckInvite(M, busy[k], tls[k]);
      if (c != want[k]) log(k);
      expect(c).toBe(want[k]);
      expect(uaOfferMedia()).toBe(media[k]);
    }
    // the view of the accepted offer points at its a=path
    expect(parse(IN, M, invite("", "application/sdp", OFFER_BASIC))).toBeGreaterThan(0);
    expect(uaCheckInvite(M, false, false)).toBe(0);
    const sdp = uaSdp();
    const md = sdp.m(0);
    expect(str(sdp.base + md.pathOff, md.pathLen)).toBe("msrp://alice.example.com:7394/2s93i9ek2a;tcp");
  });

  test("CANCEL (§9.2): 200 + 487 and the early dialog ends; answered INVITE: 200 only; none: 481", () => {
    dialogReset();
    expect(parse(IN, M, invite("", "", ""))).toBeGreaterThan(0);
    const t = put(SP + 700, "b0b");
    const h = dialogFromUasRequest(M, SP + 700, t, 0);
    expect(h).toBeGreaterThanOrEqual(0);
    const cancel = "CANCEL sip:bob@192.0.2.4:5062;transport=tcp SIP/2.0\r\n" +
      "Via: SIP/2.0/TCP p1.example.com;branch=z9hG4bKp1\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK74bf9\r\n" +
      "To: Bob <sip:bob@biloxi.example.com>\r\nFrom: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
      "Call-ID: cid-1@atlanta.example.com\r\nCSeq: 10 CANCEL\r\nContent-Length: 0\r\n\r\n";
    expect(parse(IN2, M2, cancel)).toBeGreaterThan(0);
    wStart(W, OUT, 8192); wStart(W2, OUT2, 8192);
    expect(uaOnCancel(W, M2, true, false, W2, M, SP + 700, t)).toBe(200);
    expect(sipParse(OUT, wResult(W), OM, true)).toBe(wResult(W));
    expect(OM.status).toBe(200);
    expect(hv(OM, HdrType.CSeq)).toBe("10 CANCEL");
    expect(hv(OM, HdrType.To)).toBe("Bob <sip:bob@biloxi.example.com>;tag=b0b");
    expect(sipParse(OUT2, wResult(W2), OM, true)).toBe(wResult(W2));
    expect(OM.status).toBe(487);
    expect(str(OUT2 + OM.reasonOff, OM.reasonLen)).toBe("Request Terminated");
    expect(hv(OM, HdrType.CSeq)).toBe("10 INVITE");
    expect(hv(OM, HdrType.To)).toBe("Bob <sip:bob@biloxi.example.com>;tag=b0b");
    expect(dialogState(h)).toBe(-1);
    // INVITE already answered: 200 to the CANCEL, nothing for the INVITE
    wStart(W, OUT, 8192); wStart(W2, OUT2, 8192);
    expect(uaOnCancel(W, M2, true, true, W2, M, SP + 700, t)).toBe(200);
    expect(wResult(W2)).toBe(0);
    // no INVITE transaction: 481
    wStart(W, OUT, 8192); wStart(W2, OUT2, 8192);
    expect(uaOnCancel(W, M2, false, false, W2, M, SP + 700, t)).toBe(481);
    expect(sipParse(OUT, wResult(W), OM, true)).toBe(wResult(W));
    expect(OM.status).toBe(481);
    expect(wResult(W2)).toBe(0);
  });
});
