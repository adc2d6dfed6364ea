// Typings ship with the package (issue 5): `npm run build` emits build/types/*.d.ts for the
// host API; a consumer written against them type-checks, and a wrong use does not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../../host/loader.ts";

function typecheck(code: string): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sia-types-"));
  writeFileSync(path.join(dir, "use.ts"), code);
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true,
      types: ["node"], typeRoots: [path.join(repoRoot, "node_modules/@types")] },
    files: ["use.ts"],
  }));
  const r = spawnSync(process.execPath, [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

const types = path.join(repoRoot, "build/types/chat.d.ts");

test("build/types: the chat API's declarations are emitted and usable", { timeout: 60_000 }, () => {
  assert.ok(existsSync(types), "npm run build emits build/types/chat.d.ts");
  const ok = typecheck(`import { startChat, type ChatEvent } from ${JSON.stringify(types.replace(/\.d\.ts$/, ".js"))};
const run = async () => {
  const a = await startChat({ aor: "sip:a@example.test", server: "127.0.0.1:5060", host: true,
    onEvent: (e: ChatEvent) => { if (e.event === "message") console.log(e.from, e.text.length); } });
  a.invite("sip:b@example.test"); await a.send("hi"); await a.send("psst", "sip:b@example.test"); a.leave(); await a.close();
};
void run;
`);
  assert.equal(ok.status, 0, ok.out);
  const bad = typecheck(`import { startChat } from ${JSON.stringify(types.replace(/\.d\.ts$/, ".js"))};
void startChat({ aor: 42, server: "x" });
`);
  assert.notEqual(bad.status, 0, "a wrong option type is a type error");
});
