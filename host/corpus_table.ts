// `npm run corpus` — every message of the shared conformance corpus through the release wasm,
// whole and byte by byte, with a table of verdicts next to what the corpus MANIFEST expects.
import { loadCore } from "./loader.ts";
import { checkBytes } from "./check.ts";
import { loadCases, allowedCodes, MSRP_SESSIONS } from "../tests/corpus.ts";

const core = loadCore();
const cases = loadCases();
let agree = 0;
const rows: string[] = [];
for (const c of cases) {
  const opt = c.proto === "msrp" ? { sessions: MSRP_SESSIONS } : {};
  const whole = checkBytes(core, c.proto, c.bytes, opt);
  const bytewise = checkBytes(core, c.proto, c.bytes, { ...opt, stream: 1 });
  const ok = whole.verdict === c.verdict && allowedCodes(c).includes(whole.code) && bytewise.verdict === whole.verdict && bytewise.code === whole.code;
  if (ok) agree++;
  rows.push(`${ok ? "ok  " : "DIFF"} ${(c.dir + "/" + c.file).padEnd(44)} ${c.verdict.padEnd(8)} ${c.expect.padEnd(18)} ${whole.verdict.padEnd(8)} ${String(whole.code ?? "-").padEnd(4)} ${whole.reason}`);
}
console.log(`${"".padEnd(4)} ${"file".padEnd(44)} ${"expected".padEnd(8)} ${"expect".padEnd(18)} ${"got".padEnd(8)} code reason`);
for (const r of rows) console.log(r);
console.log(`\n${agree}/${cases.length} corpus cases agree with their MANIFEST (whole and byte by byte); wasm memory ${core.byteLength() / 65536} pages, fixed.`);
process.exitCode = agree === cases.length ? 0 : 1;
