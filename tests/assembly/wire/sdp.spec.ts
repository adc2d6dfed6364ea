// SDP parser (assembly/wire/sdp.ts): table-driven, every case also fed through the check driver
// whole, byte by byte and at every split point (same verdict and digest); truncated and mutated
// inputs give an error code, never a trap.
import { SdpView, SdpMedia, SDP_ATTR_STRIDE, sdpViewAt, parseSdp, SdpErr, SdpSetup, SdpConn, SDP_LENIENT_LF, msrpUriOk, formatListOk } from "../../../assembly/wire/sdp";
import { SDP_ATTR_MAX, SDP_MEDIA_MAX } from "../../../assembly/mem/limits";
import { sdpCheckOpen, sdpCheckFeed, sdpCheckClose } from "../../../assembly/check/sdp";
import { resultReset, resultVerdict, resultDigest, resultCode } from "../../../assembly/check/result";
import { eqExact } from "../../../assembly/mem/bytes";

const BUF = memory.data(4096);
const V = sdpViewAt(memory.data(offsetof<SdpView>(), 8), memory.data(SDP_ATTR_MAX * SDP_ATTR_STRIDE, 8),
  memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(BUF + i, <u8>s.charCodeAt(i));
  return s.length;
}
function parse(s: string, flags: i32 = 0): i32 {
  const n = put(s);
  const r = parseSdp(V, BUF, n, flags);
  return r < 0 ? V.err : 0;
}
function spanIs(off: i32, len: i32, s: string): bool { return eqExact(BUF + off, len, s); }

/** Runs the driver over BUF[0, n) in pieces of sizes a, then b repeatedly; returns verdict*2^32-ish key via globals. */
let lastDigest: u32 = 0;
function drive(n: i32, first: i32, step: i32): i32 {
  resultReset();
  sdpCheckOpen(0, 0, 0, 0);
  let i = 0;
  if (first > 0) { sdpCheckFeed(BUF, min(first, n)); i = min(first, n); }
  while (i < n) { const k = min(step, n - i); sdpCheckFeed(BUF + i, k); i += k; }
  sdpCheckClose();
  lastDigest = resultDigest();
  return resultVerdict();
}
function allWays(s: string): void {
  const n = put(s);
  const v0 = drive(n, n, n);
  const d0 = lastDigest;
  expect(drive(n, 0, 1)).toBe(v0);
  expect(lastDigest).toBe(d0);
  for (let k = 0; k <= n; k++) {
    expect(drive(n, k, n)).toBe(v0);
    expect(lastDigest).toBe(d0);
  }
}

const OFFER_BASIC = "v=0\r\no=alice 2890844526 2890844527 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";
const OFFER_WRAPPED = "v=0\r\no=alice 2890844526 2890844527 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim text/plain text/html\r\na=accept-wrapped-types:text/plain text/html image/jpeg\r\na=max-size:131072\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n";
const OFFER_RELAY = "v=0\r\no=alice 2890844531 2890844531 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 relay.example.com\r\nt=0 0\r\nm=message 9000 TCP/TLS/MSRP *\r\na=accept-types:message/cpim text/plain\r\na=path:msrps://relay.example.com:9000/jui787s2f;tcp msrps://alice.example.com:9892/98cjs;tcp\r\n";
const OFFER_V6 = "v=0\r\no=alice 2890844532 2890844532 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://[2001:db8::1]:7394/2s93i9ek2a;tcp\r\n";
const OFFER_ACTPASS = "v=0\r\no=alice 2890844533 2890844533 IN IP4 198.51.100.10\r\ns=-\r\nc=IN IP4 198.51.100.10\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:message/cpim text/plain\r\na=setup:actpass\r\na=connection:new\r\na=path:msrp://198.51.100.10:7394/fs9d8f7;tcp\r\n";
const OFFER_TLS = "v=0\r\no=alice 2890844530 2890844530 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\nm=message 9892 TCP/TLS/MSRP *\r\na=accept-types:message/cpim text/plain\r\na=path:msrps://alice.example.com:9892/98cjs;tcp\r\na=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n";
const HEAD = "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\n";
const MSG = "m=message 7394 TCP/MSRP *\r\n";
const AT = "a=accept-types:text/plain\r\n";
const PATH = "a=path:msrp://h:7394/s1;tcp\r\n";

describe("sdp: valid", () => {
  test("offer-basic: spans", () => {
    expect(parse(OFFER_BASIC)).toBe(SdpErr.Ok);
    expect(spanIs(V.oUserOff, V.oUserLen, "alice")).toBe(true);
    expect(spanIs(V.oSessIdOff, V.oSessIdLen, "2890844526")).toBe(true);
    expect(V.cAddrType).toBe(4);
    expect(spanIs(V.cAddrOff, V.cAddrLen, "alice.example.com")).toBe(true);
    expect(V.mediaCount).toBe(1);
    const m = V.m(0);
    expect(m.isMsrp).toBe(1);
    expect(m.isTls).toBe(0);
    expect(m.port).toBe(7394);
    expect(spanIs(m.fmtOff, m.fmtLen, "*")).toBe(true);
    expect(spanIs(m.acceptOff, m.acceptLen, "text/plain")).toBe(true);
    expect(m.pathCount).toBe(1);
    expect(spanIs(m.pathOff, m.pathLen, "msrp://alice.example.com:7394/2s93i9ek2a;tcp")).toBe(true);
    expect(m.maxSize).toBe(-1);
    expect(m.wrappedLen).toBe(-1);
    expect(m.attrCount).toBe(2);
    expect(V.attrMedia(1)).toBe(0);
    expect(spanIs(V.attrNameOff(1), V.attrNameLen(1), "path")).toBe(true);
  });
  test("wrapped types and max-size", () => {
    expect(parse(OFFER_WRAPPED)).toBe(SdpErr.Ok);
    const m = V.m(0);
    expect(spanIs(m.wrappedOff, m.wrappedLen, "text/plain text/html image/jpeg")).toBe(true);
    expect(m.maxSize).toBe(131072);
  });
  test("relay path with two URIs, TLS", () => {
    expect(parse(OFFER_RELAY)).toBe(SdpErr.Ok);
    expect(V.m(0).pathCount).toBe(2);
    expect(V.m(0).isTls).toBe(1);
  });
  test("IPv6", () => {
    expect(parse(OFFER_V6)).toBe(SdpErr.Ok);
    expect(V.cAddrType).toBe(6);
    expect(V.oAddrType).toBe(6);
  });
  test("setup/connection", () => {
    expect(parse(OFFER_ACTPASS)).toBe(SdpErr.Ok);
    expect(V.m(0).setup).toBe(SdpSetup.ActPass);
    expect(V.m(0).connection).toBe(SdpConn.New);
    expect(parse(HEAD + MSG + AT + PATH + "a=setup:active\r\na=connection:existing\r\n")).toBe(SdpErr.Ok);
    expect(V.m(0).setup).toBe(SdpSetup.Active);
    expect(V.m(0).connection).toBe(SdpConn.Existing);
    expect(parse(HEAD + MSG + AT + PATH + "a=setup:passive\r\n")).toBe(SdpErr.Ok);
    expect(V.m(0).setup).toBe(SdpSetup.Passive);
    expect(parse(HEAD + MSG + AT + PATH + "a=setup:holdconn\r\n")).toBe(SdpErr.Ok);
    expect(V.m(0).setup).toBe(SdpSetup.HoldConn);
  });
  test("fingerprint", () => {
    expect(parse(OFFER_TLS)).toBe(SdpErr.Ok);
    expect(V.m(0).fpLen).toBeGreaterThan(10);
  });
  test("other shapes", () => {
    expect(parse(HEAD)).toBe(SdpErr.Ok);                                     // no media
    expect(parse(HEAD + "m=message 0 TCP/MSRP *\r\n")).toBe(SdpErr.Ok);      // declined (RFC 3264 §6)
    expect(parse(HEAD + "m=audio 49170 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n" + MSG + AT + PATH)).toBe(SdpErr.Ok);
    expect(V.mediaCount).toBe(2);
    expect(V.m(0).isMsrp).toBe(0);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns= \r\ni=info\r\nu=http://x\r\ne=a@b\r\np=+1\r\nb=AS:64\r\nt=0 0\r\nr=604800 3600 0\r\nt=1 2\r\nz=2882844526 -1h\r\nk=prompt\r\na=recvonly\r\nm=message 1 TCP/MSRP *\r\ni=chat\r\nc=IN IP4 x\r\nb=AS:1\r\nk=prompt\r\n" + AT + PATH)).toBe(SdpErr.Ok);
    expect(V.tCount).toBe(2);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n" + MSG + "c=IN IP4 x\r\n" + AT + PATH)).toBe(SdpErr.Ok); // c= only in media
    expect(parse(HEAD + MSG + "a=accept-types:message/cpim *\r\na=accept-wrapped-types:*\r\n" + PATH)).toBe(SdpErr.Ok);
    expect(parse(HEAD + MSG + AT + "a=path:MSRP://u@h/s;TCP;x=y;z\r\n")).toBe(SdpErr.Ok);
  });
  test("bare LF only under SDP_LENIENT_LF", () => {
    const s = "v=0\no=a 1 1 IN IP4 h\ns=-\nc=IN IP4 h\nt=0 0\nm=message 7394 TCP/MSRP *\na=accept-types:text/plain\na=path:msrp://h:7394/s1;tcp\n";
    expect(parse(s)).toBe(SdpErr.LineEnd);
    expect(parse(s, SDP_LENIENT_LF)).toBe(SdpErr.Ok);
  });
});

describe("sdp: invalid", () => {
  test("MSRP rules (RFC 4975 §8, §9)", () => {
    expect(parse(HEAD + MSG + AT)).toBe(SdpErr.MsrpNoPath);
    expect(parse(HEAD + MSG + PATH)).toBe(SdpErr.MsrpNoAcceptTypes);
    expect(parse(HEAD + MSG + AT + "a=path:msrp://h:7394/s1\r\n")).toBe(SdpErr.MsrpBadPath);
    expect(parse(HEAD + MSG + AT + PATH + "m=message 1 TCP/MSRP *\r\n" + AT)).toBe(SdpErr.MsrpNoPath);
    expect(parse(HEAD + MSG + AT + AT + PATH)).toBe(SdpErr.DuplicateAttr);
    expect(parse(HEAD + MSG + "a=accept-types:text/\r\n" + PATH)).toBe(SdpErr.MsrpBadAcceptTypes);
    expect(parse(HEAD + MSG + "a=accept-types:text/plain \r\n" + PATH)).toBe(SdpErr.MsrpBadAcceptTypes);
    expect(parse(HEAD + MSG + AT + "a=max-size:12x\r\n" + PATH)).toBe(SdpErr.MsrpBadMaxSize);
    expect(parse(HEAD + MSG + AT + PATH + "a=setup:sometimes\r\n")).toBe(SdpErr.BadSetup);
    expect(parse(HEAD + MSG + AT + PATH + "a=connection:old\r\n")).toBe(SdpErr.BadConnectionAttr);
    expect(parse(HEAD + MSG + AT + PATH + "a=fingerprint:SHA-1 4a:AD\r\n")).toBe(SdpErr.BadFingerprint);
  });
  test("RFC 4566 structure", () => {
    expect(parse("")).toBe(SdpErr.Empty);
    expect(parse("o=a 1 1 IN IP4 h\r\nv=0\r\ns=-\r\nt=0 0\r\n")).toBe(SdpErr.MissingLine);
    expect(parse("v=0\r\ns=-\r\no=a 1 1 IN IP4 h\r\nt=0 0\r\n")).toBe(SdpErr.MissingLine);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\n")).toBe(SdpErr.MissingLine);
    expect(parse(HEAD + "c=IN IP4 h\r\n")).toBe(SdpErr.Order);
    expect(parse("v=0\r\nv=0\r\n")).toBe(SdpErr.Order);
    expect(parse(HEAD + "x=1\r\n")).toBe(SdpErr.UnknownType);
    expect(parse(HEAD + MSG + "t=0 0\r\n")).toBe(SdpErr.Order);
    expect(parse(HEAD + "a=x\r\nb=AS:1\r\n")).toBe(SdpErr.Order);
    expect(parse("v=1\r\n")).toBe(SdpErr.Version);
    expect(parse("v=0\r\no=a 1 1 IN IP4\r\n")).toBe(SdpErr.Origin);
    expect(parse("v=0\r\no=a x 1 IN IP4 h\r\n")).toBe(SdpErr.Origin);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=\r\n")).toBe(SdpErr.SessionName);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN IP5 h\r\n")).toBe(SdpErr.Connection);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0\r\n")).toBe(SdpErr.Timing);
    expect(parse(HEAD + "m=message 70000 TCP/MSRP *\r\n")).toBe(SdpErr.Media);
    expect(parse(HEAD + "m=message 7 TCP/MSRP\r\n")).toBe(SdpErr.Media);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n" + MSG + AT + PATH)).toBe(SdpErr.NoConnection);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0")).toBe(SdpErr.LineEnd);
    expect(parse("v=0\ro=a\r\n")).toBe(SdpErr.LineEnd);
    expect(parse("v = 0\r\n")).toBe(SdpErr.LineSyntax);
    expect(parse("v=0\r\n\r\n")).toBe(SdpErr.LineSyntax);
    expect(parse(HEAD + "a=\r\n")).toBe(SdpErr.AttrSyntax);
    expect(parse(HEAD + "a=x:\r\n")).toBe(SdpErr.AttrSyntax);
    expect(parse("v=0\r\no=a 1 1 IN IP4 h\u0000\r\n")).toBe(SdpErr.BadByte);
  });
  test("limits: media and attributes", () => {
    let s = HEAD;
    for (let i = 0; i < SDP_MEDIA_MAX + 1; i++) s += "m=audio 1 RTP/AVP 0\r\n";
    expect(parse(s)).toBe(SdpErr.TooManyMedia);
    s = HEAD;
    for (let i = 0; i < SDP_ATTR_MAX + 1; i++) s += "a=x\r\n";
    expect(parse(s)).toBe(SdpErr.TooManyAttrs);
  });
  test("MSRP URI checker", () => {
    const good = ["msrp://h;tcp", "msrps://a.b:1/x/y+z=;tcp", "msrp://[::1]:2855/s;tcp", "msrp://u:p@h:1/s;tcp;k=v"];
    for (let i = 0; i < good.length; i++) expect(msrpUriOk(BUF, 0, put(good[i]))).toBe(true, good[i]);
    const bad = ["http://h;tcp", "msrp://;tcp", "msrp://h:99999/s;tcp", "msrp://h/s;udp", "msrp://h/;tcp", "msrp://[::1/s;tcp",
      "msrp://h/s;tcp;", "msrp://h/s;tcp;=x", "msrp://@h/s;tcp", "msrp://h:/s;tcp", "msrp:/h/s;tcp", "msrp://h/s"];
    for (let i = 0; i < bad.length; i++) expect(msrpUriOk(BUF, 0, put(bad[i]))).toBe(false, bad[i]);
  });
  test("format list", () => {
    expect(formatListOk(BUF, 0, put("text/* * a/b"))).toBe(true);
    expect(formatListOk(BUF, 0, put("*/plain"))).toBe(false);
    expect(formatListOk(BUF, 0, put("text"))).toBe(false);
    expect(formatListOk(BUF, 0, put("a/b  c/d"))).toBe(false);
    expect(formatListOk(BUF, 0, put("a/b/c"))).toBe(false);
  });
});

describe("sdp: feed all ways, truncation, mutation", () => {
  test("driver: same verdict and digest at every split", () => {
    allWays(OFFER_BASIC);
    allWays(OFFER_WRAPPED);
    allWays(OFFER_RELAY);
    allWays(OFFER_V6);
    allWays(OFFER_ACTPASS);
    allWays(OFFER_TLS);
    allWays(HEAD + MSG + AT);
  });
  test("driver codes", () => {
    expect(drive(put(OFFER_BASIC), 0, 1000)).toBe(0);
    expect(resultCode()).toBe(0);
    expect(drive(put(HEAD + MSG + AT), 0, 1000)).toBe(1);
    expect(resultCode()).toBe(488);
    // more than SDP_BODY_MAX bytes -> 413
    resultReset();
    sdpCheckOpen(0, 0, 0, 0);
    for (let i = 0; i < 5; i++) sdpCheckFeed(BUF, 4000);
    sdpCheckClose();
    expect(resultVerdict()).toBe(1);
    expect(resultCode()).toBe(413);
  });
  test("every truncation of an offer is an error or a shorter valid SDP, never a trap", () => {
    const n = put(OFFER_TLS);
    for (let k = 0; k < n; k++) {
      put(OFFER_TLS);
      const r = parseSdp(V, BUF, k, 0);
      // cutting inside a line always fails; a cut at a line end may still be a complete SDP
      if (k > 0 && load<u8>(BUF + k - 1) != 10) expect(r).toBe(-1);
    }
  });
  test("every byte mutated to NUL, CR, LF, SP, ':' gives a result, never a trap", () => {
    const muts: u8[] = [0, 13, 10, 32, 0x3a, 0x2f, 0xff];
    const n = put(OFFER_RELAY);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < muts.length; j++) {
        put(OFFER_RELAY);
        store<u8>(BUF + k, muts[j]);
        const r = parseSdp(V, BUF, n, 0);
        expect(r == n || r == -1).toBe(true);
        if (muts[j] == 0) expect(r).toBe(-1);
      }
    }
  });
});
