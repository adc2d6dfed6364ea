// `npm start` — the seed's chat flow over real loopback sockets with the embedded IM server:
// Bob hosts, Tom and Alice are invited through S, Alice's message is fanned out by Bob, Tom
// leaves, Bob ends the chat. Prints a ladder of every SIP and MSRP message (seed step, sender,
// receiver, first line) and exits 0 when every step happened.
import { runChatFlow, stepOf } from "./chatflow.ts";

const transport = process.argv.includes("--tcp") ? "tcp" : "udp";
console.log(`simple-im-agent chat demo: embedded IM server S, Bob (host), Tom, Alice — SIP over ${transport.toUpperCase()}, MSRP over TCP\n`);
const steps: Record<string, string> = {
  "0": "REGISTER with the IM server",
  "2": "Bob invites via S", "3": "S forwards the INVITE", "4": "participant opens MSRP and binds",
  "5": "Bob acknowledges in MSRP", "6": "participant answers 200 OK", "7": "S forwards the 200",
  "8": "Bob ACKs via S", "9": "S propagates the ACK", "11": "Alice sends a message",
  "12": "Bob forwards it", "13": "Tom acknowledges", "14": "Bob acknowledges to Alice",
  "15": "Tom leaves (BYE)", "16": "Bob leaves: BYE via S", "17": "S forwards the BYE",
  "18": "the participant answers 200", "19": "S forwards the 200 to Bob",
};
try {
  const f = await runChatFlow({ transport });
  const shown = new Set<string>();
  for (const r of f.tap.records) {
    const st = stepOf(r, f);
    const base = st.startsWith("10.") ? st.slice(3) : st;
    // each step's heading once, where it first happens (provisional responses interleave)
    if (!shown.has(st) && steps[base]) {
      shown.add(st);
      console.log(`  -- step ${st}: ${steps[base]}${st.startsWith("10.") ? " (step 10: the same for Alice)" : ""}`);
    }
    const body = r.proto === "msrp" ? (r.bytes.toString("latin1").match(/\r\n\r\n([\s\S]*?)\r\n-------/)?.[1] ?? "") : "";
    const text = body.split("\r\n\r\n").pop() ?? "";
    console.log(`  ${String(st).padStart(5)}  ${r.from.padStart(5)} -> ${r.to.padEnd(5)} ${r.proto.toUpperCase().padEnd(4)} ${r.line.slice(0, 70)}${text && text.length < 60 ? `   "${text}"` : ""}`);
  }
  const got = (m: typeof f.bob) => m.events.filter((e) => e.event === "message").map((e) => `${(e as { from: string }).from}: ${(e as { text: string }).text}`);
  console.log(`\nBob received:   ${JSON.stringify(got(f.bob))}`);
  console.log(`Tom received:   ${JSON.stringify(got(f.tom))}`);
  console.log(`Alice received: ${JSON.stringify(got(f.alice))}`);
  console.log(`\n${f.tap.records.length} messages on the wire; the chat ended (step 20).`);
  process.exitCode = 0;
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
