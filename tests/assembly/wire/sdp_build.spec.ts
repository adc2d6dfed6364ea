// SDP builder (assembly/wire/sdp_build.ts): golden bytes and parse(build(x)) == x.
import { SdpBuildParams, buildMsrpSdp } from "../../../assembly/wire/sdp_build";
import { SdpView, SdpMedia, SDP_ATTR_STRIDE, sdpViewAt, parseSdp, SdpSetup, SdpConn } from "../../../assembly/wire/sdp";
import { SDP_ATTR_MAX, SDP_MEDIA_MAX } from "../../../assembly/mem/limits";
import { eqExact, eqSpan } from "../../../assembly/mem/bytes";

const OUT = memory.data(2048);
const ARGS = memory.data(1024);
const P = changetype<SdpBuildParams>(memory.data(offsetof<SdpBuildParams>(), 8));
const V = sdpViewAt(memory.data(offsetof<SdpView>(), 8), memory.data(SDP_ATTR_MAX * SDP_ATTR_STRIDE, 8),
  memory.data(SDP_MEDIA_MAX * offsetof<SdpMedia>(), 8));
let argPos: i32 = 0;
/** Copies s into the argument area; returns its pointer. */
function arg(s: string): usize {
  const p = ARGS + argPos;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  argPos += s.length;
  return p;
}
function setup(user: string, addr: string, v6: i32, port: i32, tls: i32, acc: string, wrapped: string,
               maxSize: u64, path: string, su: i32, conn: i32, fp: string): void {
  argPos = 0;
  P.userPtr = arg(user); P.userLen = user.length;
  P.sessId = 2890844526; P.sessVersion = 2890844527;
  P.ipv6 = v6; P.addrPtr = arg(addr); P.addrLen = addr.length;
  P.port = port; P.tls = tls;
  P.acceptPtr = arg(acc); P.acceptLen = acc.length;
  P.wrappedPtr = arg(wrapped); P.wrappedLen = wrapped.length;
  P.maxSize = maxSize;
  P.pathPtr = arg(path); P.pathLen = path.length;
  P.setup = su; P.connection = conn;
  P.fpPtr = arg(fp); P.fpLen = fp.length;
}
function same(off: i32, len: i32, p: usize, plen: i32): bool { return eqSpan(OUT + off, len, p, plen, false); }

/** parse(build(x)) == x for the current P. */
function roundTrip(): void {
  const n = buildMsrpSdp(OUT, 2048, P);
  expect(n).toBeGreaterThan(0);
  expect(parseSdp(V, OUT, n, 0)).toBe(n);
  expect(same(V.oUserOff, V.oUserLen, P.userPtr, P.userLen)).toBe(true);
  expect(V.cAddrType).toBe(P.ipv6 == 1 ? 6 : 4);
  expect(same(V.cAddrOff, V.cAddrLen, P.addrPtr, P.addrLen)).toBe(true);
  expect(V.mediaCount).toBe(1);
  const m = V.m(0);
  expect(m.isMsrp).toBe(1);
  expect(m.isTls).toBe(P.tls);
  expect(m.port).toBe(P.port);
  expect(same(m.acceptOff, m.acceptLen, P.acceptPtr, P.acceptLen)).toBe(true);
  if (P.wrappedLen > 0) expect(same(m.wrappedOff, m.wrappedLen, P.wrappedPtr, P.wrappedLen)).toBe(true);
  else expect(m.wrappedLen).toBe(-1);
  expect(m.maxSize).toBe(P.maxSize > 0 ? <i64>P.maxSize : -1);
  expect(same(m.pathOff, m.pathLen, P.pathPtr, P.pathLen)).toBe(true);
  expect(m.setup).toBe(P.setup);
  expect(m.connection).toBe(P.connection);
  if (P.fpLen > 0) expect(same(m.fpOff, m.fpLen, P.fpPtr, P.fpLen)).toBe(true);
  // every smaller cap fails cleanly and writes nothing past it
  for (let c = 0; c < n; c++) {
    store<u8>(OUT + c, 0xaa);
    expect(buildMsrpSdp(OUT, c, P)).toBe(-1);
    expect(load<u8>(OUT + c)).toBe(0xaa);
  }
}

describe("sdp_build", () => {
  test("golden: offer-basic bytes", () => {
    setup("alice", "alice.example.com", 0, 7394, 0, "text/plain", "", 0, "msrp://alice.example.com:7394/2s93i9ek2a;tcp", 0, 0, "");
    const n = buildMsrpSdp(OUT, 2048, P);
    expect(eqExact(OUT, n, "v=0\r\no=alice 2890844526 2890844527 IN IP4 alice.example.com\r\ns=-\r\nc=IN IP4 alice.example.com\r\nt=0 0\r\nm=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\na=path:msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n")).toBe(true);
  });
  test("round trips", () => {
    setup("alice", "alice.example.com", 0, 7394, 0, "text/plain", "", 0, "msrp://alice.example.com:7394/2s93i9ek2a;tcp", 0, 0, "");
    roundTrip();
    setup("alice", "alice.example.com", 0, 7394, 0, "message/cpim text/plain", "text/plain image/jpeg", 131072, "msrp://alice.example.com:7394/x;tcp", SdpSetup.ActPass, SdpConn.New, "");
    roundTrip();
    setup("bob", "2001:db8::1", 1, 9, 0, "*", "*", 0, "msrp://[2001:db8::1]:9/x;tcp", SdpSetup.Active, SdpConn.Existing, "");
    roundTrip();
    setup("c", "relay.example.com", 0, 9000, 1, "message/cpim", "", 0, "msrps://relay.example.com:9000/j;tcp msrps://c.example.com:9892/9;tcp", SdpSetup.Passive, SdpConn.None, "SHA-1 4A:AD:B9");
    roundTrip();
  });
  test("bad arguments -> -1", () => {
    setup("alice", "h", 0, 7394, 0, "", "", 0, "msrp://h:1/x;tcp", 0, 0, "");
    expect(buildMsrpSdp(OUT, 2048, P)).toBe(-1);   // accept-types mandatory
    setup("alice", "h", 0, 7394, 0, "text/plain", "", 0, "", 0, 0, "");
    expect(buildMsrpSdp(OUT, 2048, P)).toBe(-1);   // path mandatory
    setup("alice", "h", 0, 70000, 0, "text/plain", "", 0, "msrp://h:1/x;tcp", 0, 0, "");
    expect(buildMsrpSdp(OUT, 2048, P)).toBe(-1);
    setup("al\r\nice", "h", 0, 1, 0, "text/plain", "", 0, "msrp://h:1/x;tcp", 0, 0, "");
    expect(buildMsrpSdp(OUT, 2048, P)).toBe(-1);   // no line injection
    setup("alice", "h", 0, 1, 0, "text/plain", "", 0, "msrp://h:1/x;tcp", 9, 0, "");
    expect(buildMsrpSdp(OUT, 2048, P)).toBe(-1);
  });
});
