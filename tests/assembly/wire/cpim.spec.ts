// CPIM parser (assembly/wire/cpim.ts): table-driven, fed through the check driver whole, byte by
// byte and at every split point; truncated and mutated inputs give an error code, never a trap.
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, CpimErr, CpimHdr, CPIM_LENIENT_LF, dateTimeOk } from "../../../assembly/wire/cpim";
import { CPIM_HDR_MAX } from "../../../assembly/mem/limits";
import { cpimCheckOpen, cpimCheckFeed, cpimCheckClose } from "../../../assembly/check/cpim";
import { resultReset, resultVerdict, resultDigest, resultCode } from "../../../assembly/check/result";
import { eqExact } from "../../../assembly/mem/bytes";

const BUF = memory.data(4096);
const M = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));
function put(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(BUF + i, <u8>s.charCodeAt(i));
  return s.length;
}
function parse(s: string, flags: i32 = 0): i32 {
  const r = parseCpim(M, BUF, put(s), flags);
  return r < 0 ? M.err : 0;
}
function spanIs(off: i32, len: i32, s: string): bool { return eqExact(BUF + off, len, s); }
let lastDigest: u32 = 0;
function drive(n: i32, first: i32, step: i32): i32 {
  resultReset();
  cpimCheckOpen(0, 0, 0, 0);
  let i = 0;
  if (first > 0) { cpimCheckFeed(BUF, min(first, n)); i = min(first, n); }
  while (i < n) { const k = min(step, n - i); cpimCheckFeed(BUF + i, k); i += k; }
  cpimCheckClose();
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

const BASIC = "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: 2026-05-02T18:04:11-07:00\r\nSubject: lunch\r\n\r\nContent-Type: text/plain; charset=utf-8\r\nContent-ID: <a7c1f0@example.com>\r\n\r\nAre we still on for lunch tomorrow?";
const MULTI = "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nTo: <im:carol@example.org>\r\ncc: <im:dave@example.org>\r\nSubject:;lang=fr Bonjour\r\nSubject:;lang=en Hello\r\nDateTime: 2026-05-02T18:05:00Z\r\n\r\nContent-Type: text/plain\r\n\r\nHello all";
const NSREQ = "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nDateTime: 2026-05-02T18:06:00Z\r\nNS: Feat <mid:MessageFeatures@id.example.com>\r\nRequire: Feat.VitalOption\r\nFeat.VitalOption: Confirmation-requested\r\nFeat.WackyOption: Use-silly-font\r\n\r\nContent-Type: text/plain\r\n\r\nPlease confirm.";
const IMDN = "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\nDateTime: 2026-05-02T18:07:30Z\r\nimdn.Disposition-Notification: positive-delivery, display\r\n\r\nContent-Type: text/plain\r\n\r\nDid you get this?";
const DELIV = "From: Bob <im:bob@example.net>\r\nTo: Alice <im:alice@example.com>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: d834jied93rf\r\nDateTime: 2026-05-02T18:07:32Z\r\n\r\nContent-Type: message/imdn+xml\r\nContent-Disposition: notification\r\nContent-Length: 9\r\n\r\n<imdn/>\r\n";
const FT = "From: <im:a@x>\r\nTo: <im:b@y>\r\n";
const TAIL = "\r\nContent-Type: text/plain\r\n\r\nhi";

describe("cpim: valid", () => {
  test("basic: spans", () => {
    expect(parse(BASIC)).toBe(CpimErr.Ok);
    expect(M.msgHdrCount).toBe(4);
    expect(M.hdrCount).toBe(6);
    const f = M.h(M.fromIdx);
    expect(f.kind).toBe(CpimHdr.From);
    expect(spanIs(f.uriOff, f.uriLen, "im:alice@example.com")).toBe(true);
    expect(spanIs(f.dispOff, f.dispLen, "Alice")).toBe(true);
    expect(spanIs(M.h(M.dateTimeIdx).valOff, M.h(M.dateTimeIdx).valLen, "2026-05-02T18:04:11-07:00")).toBe(true);
    const ct = M.h(M.contentTypeIdx);
    expect(spanIs(ct.valOff, ct.valLen, "text/plain; charset=utf-8")).toBe(true);
    expect(M.contentIdIdx).toBe(5);
    expect(spanIs(M.contentOff, M.contentLen, "Are we still on for lunch tomorrow?")).toBe(true);
  });
  test("multi To, cc, Subject;lang", () => {
    expect(parse(MULTI)).toBe(CpimErr.Ok);
    expect(M.toCount).toBe(2);
    expect(M.ccCount).toBe(1);
    expect(M.subjectCount).toBe(2);
    const s = M.h(4);
    expect(spanIs(s.paramOff, s.paramLen, ";lang=fr")).toBe(true);
    expect(spanIs(s.valOff, s.valLen, "Bonjour")).toBe(true);
    expect(M.h(2).dispLen).toBe(0);
  });
  test("NS, Require, namespaced headers", () => {
    expect(parse(NSREQ)).toBe(CpimErr.Ok);
    expect(M.nsCount).toBe(1);
    expect(M.requireIdx).toBe(4);
    expect(M.h(5).kind).toBe(CpimHdr.Ext);
    expect(M.h(5).prefixLen).toBe(4);
    expect(spanIs(M.h(3).dispOff, M.h(3).dispLen, "Feat")).toBe(true);
  });
  test("IMDN request and delivery notification", () => {
    expect(parse(IMDN)).toBe(CpimErr.Ok);
    expect(spanIs(M.h(M.imdnMessageIdIdx).valOff, M.h(M.imdnMessageIdIdx).valLen, "34jk324j")).toBe(true);
    expect(M.h(M.imdnDispositionIdx).kind).toBe(CpimHdr.ImdnDisposition);
    expect(parse(DELIV)).toBe(CpimErr.Ok);
    expect(M.contentDispositionIdx).toBeGreaterThan(0);
    expect(M.contentLen).toBe(9);
  });
  test("other shapes", () => {
    expect(parse(FT + "\r\nContent-Type: text/plain\r\n\r\n")).toBe(CpimErr.Ok);       // empty content
    expect(parse("From: \"A \\\"B\\\"\"<im:a@x>\r\nTo: Bo B <im:b@y>\r\n" + TAIL)).toBe(CpimErr.Ok);
    expect(parse(FT + "NS: <urn:x>\r\n" + TAIL)).toBe(CpimErr.Ok);                    // default namespace
    expect(parse(FT + "\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n\r\nhi")).toBe(CpimErr.Ok); // folded MIME header
    expect(parse("From: <im:a@x>\nTo: <im:b@y>\n\nContent-Type: text/plain\n\nhi", CPIM_LENIENT_LF)).toBe(CpimErr.Ok);
  });
  test("RFC 3339 DateTime", () => {
    const good = ["2024-02-29T00:00:00Z", "2026-12-31T23:59:60Z", "2026-05-02t18:04:11.123456z", "2026-05-02T18:04:11+14:00"];
    for (let i = 0; i < good.length; i++) expect(dateTimeOk(BUF, 0, put(good[i]))).toBe(true, good[i]);
    const bad = ["2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-05-02 18:04:11Z",
      "2026-05-02T24:00:00Z", "2026-05-02T18:04:11", "2026-05-02T18:04:11.Z", "2026-05-02T18:04:11+0700",
      "2026-05-02T18:04:11+07:60", "26-05-02T18:04:11Z", "yesterday at noon", "2026-05-02T18:04:11Z "];
    for (let i = 0; i < bad.length; i++) expect(dateTimeOk(BUF, 0, put(bad[i]))).toBe(false, bad[i]);
  });
});

describe("cpim: invalid", () => {
  test("table", () => {
    expect(parse("")).toBe(CpimErr.Empty);
    expect(parse("From Alice <im:a@x>\r\nTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.NoColon);
    expect(parse(FT + "DateTime: yesterday at noon\r\n" + TAIL)).toBe(CpimErr.BadDateTime);
    expect(parse(FT + "imdn.Message-ID: x\r\n" + TAIL)).toBe(CpimErr.UndeclaredPrefix);
    expect(parse(FT + "imdn.Message-ID: x\r\nNS: imdn <urn:ietf:params:imdn>\r\n" + TAIL)).toBe(CpimErr.UndeclaredPrefix);
    expect(parse(FT + "Require: x.Y\r\n" + TAIL)).toBe(CpimErr.UndeclaredPrefix);
    expect(parse(FT + "Require: \r\n" + TAIL)).toBe(CpimErr.BadRequire);
    expect(parse(FT + "Require: A,\r\n" + TAIL)).toBe(CpimErr.BadRequire);
    expect(parse("To: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.MissingFrom);
    expect(parse("From: <im:a@x>\r\n" + TAIL)).toBe(CpimErr.MissingTo);
    expect(parse(FT + "From: <im:a@x>\r\n" + TAIL)).toBe(CpimErr.Duplicate);
    expect(parse("From: Alice im:a@x\r\nTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.BadAddress);
    expect(parse("From: <im:a@x> \r\nTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.BadAddress);
    expect(parse("From: <noscheme>\r\nTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.BadAddress);
    expect(parse("From:<im:a@x>\r\nTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.BadValue);
    expect(parse(FT + "Subject:;lang fr\r\n" + TAIL)).toBe(CpimErr.BadParam);
    expect(parse(FT + "NS: a b <urn:x>\r\n" + TAIL)).toBe(CpimErr.BadNs);
    expect(parse(FT + "NS: a <urn:x>\r\nNS: a <urn:y>\r\n" + TAIL)).toBe(CpimErr.BadNs);
    expect(parse(FT + "a.b.c: x\r\n" + TAIL)).toBe(CpimErr.BadName);
    expect(parse(FT + "Sub(ject): x\r\n" + TAIL)).toBe(CpimErr.BadName);
    expect(parse(FT + "Subject: a\u0001b\r\n" + TAIL)).toBe(CpimErr.BadValue);
    expect(parse(FT)).toBe(CpimErr.NoEmptyLine);
    expect(parse(FT + "\r\nContent-Type: text/plain\r\n")).toBe(CpimErr.NoEmptyLine);
    expect(parse(FT + "\r\n\r\nhi")).toBe(CpimErr.NoContentType);
    expect(parse(FT + "\r\nContent-Type: text\r\n\r\nhi")).toBe(CpimErr.BadContentType);
    expect(parse(FT + "\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nhi")).toBe(CpimErr.BadContentLength);
    expect(parse(FT + "\r\nContent-Type: text/plain\r\nBad Name: x\r\n\r\nhi")).toBe(CpimErr.BadContentHeader);
    expect(parse("From: <im:a@x>\nTo: <im:b@y>\n" + TAIL)).toBe(CpimErr.LineEnd);
    expect(parse("From: <im:a@x>\rTo: <im:b@y>\r\n" + TAIL)).toBe(CpimErr.LineEnd);
    let s = FT;
    for (let i = 0; i < CPIM_HDR_MAX; i++) s += "Subject: x\r\n";
    expect(parse(s + TAIL)).toBe(CpimErr.TooManyHeaders);
  });
});

describe("cpim: feed all ways, truncation, mutation", () => {
  test("driver: same verdict and digest at every split", () => {
    allWays(BASIC); allWays(MULTI); allWays(NSREQ); allWays(IMDN); allWays(DELIV);
    allWays(FT + "DateTime: yesterday\r\n" + TAIL);
  });
  test("driver codes", () => {
    expect(drive(put(BASIC), 0, 1000)).toBe(0);
    expect(drive(put(FT + "DateTime: x\r\n" + TAIL), 0, 1000)).toBe(1);
    expect(resultCode()).toBe(400);
    resultReset();
    cpimCheckOpen(0, 0, 0, 0);
    for (let i = 0; i < 5; i++) cpimCheckFeed(BUF, 4000);
    cpimCheckClose();
    expect(resultCode()).toBe(413);
  });
  test("truncation: before the content starts, always an error", () => {
    const n = put(IMDN);
    const contentAt = n - 17;   // "Did you get this?"
    for (let k = 0; k < n; k++) {
      put(IMDN);
      const r = parseCpim(M, BUF, k, 0);
      if (k < contentAt) expect(r).toBe(-1);
      else expect(r).toBe(k);
    }
  });
  test("mutation never traps", () => {
    const muts: u8[] = [0, 13, 10, 32, 0x3a, 0x2e, 0x3c, 0x3e, 0xff];
    const n = put(NSREQ);
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < muts.length; j++) {
        put(NSREQ);
        store<u8>(BUF + k, muts[j]);
        const r = parseCpim(M, BUF, n, 0);
        expect(r == n || r == -1).toBe(true);
      }
    }
  });
});
