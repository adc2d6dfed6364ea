// Issue 6 item 2 (chat part): the seed's whole 20-step chat flow (host/chatflow.ts runChatFlow:
// Bob hosts on his handset, Tom and Alice invited, messages fanned out, a 1 MiB message, Tom
// leaves, Bob ends) with Kamailio (tests/interop/kamailio.ts, kamailio.cfg) as the IM server
// instead of our embedded one, over UDP and over TCP, with the assertions of the embedded-server
// test (tests/integration/chatflow_asserts.ts). Kamailio's sends are not tapped: the tap records
// what the agents received ("in" records, WireTap receives on), and those stand for S's sends.
// Over TCP Kamailio opens its own connection to each agent's listener (the agents' Via has no
// `alias`, RFC 5923, so it does not reuse the REGISTER connection, as RFC 3261 §18.2.2/§18.1.1
// allow): those connections come from ephemeral ports, which name() cannot know beforehand; any
// SIP peer that is not an agent is Kamailio ("S") here.
// Without kamailio: the tests skip outside CI and fail in CI (.ci/run installs it).
import { test } from "node:test";
import { runChatFlow, type FlowResult } from "../../host/chatflow.ts";
import { WireTap } from "../../host/wiretap.ts";
import { startKamailio, haveKamailio } from "./kamailio.ts";
import { assertChatFlow } from "../integration/chatflow_asserts.ts";

const have = haveKamailio();
const MIB = 1 << 20;
// runChatFlow makes its own tap: receives on for every tap made in this file
// runChatFlow records receives when it is given an external server (Kamailio's sends are seen that way)

/** Kamailio's connections from ephemeral ports are "S" (the only peer that is not an agent). */
function nameServer(f: FlowResult): void {
  const agents = new Set(["Bob", "Tom", "Alice"]);
  for (const r of f.tap.records) {
    if (r.proto !== "sip") continue;
    if (!agents.has(r.from) && r.from !== "S") r.from = "S";
    if (!agents.has(r.to) && r.to !== "S") r.to = "S";
  }
}

for (const transport of ["udp", "tcp"] as const) {
  test(`seed chat flow, 20 steps, Kamailio as the IM server, SIP over ${transport}`, { skip: !have, timeout: 120_000 }, async () => {
    const k = await startKamailio({});
    let f: FlowResult | undefined;
    try {
      f = await runChatFlow({ transport, server: transport === "tcp" ? k.sipTcp : k.sip, bigMessage: MIB });
      nameServer(f);
      assertChatFlow(f, { bigMessage: MIB });
    } catch (e) {
      // the SIP records of the flow, to see what the tap saw (sends and receives, in order)
      const recs = (f?.tap.records ?? []).filter((r) => r.proto === "sip" && r.seq < (f?.marks.message ?? 0))
        .map((r) => `${r.seq} ${r.dir ?? "out"} ${r.from}->${r.to} ${r.line} [${/\r\nCSeq:[^\r]*/i.exec(r.bytes.toString("latin1"))?.[0]?.trim() ?? ""}]`).join("\n");
      const tail = `\n--- SIP records ---\n${recs}\n--- kamailio log (last lines; KAMAILIO_KEEP=1 keeps ${k.dir}) ---\n${k.logTail(60)}`;
      if (e instanceof Error) { e.message += tail; throw e; }
      throw new Error(String(e) + tail);
    } finally {
      await k.stop();
    }
  });
}
