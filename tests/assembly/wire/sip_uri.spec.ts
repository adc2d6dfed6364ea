// SIP/SIPS/tel URIs (assembly/wire/sip_uri.ts): RFC 3261 §19.1.1/§25.1, RFC 5118 IPv6 cases,
// RFC 4475 escaping and odd user parts. Table rows: uri, ok, scheme, user, host, port.

import { SipUri, sipUriAt, uriParse, uriScheme, uriAbsoluteOk, uriParamFind, hostKindOf, UriScheme, HostKind } from "../../../assembly/wire/sip_uri";

const IN = memory.data(1024);
const U = sipUriAt(memory.data(offsetof<SipUri>(), 8));
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i));
  return s.length;
}
function str(off: i32, n: i32): string { return off < 0 ? "-" : String.UTF8.decodeUnsafe(IN + off, <usize>n); }

const URIS: string[] = [
  "sip:bob@example.com", "sips:bob:pw@example.com:5061;transport=tcp?subject=x&h=y",
  "sip:user;par=u%40example.net@example.com", "sip:[2001:db8::10]", "sip:[2001:db8::10]:5070",
  "sip:[2001:db8::10:5070]", "sip:user@[2001:db8:::192.0.2.1]", "sip:%00@host5.example.com",
  "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
  "sip:192.0.2.1:5060;lr", "SIP:Bob@Example.COM",
];
const USERS: string[] = ["bob", "bob", "user;par=u%40example.net", "-", "-", "-", "user", "%00", "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", "-", "Bob"];
const HOSTS: string[] = ["example.com", "example.com", "example.com", "[2001:db8::10]", "[2001:db8::10]", "[2001:db8::10:5070]", "[2001:db8:::192.0.2.1]", "host5.example.com", "example.com", "192.0.2.1", "Example.COM"];
const PORTS: i32[] = [-1, 5061, -1, -1, 5070, -1, -1, -1, -1, 5060, -1];

const BAD_URIS: string[] = [
  "sip:2001:db8::10", "sip:", "sip:@host", "sip:bob@", "sip:bob@host:99999", "sip:bob@host:", "sip:bob@ho st",
  "sip:bob@host;", "sip:bob@host;;a", "sip:bob@host?", "sip:bob@host?a", "sip:b%4@host", "sip:b%zz@host",
  "<sip:bob@host>", "sip:bob@[2001:db8::1", "sip:bob@[]", "sip:bob@host;a=", "sip:a@b@c", "1sip:x",
];

describe("sip uri", () => {
  test("good SIP/SIPS URIs: components as spans", () => {
    for (let k = 0; k < URIS.length; k++) {
      const n = put(URIS[k]);
      expect(uriParse(IN, 0, n, U)).toBe(true, URIS[k]);
      expect(str(U.userOff, U.userLen)).toBe(USERS[k], URIS[k]);
      expect(str(U.hostOff, U.hostLen)).toBe(HOSTS[k], URIS[k]);
      expect(U.port).toBe(PORTS[k], URIS[k]);
    }
    const n = put(URIS[1]);
    uriParse(IN, 0, n, U);
    expect(U.scheme).toBe(UriScheme.Sips);
    expect(str(U.passOff, U.passLen)).toBe("pw");
    expect(str(U.paramsOff, U.paramsLen)).toBe("transport=tcp");
    expect(str(U.headersOff, U.headersLen)).toBe("subject=x&h=y");
    const v = uriParamFind(IN, U.paramsOff, U.paramsLen, "TRANSPORT");
    expect(v).toBeGreaterThan(-1);
    expect(str(<i32>(v >> 32), <i32>(v & 0xffffffff))).toBe("tcp");
    expect(uriParamFind(IN, U.paramsOff, U.paramsLen, "lr")).toBe(-1);
  });

  test("malformed URIs are rejected, never trap", () => {
    for (let k = 0; k < BAD_URIS.length; k++) expect(uriParse(IN, 0, put(BAD_URIS[k]), U)).toBe(false, BAD_URIS[k]);
    // every prefix of a long URI
    const n0 = put(URIS[1]);
    for (let i = 0; i < n0; i++) uriParse(IN, 0, i, U);
  });

  test("schemes and absolute URIs (RFC 4475 unkscm, novelsc, unksm2)", () => {
    expect(uriScheme(IN, 0, put("tel:+1-201-555-0123"))).toBe(UriScheme.Tel);
    expect(uriScheme(IN, 0, put("nobodyKnowsThisScheme:totallyopaquecontent"))).toBe(UriScheme.Other);
    expect(uriAbsoluteOk(IN, 0, put("soap.beep://192.0.2.103:3002"))).toBe(true);
    expect(uriAbsoluteOk(IN, 0, put("http://www.example.com"))).toBe(true);
    expect(uriAbsoluteOk(IN, 0, put("name:"))).toBe(false);
    expect(uriAbsoluteOk(IN, 0, put("isbn:29 83"))).toBe(false);
    expect(uriScheme(IN, 0, put("<sip:x>"))).toBe(UriScheme.None);
  });

  test("host kinds", () => {
    expect(hostKindOf(IN, 0, put("192.0.2.1"))).toBe(HostKind.Ipv4);
    expect(hostKindOf(IN, 0, put("192.0.2.256"))).toBe(HostKind.None);
    expect(hostKindOf(IN, 0, put("1.2.3"))).toBe(HostKind.None);
    expect(hostKindOf(IN, 0, put("a-b.example"))).toBe(HostKind.Name);
    expect(hostKindOf(IN, 0, put("[::ffff:192.0.2.2]"))).toBe(HostKind.Ipv6);
    expect(hostKindOf(IN, 0, put("[2001:db8:::192.0.2.1]"))).toBe(HostKind.Ipv6);
    expect(hostKindOf(IN, 0, put("[zz::1]"))).toBe(HostKind.None);
    expect(hostKindOf(IN, 0, put("-a"))).toBe(HostKind.None);
  });
});
