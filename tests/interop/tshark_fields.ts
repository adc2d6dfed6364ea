// tshark as a judge (issue 6 item 4): decode a capture with SIP and MSRP forced on given ports
// (-d), as -T fields rows; the checks every judge test makes (no malformed frame, no expert item
// of severity error) and the keys that tie a decoded message to a WireTap record (SIP:
// Call-ID|CSeq|start line; MSRP: the start line, which holds the transaction id). Used by
// tests/interop/tshark_chat.test.ts and tests/host/pcap.test.ts.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";

const FIELDS = ["frame.number", "tcp.srcport", "udp.srcport", "sip.Call-ID", "sip.CSeq", "sip.Request-Line", "sip.Status-Line",
  "msrp.transaction.id", "msrp.request.line", "msrp.response.line", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message"] as const;
export type Row = Record<(typeof FIELDS)[number], string[]>;

/** tshark -T fields over `file`, SIP on sipPorts and MSRP on msrpPorts, only frames of those ports. */
export function decode(file: string, sipPorts: number[], msrpPorts: number[], transport: "udp" | "tcp" | "both" = "both"): Row[] {
  const d = [
    ...sipPorts.flatMap((p) => [...(transport !== "tcp" ? ["-d", `udp.port==${p},sip`] : []), ...(transport !== "udp" ? ["-d", `tcp.port==${p},sip`] : [])]),
    ...msrpPorts.flatMap((p) => ["-d", `tcp.port==${p},msrp`]),
  ];
  const all = [...sipPorts, ...msrpPorts].join(", ");
  const r = spawnSync("tshark", ["-r", file, "-n", ...d, "-Y", `tcp.port in {${all}} or udp.port in {${all}}`,
    "-T", "fields", "-E", "separator=\x01", "-E", "occurrence=a", "-E", "aggregator=\x02", ...FIELDS.flatMap((f) => ["-e", f])],
  { encoding: "utf8", timeout: 30_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean).map((l) => {
    const v = l.split("\x01");
    return Object.fromEntries(FIELDS.map((f, i) => [f, (v[i] ?? "").split("\x02").filter((s) => s.length > 0)])) as Row;
  });
}

/** No malformed frame, no expert item of severity error (PI_ERROR = 0x00800000). */
export function assertClean(rows: Row[]): void {
  for (const row of rows) {
    assert.equal(row["_ws.malformed"].length, 0, `malformed frame ${JSON.stringify(row)}`);
    for (const sev of row["_ws.expert.severity"]) assert.ok(Number(sev) < 0x00800000, `expert error in ${JSON.stringify(row)}`);
  }
}

/** SIP messages in the decode: "Call-ID|CSeq|start line" (a frame may hold several: TCP). */
export function sipKeys(rows: Row[]): Set<string> {
  const keys = new Set<string>();
  for (const row of rows) {
    const ids = row["sip.Call-ID"], cs = row["sip.CSeq"], lines = [...row["sip.Request-Line"], ...row["sip.Status-Line"]];
    for (let i = 0; i < ids.length; i++) for (const l of lines) keys.add(`${ids[i]}|${cs[i]}|${l}`);
  }
  return keys;
}

export function msrpKeys(rows: Row[]): Set<string> {
  const keys = new Set<string>();
  for (const row of rows) for (const l of [...row["msrp.request.line"], ...row["msrp.response.line"]]) keys.add(l);
  return keys;
}

const hdr = (b: string, re: RegExp) => re.exec(b)?.[1]?.trim() ?? "";
/** The decode key of a message we sent (see sipKeys/msrpKeys). */
export function keyOf(proto: "sip" | "msrp", bytes: Buffer, line: string): string {
  if (proto === "msrp") return line;
  const b = bytes.toString("latin1");
  return `${hdr(b, /\r\n(?:Call-ID|i)[ \t]*:([^\r]*)/i)}|${hdr(b, /\r\nCSeq[ \t]*:([^\r]*)/i).replace(/\s+/g, " ")}|${line}`;
}

/**
 * MSRP start lines found in the raw TCP payloads to or from `ports` (any position in a segment).
 * Wireshark 4.0's MSRP dissector reads one message per TCP segment (packet-msrp.c has no PDU
 * loop and no reassembly): a message the kernel coalesced behind another one in the same
 * segment is on the wire but not in the decode. A live-capture test uses this for those only.
 */
export function rawMsrpLines(file: string, ports: number[]): Set<string> {
  const all = ports.join(", ");
  const r = spawnSync("tshark", ["-r", file, "-n", "-Y", `tcp.port in {${all}} and tcp.len > 0`, "-T", "fields", "-e", "tcp.payload"],
    { encoding: "utf8", timeout: 30_000, maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const out = new Set<string>();
  for (const hex of r.stdout.split("\n")) {
    const text = Buffer.from(hex.replace(/[^0-9a-f]/gi, ""), "hex").toString("latin1");
    for (const m of text.matchAll(/(?:^|\r\n-------[^\r]*\r\n)(MSRP [A-Za-z0-9.+%=-]+ (?:[A-Z]+|\d{3}[^\r]*))\r\n/g)) out.add(m[1]);
  }
  return out;
}

/** Starts tshark on lo for `filter`, writing `file`; resolves once it is capturing. "Capturing on"
 *  comes before the capture child has started ("Capture started." follows ~30 ms later, tshark
 *  4.0): wait for the latter, or 300 ms after the former, plus a margin. */
export async function capture(filter: string, file: string, maxMs = 60_000): Promise<{ stop(): Promise<void> }> {
  const p = spawn("tshark", ["-i", "lo", "-f", filter, "-w", file], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const closed = new Promise<void>((res) => p.on("close", () => res()));
  const killer = setTimeout(() => p.kill("SIGKILL"), maxMs);
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`tshark did not start capturing: ${err}`)), 10_000);
    let armed = false;
    const go = () => { clearTimeout(t); setTimeout(res, 200); };
    p.stderr!.on("data", (d) => {
      err += d;
      if (armed) return;
      if (err.includes("Capture started")) { armed = true; go(); }
      else if (err.includes("Capturing on")) { armed = true; setTimeout(go, 300); }
    });
    p.on("close", (code) => { clearTimeout(t); rej(new Error(`tshark exited ${code}: ${err}`)); });
  });
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));   // the last packets reach the capture
      p.kill("SIGINT");
      await closed;
      clearTimeout(killer);
    },
  };
}
