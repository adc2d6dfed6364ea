// CPIM builder (assembly/wire/cpim_build.ts): golden bytes and parse(build(x)) == x.
import { CpimBuildParams, buildCpim, putDateTime } from "../../../assembly/wire/cpim_build";
import { CpimMsg, CpimHdrEntry, cpimMsgAt, parseCpim, CpimHdr } from "../../../assembly/wire/cpim";
import { CPIM_HDR_MAX } from "../../../assembly/mem/limits";
import { eqExact, eqSpan } from "../../../assembly/mem/bytes";

const OUT = memory.data(2048);
const ARGS = memory.data(1024);
const P = changetype<CpimBuildParams>(memory.data(offsetof<CpimBuildParams>(), 8));
const M = cpimMsgAt(memory.data(offsetof<CpimMsg>(), 8), memory.data(CPIM_HDR_MAX * offsetof<CpimHdrEntry>(), 8));
let argPos: i32 = 0;
function arg(s: string): usize {
  const p = ARGS + argPos;
  for (let i = 0; i < s.length; i++) store<u8>(p + i, <u8>s.charCodeAt(i));
  argPos += s.length;
  return p;
}
function setup(fn: string, fu: string, tn: string, tu: string, dt: string, id: string, disp: string, ct: string, body: string): void {
  argPos = 0;
  P.fromNamePtr = arg(fn); P.fromNameLen = fn.length; P.fromUriPtr = arg(fu); P.fromUriLen = fu.length;
  P.toNamePtr = arg(tn); P.toNameLen = tn.length; P.toUriPtr = arg(tu); P.toUriLen = tu.length;
  P.dateTimePtr = arg(dt); P.dateTimeLen = dt.length;
  P.imdnIdPtr = arg(id); P.imdnIdLen = id.length; P.imdnDispPtr = arg(disp); P.imdnDispLen = disp.length;
  P.contentTypePtr = arg(ct); P.contentTypeLen = ct.length; P.contentPtr = arg(body); P.contentLen = body.length;
}
function same(off: i32, len: i32, p: usize, plen: i32): bool { return eqSpan(OUT + off, len, p, plen, false); }
function roundTrip(): void {
  const n = buildCpim(OUT, 2048, P);
  expect(n).toBeGreaterThan(0);
  expect(parseCpim(M, OUT, n, 0)).toBe(n);
  const f = M.h(M.fromIdx), t = M.h(M.firstTo);
  expect(same(f.uriOff, f.uriLen, P.fromUriPtr, P.fromUriLen)).toBe(true);
  expect(same(f.dispOff, f.dispLen, P.fromNamePtr, P.fromNameLen)).toBe(true);
  expect(same(t.uriOff, t.uriLen, P.toUriPtr, P.toUriLen)).toBe(true);
  expect(same(t.dispOff, t.dispLen, P.toNamePtr, P.toNameLen)).toBe(true);
  expect(M.toCount).toBe(1);
  if (P.dateTimeLen > 0) expect(same(M.h(M.dateTimeIdx).valOff, M.h(M.dateTimeIdx).valLen, P.dateTimePtr, P.dateTimeLen)).toBe(true);
  else expect(M.dateTimeIdx).toBe(-1);
  if (P.imdnIdLen > 0) expect(same(M.h(M.imdnMessageIdIdx).valOff, M.h(M.imdnMessageIdIdx).valLen, P.imdnIdPtr, P.imdnIdLen)).toBe(true);
  else expect(M.imdnMessageIdIdx).toBe(-1);
  if (P.imdnDispLen > 0) expect(same(M.h(M.imdnDispositionIdx).valOff, M.h(M.imdnDispositionIdx).valLen, P.imdnDispPtr, P.imdnDispLen)).toBe(true);
  else expect(M.imdnDispositionIdx).toBe(-1);
  const ct = M.h(M.contentTypeIdx);
  expect(same(ct.valOff, ct.valLen, P.contentTypePtr, P.contentTypeLen)).toBe(true);
  expect(same(M.contentOff, M.contentLen, P.contentPtr, P.contentLen)).toBe(true);
  for (let c = 0; c < n; c++) {
    store<u8>(OUT + c, 0xaa);
    expect(buildCpim(OUT, c, P)).toBe(-1);
    expect(load<u8>(OUT + c)).toBe(0xaa);
  }
}

describe("cpim_build", () => {
  test("golden: IMDN request bytes (as corpus imdn-request.cpim)", () => {
    setup("Alice", "im:alice@example.com", "Bob", "im:bob@example.net", "2026-05-02T18:07:30Z", "34jk324j",
      "positive-delivery, display", "text/plain", "Did you get this?");
    const n = buildCpim(OUT, 2048, P);
    expect(eqExact(OUT, n, "From: Alice <im:alice@example.com>\r\nTo: Bob <im:bob@example.net>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\nDateTime: 2026-05-02T18:07:30Z\r\nimdn.Disposition-Notification: positive-delivery, display\r\n\r\nContent-Type: text/plain\r\n\r\nDid you get this?")).toBe(true);
  });
  test("round trips", () => {
    setup("Alice", "im:alice@example.com", "Bob", "im:bob@example.net", "2026-05-02T18:07:30Z", "34jk324j", "positive-delivery, display", "text/plain", "Did you get this?");
    roundTrip();
    setup("", "sip:a@x", "", "sip:b@y", "", "", "", "text/plain;charset=utf-8", "");
    roundTrip();
    setup("Bob B", "im:bob@example.net", "\"Alice A\"", "im:alice@example.com", "2026-05-02T18:07:32-07:00", "d834", "", "message/imdn+xml", "<imdn/>\r\n\u0000x");
    roundTrip();
  });
  test("bad arguments -> -1", () => {
    setup("A", "im:a@x", "B", "im:b@y", "yesterday", "", "", "text/plain", "x");
    expect(buildCpim(OUT, 2048, P)).toBe(-1);
    setup("A", "im:a@x", "B", "im:b@y", "", "", "display", "text/plain", "x");
    expect(buildCpim(OUT, 2048, P)).toBe(-1);     // disposition needs a Message-ID
    setup("A", "im:a@x", "B", "im:b@y", "", "id\r\nX: y", "", "text/plain", "x");
    expect(buildCpim(OUT, 2048, P)).toBe(-1);     // no header injection
    setup("A", "", "B", "im:b@y", "", "", "", "text/plain", "x");
    expect(buildCpim(OUT, 2048, P)).toBe(-1);
  });
  test("putDateTime", () => {
    expect(putDateTime(OUT, 0)).toBe(20);
    expect(eqExact(OUT, 20, "1970-01-01T00:00:00Z")).toBe(true);
    putDateTime(OUT, 951782400);   // leap day 2000
    expect(eqExact(OUT, 20, "2000-02-29T00:00:00Z")).toBe(true);
    putDateTime(OUT, 1777745051);
    expect(eqExact(OUT, 20, "2026-05-02T18:04:11Z")).toBe(true);
  });
});
