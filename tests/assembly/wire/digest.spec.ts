// RFC 4976 relay AUTH on the wire: the digest challenge parser (WWW-Authenticate of a 401), the
// Authorization answer (RFC 2617 §3.2.2, method AUTH; expected digests from Node's crypto md5),
// and msrpBuildAuth (golden bytes, parse(build(x)), -1 at every smaller capacity). Challenges are
// also fed at every truncated length: an error code or a smaller valid challenge, never a trap.
import { DigestChallenge, digestParseChallenge, digestBuildAuthorization, DigestErr, DIGEST_CHALLENGE_SIZE } from "../../../assembly/wire/digest";
import { msrpBuildAuth } from "../../../assembly/wire/msrp_build";
import { msrpParserAt, msrpReset, msrpFeed, MsrpEvent, MsrpMethod, MsrpHdr, MSRP_PARSER_BYTES, MSRP_HDR_STRIDE } from "../../../assembly/wire/msrp";
import { MSRP_HDR_MAX } from "../../../assembly/mem/limits";

const C = changetype<DigestChallenge>(memory.data(DIGEST_CHALLENGE_SIZE, 8));
const P = msrpParserAt(memory.data(MSRP_PARSER_BYTES, 8), memory.data(MSRP_HDR_MAX * MSRP_HDR_STRIDE, 8), memory.data(2048, 8), 2048);
const IN = memory.data(1024);
const OUT = memory.data(2048);
const S = memory.data(1024);
let sOff = 0;
function sp(s: string): usize {
  const p = S + sOff;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  sOff += s.length;
  return p;
}
function put(s: string): i32 { for (let i = 0; i < s.length; i++) store<u8>(IN + i, <u8>s.charCodeAt(i)); return s.length; }
function str(p: usize, n: i32): string { return String.UTF8.decodeUnsafe(p, n); }
function span(off: i32, len: i32): string { return len < 0 ? "<none>" : str(IN + off, len); }

// the challenge of the shared corpus case msrp/auth-401.msrp
const CHAL = "Digest realm=\"relay.example.com\", qop=\"auth\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\"";
const URI = "msrps://alice@relay.example.com;tcp";

describe("digest challenge", () => {
  test("corpus 401: realm, nonce, qop auth", () => {
    expect(digestParseChallenge(C, IN, put(CHAL))).toBe(DigestErr.Ok);
    expect(span(C.realmOff, C.realmLen)).toBe("relay.example.com");
    expect(span(C.nonceOff, C.nonceLen)).toBe("7a0c3e5b99f14d2ab6b1f0d2c39e8a71");
    expect(C.qopAuth).toBe(1);
    expect(C.hasOpaque).toBe(0);
    expect(C.stale).toBe(0);
  });
  test("Kamailio's form: unquoted values, opaque, stale, qop list, algorithm", () => {
    expect(digestParseChallenge(C, IN, put("Digest realm=\"example.test\", nonce=\"awXa1ms\", qop=\"auth,auth-int\", opaque=\"\", stale=TRUE, algorithm=MD5"))).toBe(DigestErr.Ok);
    expect(C.qopAuth).toBe(1);
    expect(C.hasOpaque).toBe(1);
    expect(C.opaqueLen).toBe(0);
    expect(C.stale).toBe(1);
    expect(digestParseChallenge(C, IN, put("digest nonce=abc,realm=r"))).toBe(DigestErr.Ok);   // scheme is caseless
    expect(C.hasQop).toBe(0);
  });
  test("bad challenges give an error code", () => {
    const rows: string[][] = [
      ["Basic realm=\"x\"", "1"],
      ["Digest", "1"],
      ["Digestrealm=\"x\", nonce=\"y\"", "1"],
      ["Digest realm=\"x\", nonce=\"y", "1"],
      ["Digest realm=\"x\" nonce", "1"],
      ["Digest =\"x\"", "1"],
      ["Digest realm=\"x\"", "2"],
      ["Digest nonce=\"y\"", "2"],
      ["Digest realm=\"x\", nonce=\"\"", "2"],
      ["Digest realm=\"x\", nonce=\"y\", algorithm=MD5-sess", "3"],
      ["Digest realm=\"x\", nonce=\"y\", qop=\"auth-int\"", "4"],
    ];
    for (let i = 0; i < rows.length; i++) expect(digestParseChallenge(C, IN, put(rows[i][0])).toString()).toBe(rows[i][1], rows[i][0]);
  });
  test("every truncated prefix: a code, never a trap", () => {
    const n = put(CHAL);
    for (let k = 0; k < n; k++) {
      const r = digestParseChallenge(C, IN, k);
      expect(r >= 0 && r <= 4).toBe(true);
    }
  });
});

describe("digest answer", () => {
  test("qop=auth: RFC 2617 response, header form", () => {
    sOff = 0;
    expect(digestParseChallenge(C, IN, put(CHAL))).toBe(DigestErr.Ok);
    const user = sp("alice"), pass = sp("secret"), uri = sp(URI), cn = sp("0b5e7d21");
    const n = digestBuildAuthorization(OUT, 2048, C, IN, user, 5, pass, 6, "AUTH", uri, URI.length, cn, 8, 1);
    expect(str(OUT, n)).toBe("Digest username=\"alice\", realm=\"relay.example.com\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\", uri=\"" + URI +
      "\", response=\"8e71745d15d9fe2f660f716df72f8662\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0b5e7d21\"");
    for (let c = 0; c < n; c++) expect(digestBuildAuthorization(OUT, c, C, IN, user, 5, pass, 6, "AUTH", uri, URI.length, cn, 8, 1)).toBe(-1);
  });
  test("no qop (RFC 2069 form) and opaque echoed", () => {
    sOff = 0;
    expect(digestParseChallenge(C, IN, put("Digest realm=\"relay.example.com\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\", opaque=\"xyz\""))).toBe(DigestErr.Ok);
    const user = sp("alice"), pass = sp("secret"), uri = sp(URI), cn = sp("0b5e7d21");
    const n = digestBuildAuthorization(OUT, 2048, C, IN, user, 5, pass, 6, "AUTH", uri, URI.length, cn, 8, 1);
    expect(str(OUT, n)).toBe("Digest username=\"alice\", realm=\"relay.example.com\", nonce=\"7a0c3e5b99f14d2ab6b1f0d2c39e8a71\", uri=\"" + URI +
      "\", response=\"d87f35877b9eb2386ec08d1e0390e97d\", algorithm=MD5, opaque=\"xyz\"");
  });
  test("RFC 2617 §3.5 example (Mufasa): the published response", () => {
    sOff = 0;
    expect(digestParseChallenge(C, IN, put("Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""))).toBe(DigestErr.Ok);
    const user = sp("Mufasa"), pass = sp("Circle Of Life"), uri = sp("/dir/index.html"), cn = sp("0a4f113b");
    const n = digestBuildAuthorization(OUT, 2048, C, IN, user, 6, pass, 14, "GET", uri, 15, cn, 8, 1);
    expect(n).toBeGreaterThan(0);
    expect(str(OUT, n)).toBe("Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\"" +
      ", response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  });
  test("SIP REGISTER (RFC 3261 §22.4: digest-uri = Request-URI), nc 2 of a refresh", () => {
    sOff = 0;
    expect(digestParseChallenge(C, IN, put("Digest realm=\"example.test\", nonce=\"n1\", qop=\"auth\""))).toBe(DigestErr.Ok);
    const user = sp("alice"), pass = sp("s3cret"), uri = sp("sip:example.test"), cn = sp("cn0");
    const n = digestBuildAuthorization(OUT, 2048, C, IN, user, 5, pass, 6, "REGISTER", uri, 16, cn, 3, 2);
    expect(str(OUT, n)).toBe("Digest username=\"alice\", realm=\"example.test\", nonce=\"n1\", uri=\"sip:example.test\"" +
      ", response=\"8fbca5cfff51971859ef97b77562922c\", algorithm=MD5, qop=auth, nc=00000002, cnonce=\"cn0\"");
  });
});

describe("AUTH request", () => {
  test("golden bytes, parse round trip, every smaller capacity -1", () => {
    sOff = 0;
    const tid = sp("49fi"), to = sp(URI), from = sp("msrps://alice.example.com:9892/98cjs;tcp");
    const az = sp("Digest username=\"alice\"");
    const n = msrpBuildAuth(OUT, 2048, tid, 4, to, URI.length, from, 40, az, 23, 900);
    const want = "MSRP 49fi AUTH\r\nTo-Path: " + URI + "\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n" +
      "Authorization: Digest username=\"alice\"\r\nExpires: 900\r\n-------49fi$\r\n";
    expect(str(OUT, n)).toBe(want);
    for (let c = 0; c < n; c++) expect(msrpBuildAuth(OUT, c, tid, 4, to, URI.length, from, 40, az, 23, 900)).toBe(-1);
    // without credentials and Expires (what our relay client sends first: no Expires ever)
    const m = msrpBuildAuth(OUT, 2048, tid, 4, to, URI.length, from, 40, 0, 0, -1);
    expect(str(OUT, m)).toBe("MSRP 49fi AUTH\r\nTo-Path: " + URI + "\r\nFrom-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n-------49fi$\r\n");
    // parse(build(x)): an AUTH request with its Authorization and Expires headers
    const k = msrpBuildAuth(OUT, 2048, tid, 4, to, URI.length, from, 40, az, 23, 900);
    msrpReset(P);
    let off = 0, ends = 0, auth = -1;
    for (let r = 0; r < 16; r++) {
      off += msrpFeed(P, OUT + off, k - off);
      if (P.event == MsrpEvent.None || P.event == MsrpEvent.Error) break;
      if (P.event == MsrpEvent.Headers) {
        expect(P.err).toBe(0);
        for (let i = 0; i < P.hdrCount; i++) if (P.hdrType(i) == MsrpHdr.Authorization) auth = i;
      }
      if (P.event == MsrpEvent.End) ends++;
    }
    expect(ends).toBe(1);
    expect(P.method).toBe(MsrpMethod.AUTH);
    expect(P.expires).toBe(900);
    expect(auth >= 0).toBe(true);
    expect(str(P.hdrBuf + P.valOff(auth), P.valLen(auth))).toBe("Digest username=\"alice\"");
  });
});
