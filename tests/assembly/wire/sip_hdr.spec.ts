// SIP header value parsers (assembly/wire/sip_hdr.ts): RFC 3261 §20/§25.1 with the RFC 4475
// and RFC 5118 shapes (LWS and folds everywhere, IPv6 received, quoted display names).

import {
  SipVia, sipViaAt, viaParse, viaTop, SipNameAddr, sipNameAddrAt, nameAddrParse, NA_ALLOW_STAR, NA_NEED_ANGLE,
  SipCSeq, sipCSeqAt, cseqParse, callIdOk, scalarParse, SipMediaType, sipMediaTypeAt, mediaTypeParse,
  tokenListCheck, listElemEnd, paramFind, methodOf, quotedEnd
} from "../../../assembly/wire/sip_hdr";
import { SipErr } from "../../../assembly/wire/sip_err";
import { Method } from "../../../assembly/wire/sip_msg";
import { UriScheme } from "../../../assembly/wire/sip_uri";

const IN = memory.data(2048);
const V = sipViaAt(memory.data(offsetof<SipVia>(), 8));
const NA = sipNameAddrAt(memory.data(offsetof<SipNameAddr>(), 8));
const CS = sipCSeqAt(memory.data(offsetof<SipCSeq>(), 8));
const MT = sipMediaTypeAt(memory.data(offsetof<SipMediaType>(), 8));
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(off: i32, n: i32): string { return off < 0 ? "-" : String.UTF8.decodeUnsafe(IN + off, <usize>n); }

describe("sip header values", () => {
  test("Via: protocol, transport, sent-by, params", () => {
    let n = put("SIP/2.0/UDP host.example.com:5060;branch=z9hG4bK776;received=192.0.2.1;rport;maddr=224.2.0.1;ttl=16");
    expect(viaParse(IN, 0, n, V)).toBe(SipErr.Ok);
    expect(str(V.transOff, V.transLen)).toBe("UDP");
    expect(str(V.hostOff, V.hostLen)).toBe("host.example.com");
    expect(V.port).toBe(5060);
    expect(str(V.branchOff, V.branchLen)).toBe("z9hG4bK776");
    expect(str(V.receivedOff, V.receivedLen)).toBe("192.0.2.1");
    expect(V.rport).toBe(0);
    expect(V.ttl).toBe(16);
    // RFC 4475 wsinv: LWS and folds around '/', ';', '='
    n = put("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ");
    expect(viaParse(IN, 0, n, V)).toBe(SipErr.Ok);
    expect(str(V.branchOff, V.branchLen)).toBe("z9hG4bK9ikj8");
    // RFC 5118 §4.5: received with and without brackets
    n = put("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3");
    expect(viaParse(IN, 0, n, V)).toBe(SipErr.Ok);
    expect(str(V.receivedOff, V.receivedLen)).toBe("2001:db8::9:255");
    expect(str(V.branchOff, V.branchLen)).toBe("z9hG4bKas3");
    // top Via of a list
    n = put("SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2");
    expect(viaTop(IN, 0, n, V)).toBe(SipErr.Ok);
    expect(str(V.hostOff, V.hostLen)).toBe("a");
    const bad: string[] = ["SIP/2.0/UDP 192.0.2.15;;", "SIP/2.0 UDP h", "SIP/2.0/UDP", "SIP/2.0/UDP h:x", "SIP/2.0/UDP h;ttl=300", "SIP/2.0/UDP h;branch", "SIP/2.0/UDP h junk", "SIP/2.0/UDPh"];
    for (let k = 0; k < bad.length; k++) expect(viaParse(IN, 0, put(bad[k]), V)).toBe(SipErr.Via, bad[k]);
  });

  test("name-addr / addr-spec: display names, tag, expires, star", () => {
    let n = put("\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8");
    expect(nameAddrParse(IN, 0, n, NA, 0, SipErr.From)).toBe(SipErr.Ok);
    expect(str(NA.tagOff, NA.tagLen)).toBe("98asjd8");
    expect(str(NA.uriOff, NA.uriLen)).toBe("sip:jdrosen@example.com");
    n = put("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
    expect(nameAddrParse(IN, 0, n, NA, 0, SipErr.To)).toBe(SipErr.Ok);
    expect(NA.angle).toBe(0);
    expect(str(NA.tagOff, NA.tagLen)).toBe("1918181833n");
    n = put("caller<sip:caller@example.com>;tag=323");
    expect(nameAddrParse(IN, 0, n, NA, 0, SipErr.From)).toBe(SipErr.Ok);
    expect(str(NA.dispOff, NA.dispLen)).toBe("caller");
    n = put("<sip:user@host129.example.com>\r\n  ;expires=3600");
    expect(nameAddrParse(IN, 0, n, NA, 0, SipErr.Contact)).toBe(SipErr.Ok);
    expect(NA.expires).toBe(3600);
    n = put("isbn:2983792873");
    expect(nameAddrParse(IN, 0, n, NA, 0, SipErr.To)).toBe(SipErr.Ok);
    expect(NA.scheme).toBe(UriScheme.Other);
    expect(nameAddrParse(IN, 0, put(" * "), NA, NA_ALLOW_STAR, SipErr.Contact)).toBe(SipErr.Ok);
    expect(NA.star).toBe(1);
    const bad: string[] = [
      "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",   // baddn
      "\"Mr. J. User <sip:j.user@example.com>",              // quotbal
      "\"Watson, Thomas\" < sip:t.watson@example.org >",      // badaspec
      "sip:user@example.com?Route=%3Csip:sip.example.com%3E", // regbadct
      "\"Joe\" <sip:joe@example.org>;;;;",                   // badinv01
      "<sip:user@host>;expires=280297596632815",             // scalar02
      "*", "<sip:a@b", "<>", "sip:a@b;tag", "<sip:a@b> x",
    ];
    for (let k = 0; k < bad.length; k++) expect(nameAddrParse(IN, 0, put(bad[k]), NA, 0, SipErr.To)).toBe(SipErr.To, bad[k]);
    expect(nameAddrParse(IN, 0, put("sip:r@h"), NA, NA_NEED_ANGLE, SipErr.Route)).toBe(SipErr.Route);
  });

  test("comma lists honour quotes and <>", () => {
    const n = put("\"a,b\" <sip:x@h;p=1,2>, <sip:y@h>");
    const e = listElemEnd(IN, 0, n);
    expect(str(0, e)).toBe("\"a,b\" <sip:x@h;p=1,2>");
    expect(listElemEnd(IN, e + 1, n)).toBe(n);
    expect(quotedEnd(IN, 0, put("\"abc"))).toBe(-1);
    expect(quotedEnd(IN, 0, put("\"a\\\"b\" x"))).toBe(6);
  });

  test("CSeq, Call-ID, scalars, media types, option tags, params, methods", () => {
    expect(cseqParse(IN, 0, put("0009\r\n  INVITE"), CS)).toBe(SipErr.Ok);
    expect(CS.num).toBe(9);
    expect(CS.method).toBe(Method.INVITE);
    expect(cseqParse(IN, 0, put("2147483647 FOO"), CS)).toBe(SipErr.Ok);
    expect(CS.method).toBe(Method.Unknown);
    expect(cseqParse(IN, 0, put("2147483648 INVITE"), CS)).toBe(SipErr.CSeq);
    expect(cseqParse(IN, 0, put("36893488147419103232 REGISTER"), CS)).toBe(SipErr.CSeq);
    expect(cseqParse(IN, 0, put("1INVITE"), CS)).toBe(SipErr.CSeq);
    expect(cseqParse(IN, 0, put("1 INVITE x"), CS)).toBe(SipErr.CSeq);
    expect(callIdOk(IN, 0, put("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"))).toBe(true);
    expect(callIdOk(IN, 0, put("a b"))).toBe(false);
    expect(callIdOk(IN, 0, put("a@b@c"))).toBe(false);
    expect(callIdOk(IN, 0, put(""))).toBe(false);
    expect(scalarParse(IN, 0, put(" 0068 "), 255)).toBe(68);
    expect(scalarParse(IN, 0, put("256"), 255)).toBe(-1);
    expect(scalarParse(IN, 0, put("1e3"), 255)).toBe(-1);
    expect(mediaTypeParse(IN, 0, put("multipart/mixed;boundary=7a9cbec02ceef655"), MT)).toBe(SipErr.Ok);
    expect(str(MT.subOff, MT.subLen)).toBe("mixed");
    const b = paramFind(IN, MT.paramsOff, MT.paramsLen, "boundary");
    expect(str(<i32>(b >> 32), <i32>(b & 0xffffffff))).toBe("7a9cbec02ceef655");
    expect(mediaTypeParse(IN, 0, put("application"), MT)).toBe(SipErr.ContentType);
    expect(mediaTypeParse(IN, 0, put("a/b;"), MT)).toBe(SipErr.ContentType);
    expect(tokenListCheck(IN, 0, put("nothingSupportsThis, nothingSupportsThisEither"))).toBe(true);
    expect(tokenListCheck(IN, 0, put("a,,b"))).toBe(false);
    expect(tokenListCheck(IN, 0, put("a b"))).toBe(false);
    expect(methodOf(IN, 0, put("MESSAGE"))).toBe(Method.MESSAGE);
    expect(methodOf(IN, 0, put("RE%47IST%45R"))).toBe(Method.Unknown);
    expect(methodOf(IN, 0, put("invite"))).toBe(Method.Unknown);
  });
});
