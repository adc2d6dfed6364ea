// MSRP URIs and path lists (RFC 4975 §6, §9).
import { MsrpUri, msrpUriParse, msrpPathNth, msrpPathCount, msrpUriEq } from "../../../assembly/wire/msrp_uri";

const BUF = memory.data(512);
const BUF2 = memory.data(512);
const U = changetype<MsrpUri>(memory.data(offsetof<MsrpUri>(), 8));
const V = changetype<MsrpUri>(memory.data(offsetof<MsrpUri>(), 8));
function putAt(b: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(b + i, <u8>s.charCodeAt(i));
  return s.length;
}
function span(off: i32, len: i32): string { return String.UTF8.decodeUnsafe(BUF + off, len); }

class Good { constructor(public uri: string, public secure: i32, public user: string, public host: string, public port: i32, public sess: string, public trans: string, public params: string) {} }
const GOOD: Good[] = [
  new Good("msrp://bob.example.com:8493/si438dsaodes;tcp", 0, "", "bob.example.com", 8493, "si438dsaodes", "tcp", ""),
  new Good("msrps://alice@relay.example.com;tcp", 1, "alice", "relay.example.com", 0, "", "tcp", ""),
  new Good("MSRPS://[2001:db8::1]:2855/a+b=c/d;tcp;foo=bar;x", 1, "", "[2001:db8::1]", 2855, "a+b=c/d", "tcp", "foo=bar;x"),
  new Good("msrp://192.0.2.10:7394/kjhd37s2s20w2a;ws", 0, "", "192.0.2.10", 7394, "kjhd37s2s20w2a", "ws", ""),
];
const BAD: string[] = [
  "msrp://bob.example.com:8493/s1",        // no transport
  "sip://bob.example.com/s1;tcp",          // scheme
  "msrp:/bob.example.com/s1;tcp",
  "msrp://bob.example.com:70000/s1;tcp",   // port
  "msrp://bob.example.com:/s1;tcp",
  "msrp://:8493/s1;tcp",                   // empty host
  "msrp://[2001:db8::1/s1;tcp",            // unclosed IPv6
  "msrp://bob.example.com/;tcp",           // empty session-id
  "msrp://bob.example.com/s\x01;tcp",      // CTL in session-id
  "msrp://bob.example.com/s1;",            // empty transport
  "msrp://bob.example.com/s1;tcp;",        // empty param
  "msrp://bob.example.com/s1;tcp?x",
  "msrp",
  "",
];

describe("msrp uri", () => {
  test("good URIs", () => {
    for (let i = 0; i < GOOD.length; i++) {
      const g = GOOD[i];
      const n = putAt(BUF, g.uri);
      // every truncation must fail or stop early, never trap
      for (let k = 0; k < n; k++) msrpUriParse(U, BUF, 0, k);
      expect(msrpUriParse(U, BUF, 0, n)).toBe(n, g.uri);
      expect(U.secure).toBe(g.secure);
      expect(span(U.userOff, U.userLen)).toBe(g.user);
      expect(span(U.hostOff, U.hostLen)).toBe(g.host);
      expect(U.port).toBe(g.port);
      expect(span(U.sessOff, U.sessLen)).toBe(g.sess);
      expect(span(U.transOff, U.transLen)).toBe(g.trans);
      expect(span(U.paramsOff, U.paramsLen)).toBe(g.params);
    }
  });
  test("bad URIs", () => {
    for (let i = 0; i < BAD.length; i++) {
      const n = putAt(BUF, BAD[i]);
      expect(msrpUriParse(U, BUF, 0, n)).toBe(-1, BAD[i]);
      expect(msrpPathCount(BUF, 0, n)).toBe(-1, BAD[i]);
    }
  });
  test("path lists", () => {
    const n = putAt(BUF, "msrps://relay.example.com:9000/jui787s2f;tcp msrps://relay.example.net:9000/kjfjan;tcp msrps://bob.example.net:8145/foo;tcp");
    expect(msrpPathCount(BUF, 0, n)).toBe(3);
    expect(msrpPathNth(U, BUF, 0, n, 0)).toBe(3);
    expect(span(U.sessOff, U.sessLen)).toBe("jui787s2f");
    expect(msrpPathNth(U, BUF, 0, n, 2)).toBe(3);
    expect(span(U.hostOff, U.hostLen)).toBe("bob.example.net");
    expect(msrpPathNth(U, BUF, 0, n, 3)).toBe(-1);
    const m = putAt(BUF, "msrp://a.example.com/s;tcp ");
    expect(msrpPathCount(BUF, 0, m)).toBe(-1);
    const k = putAt(BUF, "msrp://a.example.com/s;tcp  msrp://b.example.com/t;tcp");
    expect(msrpPathCount(BUF, 0, k)).toBe(-1);
  });
  test("comparison (§6.1)", () => {
    const a = putAt(BUF, "msrp://Bob.Example.com:8493/Si438;TCP");
    const b = putAt(BUF2, "MSRP://bob.example.com:8493/Si438;tcp;x=y");
    msrpUriParse(U, BUF, 0, a); msrpUriParse(V, BUF2, 0, b);
    expect(msrpUriEq(U, BUF, V, BUF2)).toBe(true);
    const c = putAt(BUF2, "msrp://bob.example.com:8493/si438;tcp");
    msrpUriParse(V, BUF2, 0, c);
    expect(msrpUriEq(U, BUF, V, BUF2)).toBe(false);
  });
});
