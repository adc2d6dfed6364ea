// Every case of every shared corpus MANIFEST through the release wasm: the expected
// verdict and code, whole and byte by byte, with the linear memory size unchanged.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { loadCore } from "../../host/loader.ts";
import { checkBytes } from "../../host/check.ts";
import { loadCases, allowedCodes, MSRP_SESSIONS } from "../corpus.ts";

const core = loadCore();
const startBytes = core.byteLength();
const cases = loadCases();

describe("shared corpus verdicts", () => {
  for (const c of cases) {
    test(`${c.dir}/${c.file}: ${c.verdict} ${c.expect}`, () => {
      const opt = c.proto === "msrp" ? { sessions: MSRP_SESSIONS } : {};
      const whole = checkBytes(core, c.proto, c.bytes, opt);
      assert.equal(whole.verdict, c.verdict, `verdict (reason: ${whole.reason})`);
      assert.ok(allowedCodes(c).includes(whole.code), `code ${whole.code} not in ${c.expect} (reason: ${whole.reason})`);
      const bytewise = checkBytes(core, c.proto, c.bytes, { ...opt, stream: 1 });
      assert.deepEqual(bytewise, whole, "byte-by-byte feed must give the same result");
      assert.equal(core.byteLength(), startBytes, "linear memory must never change size");
    });
  }
});

describe("split invariance of every valid corpus message", () => {
  for (const c of cases.filter((x) => x.verdict === "valid")) {
    test(`${c.dir}/${c.file}: every split point and slice size`, () => {
      const opt = c.proto === "msrp" ? { sessions: MSRP_SESSIONS } : {};
      const whole = checkBytes(core, c.proto, c.bytes, opt);
      for (let k = 1; k < c.bytes.length; k++) {
        assert.deepEqual(checkBytes(core, c.proto, c.bytes, { ...opt, cuts: [k] }), whole, `split at ${k}`);
      }
      for (const n of [2, 3, 7, 13, 64]) assert.deepEqual(checkBytes(core, c.proto, c.bytes, { ...opt, stream: n }), whole, `slices of ${n}`);
      if (c.proto === "sip") {
        const tcp = checkBytes(core, "sip", c.bytes, { transport: "tcp" });
        for (const n of [1, 5, 31]) assert.deepEqual(checkBytes(core, "sip", c.bytes, { transport: "tcp", stream: n }), tcp, `tcp slices of ${n}`);
      }
      assert.equal(core.byteLength(), startBytes);
    });
  }
});

