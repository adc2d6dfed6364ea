// Interop with a plain RFC 4975 peer (CHAT-FLOW.md notes): a host whose offer carries no
// a=setup is the active side by RFC 4975 §5.4's default, so the participant answers 200 OK at
// once with a=setup:passive and the host connects and binds after the answer. The chat must
// work the same; only who opens the TCP connection changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runChatFlow } from "../../host/chatflow.ts";
import type { WireRecord } from "../../host/wiretap.ts";

test("host offering without a=setup (RFC 4975 default): participants answer first, the host connects", { timeout: 60_000 }, async () => {
  const f = await runChatFlow({ transport: "udp", offerNoSetup: true });
  const recs = f.tap.records;
  const text = (r: WireRecord) => r.bytes.toString("latin1");
  for (const p of [f.tom, f.alice]) {
    const from = f.marks[`invite-${p.name}`];
    const inv = recs.find((r) => r.seq >= from && r.from === "Bob" && r.line.startsWith("INVITE "))!;
    assert.doesNotMatch(text(inv), /a=setup:/, "the offer has no a=setup");
    const ok = recs.find((r) => r.seq > inv.seq && r.from === p.name && r.line.startsWith("SIP/2.0 200"))!;
    assert.match(text(ok), /\r\na=setup:passive\r\n/, `${p.name} answers passive`);
    const bind = recs.find((r) => r.seq > inv.seq && r.proto === "msrp" && / SEND$/.test(r.line) && (r.from === p.name || r.to === p.name))!;
    assert.equal(bind.from, "Bob", `Bob opens the MSRP connection to ${p.name} and binds`);
    assert.ok(bind.seq > ok.seq, "after the answer");
    assert.match(text(bind), /\r\nByte-Range: 1-0\/0\r\n/);
  }
  const got = (m: typeof f.bob, t: string) => m.events.filter((e) => e.event === "message" && e.text === t).length;
  assert.equal(got(f.bob, "Hello from Alice"), 1);
  assert.equal(got(f.tom, "Hello from Alice"), 1);
  assert.equal(got(f.alice, "Bob here"), 1);
  assert.ok(f.alice.events.some((e) => e.event === "ended"));
  for (const m of [f.bob, f.tom, f.alice]) assert.equal(m.events.filter((e) => e.event === "error").length, 0, JSON.stringify(m.events));
});
