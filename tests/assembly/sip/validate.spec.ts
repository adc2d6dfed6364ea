// UAS request checks and UAC response checks (assembly/sip/validate.ts), RFC 3261 §8.1.3,
// §8.2.1-§8.2.3. Each row: a message (datagram) and the SipErr the validator returns.

import { sipValidateRequest, sipValidateResponse } from "../../../assembly/sip/validate";
import { sipParse } from "../../../assembly/wire/sip";
import { SipMsg, sipMsgAt, HDR_STRIDE } from "../../../assembly/wire/sip_msg";
import { SipErr, sipErrCode } from "../../../assembly/wire/sip_err";
import { SIP_HDR_MAX } from "../../../assembly/mem/limits";

const IN = memory.data(8192);
const M = sipMsgAt(memory.data(offsetof<SipMsg>(), 8), memory.data(SIP_HDR_MAX * HDR_STRIDE, 8));
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}

const HDRS = "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: c1\r\nMax-Forwards: 70\r\n";
function req(method: string, uri: string, extra: string, body: string): string {
  return method + " " + uri + " SIP/2.0\r\n" + HDRS + "CSeq: 1 " + method + "\r\n" + extra + "Content-Length: " + body.length.toString() + "\r\n\r\n" + body;
}

describe("UAS request validation", () => {
  test("table", () => {
    const msgs: string[] = [
      req("OPTIONS", "sip:bob@example.com", "", ""),
      req("MESSAGE", "sip:bob@example.com", "Content-Type: message/cpim\r\n", "hello"),
      req("INVITE", "sip:bob@example.com", "Content-Type: application/sdp\r\nAccept: application/*\r\n", "v=0\r\n"),
      req("OPTIONS", "tel:+1-201-555-0123", "", ""),
      req("OPTIONS", "sip:bob@example.com", "Max-Forwards: 0\r\n", ""),
      "OPTIONS sip:bob@example.com SIP/7.0\r\n" + HDRS + "CSeq: 1 OPTIONS\r\nl: 0\r\n\r\n",
      "OPTIONS sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n",
      "OPTIONS sip:bob@example.com SIP/2.0\r\n" + HDRS + "CSeq: 1 INVITE\r\nl: 0\r\n\r\n",
      "NEWMETHOD sip:bob@example.com SIP/2.0\r\n" + HDRS + "CSeq: 1 INVITE\r\nl: 0\r\n\r\n",
      req("OPTIONS", "nobodyKnowsThisScheme:opaque", "", ""),
      req("OPTIONS", "<sip:bob@example.com>", "", ""),
      req("OPTIONS", "sip:bob@example.com?Route=%3Csip:x%3E", "", ""),
      "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: isbn:2983792873\r\nFrom: <http://www.example.com>;tag=1\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nl: 0\r\n\r\n",
      req("OPTIONS", "sip:bob@example.com", "Require: nothingSupportsThis\r\n", ""),
      req("ACK", "sip:bob@example.com", "Require: nothingSupportsThis\r\n", ""),
      req("INVITE", "sip:bob@example.com", "Content-Type: application/unknownformat\r\n", "<x/>"),
      req("INVITE", "sip:bob@example.com", "Content-Type: application/sdp\r\nAccept: text/nobodyKnowsThis\r\n", "v=0\r\n"),
      req("INVITE", "sip:bob@example.com", "Date: Fri, 01 Jan 2010 16:00:00 EST\r\n", ""),
      req("OPTIONS", "sip:bob@example.com", "Call-ID: c2\r\n", ""),
      req("OPTIONS", "sip:bob@example.com", "Max-Forwards: 300\r\n", ""),
      req("OPTIONS", "sip:bob@example.com", "Expires: 10000000000000000000\r\n", ""),
      req("OPTIONS", "sip:bob@example.com", "Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n", ""),
      req("OPTIONS", "sip:bob@example.com", "Route: <sip:p1;lr>, <sip:p2;lr>\r\nRecord-Route: sip:p3\r\n", ""),
    ];
    const want: i32[] = [
      SipErr.Ok, SipErr.Ok, SipErr.Ok, SipErr.Ok, SipErr.DupHeader,
      SipErr.VersionUnsupported, SipErr.MissingHeader, SipErr.CSeqMethod, SipErr.NotImplemented,
      SipErr.UriScheme, SipErr.RequestUri, SipErr.UriHeaders, SipErr.RegisterScheme, SipErr.BadExtension, SipErr.Ok,
      SipErr.UnsupportedMedia, SipErr.NotAcceptable, SipErr.Date, SipErr.DupHeader, SipErr.MaxForwards,
      SipErr.Expires, SipErr.Contact, SipErr.Route,
    ];
    const codes: i32[] = [0, 0, 0, 0, 400, 505, 400, 400, 501, 416, 400, 400, 400, 420, 0, 415, 406, 400, 400, 400, 400, 400, 400];
    for (let k = 0; k < msgs.length; k++) {
      const n = put(msgs[k]);
      expect(sipParse(IN, n, M, true)).toBeGreaterThan(0, msgs[k]);
      const e = sipValidateRequest(M);
      expect(e).toBe(want[k], msgs[k]);
      expect(sipErrCode(e)).toBe(codes[k], msgs[k]);
    }
  });
});

describe("UAC response validation", () => {
  test("table", () => {
    const base = "To: <sip:b@h>;tag=2\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 35 INVITE\r\nl: 0\r\n\r\n";
    const msgs: string[] = [
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + base,
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2\r\n" + base,
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g\r\n" + base,
      "SIP/2.0 099 Low\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + base,
      "SIP/2.0 503 Busy\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 9292394834772304023312 OPTIONS\r\nl: 0\r\n\r\n",
      "SIP/2.0 200 OK\r\n" + base,
    ];
    const want: i32[] = [SipErr.Ok, SipErr.ResponseVias, SipErr.ResponseVias, SipErr.Status, SipErr.CSeq, SipErr.MissingHeader];
    for (let k = 0; k < msgs.length; k++) {
      const n = put(msgs[k]);
      expect(sipParse(IN, n, M, true)).toBeGreaterThan(0, msgs[k]);
      expect(sipValidateResponse(M)).toBe(want[k], msgs[k]);
    }
  });
});
