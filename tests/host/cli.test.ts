// The `check` CLI contract, run as users run it: npm run --silent cli -- check ...
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { repoRoot } from "../../host/loader.ts";
import { corpusRoot } from "../corpus.ts";

function cli(...args: string[]) {
  const r = spawnSync("npm", ["run", "--silent", "cli", "--", ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: r.status, lines: r.stdout.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l)), stderr: r.stderr };
}

test("check prints one JSON line per file with the contract's fields", () => {
  const a = path.join(corpusRoot, "sip/rfc4475/wsinv.dat");
  const b = path.join(corpusRoot, "sip/rfc4475/badvers.dat");
  const r = cli("check", "sip", a, b);
  assert.equal(r.status, 0);
  assert.deepEqual(r.lines.map((l) => Object.keys(l)), [["file", "verdict", "code", "reason"], ["file", "verdict", "code", "reason"]]);
  assert.deepEqual(r.lines.map((l) => [l.file, l.verdict, l.code]), [[a, "valid", null], [b, "invalid", 505]]);
  const s = cli("check", "sip", "--stream", "1", a, b);
  assert.deepEqual(s.lines, r.lines);
});

test("check exits 1 for an unreadable file but still reports the others; 2 for usage errors", () => {
  const a = path.join(corpusRoot, "msrp/send-basic.msrp");
  const r = cli("check", "msrp", "/nonexistent/x.msrp", a);
  assert.equal(r.status, 1);
  assert.equal(r.lines.length, 1);
  assert.equal(r.lines[0].verdict, "valid");
  assert.equal(cli("check", "xml", a).status, 2);
  assert.equal(cli("check", "sip", "--stream", "0", a).status, 2);
  assert.equal(cli("check", "sip").status, 2);
  assert.equal(cli("frobnicate").status, 2);
});
