// Reads the shared conformance corpus (../shared/corpus beside the repo) and its MANIFEST files.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../host/loader.ts";
import type { Proto } from "../host/check.ts";

export const corpusRoot = path.resolve(repoRoot, "..", "shared", "corpus");

export interface Case {
  proto: Proto;
  dir: string;
  file: string;
  path: string;
  verdict: "valid" | "invalid";
  expect: string;
  bytes: Buffer;
}

export const CORPUS_DIRS: Array<[Proto, string]> = [
  ["sip", "sip/rfc4475"], ["sip", "sip/rfc5118"], ["msrp", "msrp"], ["sdp", "sdp"], ["cpim", "cpim"],
];

/** Session ids the MSRP receiver of the corpus knows (every To-Path in it but the 481 case's). */
export const MSRP_SESSIONS = ["si438dsaodes", "2s93i9ek2a", "kjhd37s2s20w2a", "98cjs", "jui787s2f"];

export function loadCases(): Case[] {
  const out: Case[] = [];
  for (const [proto, dir] of CORPUS_DIRS) {
    const manifest = path.join(corpusRoot, dir, "MANIFEST.tsv");
    if (!existsSync(manifest)) throw new Error(`corpus not found at ${manifest}`);
    const lines = readFileSync(manifest, "utf8").split("\n").filter((l) => l.length > 0);
    const head = lines[0].split("\t");
    const fi = head.indexOf("file"), vi = head.indexOf("verdict"), ei = head.indexOf("expect");
    for (const line of lines.slice(1)) {
      const col = line.split("\t");
      if (col[ei] === "reference-only") continue;
      const p = path.join(corpusRoot, dir, col[fi]);
      out.push({ proto, dir, file: col[fi], path: p, verdict: col[vi] as Case["verdict"], expect: col[ei], bytes: readFileSync(p) });
    }
  }
  return out;
}

/**
 * The codes the MANIFEST's `expect` allows: null stands for "no response"
 * (parse, parse-no-response, ignore-response, discard, incomplete).
 * `reject` (SDP/CPIM) means refused: the SIP layer answers 488 for SDP, MSRP 400 for CPIM.
 */
export function allowedCodes(c: Case): Array<number | null> {
  return c.expect.split("|").map((e) => {
    if (/^[0-9]{3}$/.test(e)) return Number(e);
    if (e === "reject") return c.proto === "sdp" ? 488 : 400;
    return null;
  });
}
