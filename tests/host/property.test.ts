// Property tests: random, mutated, truncated and oversized inputs for every parser.
// Whatever the bytes, the core answers with a verdict (never a trap, which would
// surface here as a WebAssembly.RuntimeError), the verdict does not depend on how
// the bytes were sliced, and linear memory keeps its size.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadCore } from "../../host/loader.ts";
import { checkBytes, type Proto } from "../../host/check.ts";
import { loadCases, MSRP_SESSIONS } from "../corpus.ts";

const core = loadCore();
const startBytes = core.byteLength();
const cases = loadCases();
const PROTOS: Proto[] = ["sip", "msrp", "sdp", "cpim"];
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

function checkAll(proto: Proto, bytes: Uint8Array, cut: number) {
  const opt = proto === "msrp" ? { sessions: MSRP_SESSIONS } : {};
  const whole = checkBytes(core, proto, bytes, opt);
  assert.ok(whole.verdict === "valid" || whole.verdict === "invalid");
  assert.ok(whole.code === null || (whole.code >= 100 && whole.code <= 699), `code ${whole.code}`);
  const split = checkBytes(core, proto, bytes, { ...opt, cuts: [cut] });
  assert.deepEqual(split, whole, `split at ${cut}`);
  assert.equal(core.byteLength(), startBytes, "memory grew");
  return whole;
}

/** A corpus message of the protocol with random edits: flips, deletions, insertions, truncation. */
function mutated(proto: Proto) {
  const pool = cases.filter((c) => c.proto === proto).map((c) => c.bytes);
  return fc.record({
    base: fc.constantFrom(...pool),
    edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom("flip", "del", "ins", "crlf", "nul"), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
    truncate: fc.option(fc.nat()),
    cut: fc.nat(),
  }).map(({ base, edits, truncate, cut }) => {
    let b = Buffer.from(base);
    for (const e of edits) {
      const at = b.length ? e.at % b.length : 0;
      if (e.kind === "flip") b[at] = e.byte;
      else if (e.kind === "del") b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      else if (e.kind === "ins") b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
      else if (e.kind === "crlf") b = Buffer.concat([b.subarray(0, at), Buffer.from("\r\n"), b.subarray(at)]);
      else b[at] = 0;
    }
    if (truncate !== null && b.length) b = b.subarray(0, truncate % b.length);
    return { bytes: b, cut: b.length ? cut % (b.length + 1) : 0 };
  });
}

for (const proto of PROTOS) {
  test(`${proto}: mutated and truncated corpus messages never trap`, () => {
    fc.assert(fc.property(mutated(proto), ({ bytes, cut }) => { checkAll(proto, bytes, cut); }), { numRuns: RUNS });
  });
  test(`${proto}: random bytes never trap`, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (bytes, cut) => {
      checkAll(proto, bytes, bytes.length ? cut % bytes.length : 0);
    }), { numRuns: RUNS });
  });
  test(`${proto}: every truncated prefix of every corpus message`, () => {
    for (const c of cases.filter((x) => x.proto === proto)) {
      for (let n = 0; n < c.bytes.length; n += Math.max(1, Math.floor(c.bytes.length / 97))) {
        checkAll(proto, c.bytes.subarray(0, n), n >> 1);
      }
    }
  });
}

test("oversized inputs are refused with the protocol's code, memory unchanged", () => {
  // SIP: a header section far beyond any buffer -> 513 (or 413) from the core, not a trap.
  const bigHeader = Buffer.concat([Buffer.from("INVITE sip:a@b SIP/2.0\r\nX-Pad: "), Buffer.alloc(300_000, 0x61), Buffer.from("\r\n\r\n")]);
  for (const transport of ["udp", "tcp"] as const) {
    const r = checkBytes(core, "sip", bigHeader, { transport, stream: 4096 });
    assert.equal(r.verdict, "invalid");
    assert.ok(r.code === 513 || r.code === 413, `sip ${transport} oversized -> ${r.code} ${r.reason}`);
  }
  // MSRP: an endless header line -> 400/413; an oversized body is streamed, not buffered.
  const bigMsrpHeader = Buffer.concat([Buffer.from("MSRP abcd SEND\r\nTo-Path: msrp://a:1/s;tcp\r\nX: "), Buffer.alloc(200_000, 0x62)]);
  const rh = checkBytes(core, "msrp", bigMsrpHeader, { stream: 8192 });
  assert.equal(rh.verdict, "invalid");
  assert.ok(rh.code === 400 || rh.code === 413, `msrp oversized header -> ${rh.code} ${rh.reason}`);
  const body = Buffer.alloc(1 << 20, 0x41);
  const bigSend = Buffer.concat([
    Buffer.from(`MSRP k3jd SEND\r\nTo-Path: msrp://b.example.com:8493/si438dsaodes;tcp\r\nFrom-Path: msrp://a.example.com:7394/2s93i9ek2a;tcp\r\nMessage-ID: m1big0001\r\nByte-Range: 1-${body.length}/${body.length}\r\nContent-Type: text/plain\r\n\r\n`),
    body, Buffer.from("\r\n-------k3jd$\r\n"),
  ]);
  const rb = checkBytes(core, "msrp", bigSend, { stream: 8192, sessions: MSRP_SESSIONS });
  assert.equal(rb.verdict, "valid", rb.reason);
  assert.equal(checkBytes(core, "msrp", bigSend, { stream: 1000, sessions: MSRP_SESSIONS }).digest, rb.digest);
  for (const proto of ["sdp", "cpim"] as const) {
    const r = checkBytes(core, proto, Buffer.alloc(100_000, 0x61), { stream: 8192 });
    assert.equal(r.verdict, "invalid");
  }
  assert.equal(core.byteLength(), startBytes);
});
