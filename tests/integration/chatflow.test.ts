// The seed's 20 steps with separate agents over loopback (issue 5): Bob hosts on his handset,
// Tom and Alice join through the embedded IM server, messages fan out, Tom leaves, Bob ends.
// Asserts the order on the wire (host/wiretap.ts records every send in one total order), that
// each member gets each message exactly once with the right sender, a 1 MiB message intact,
// and leave/end as in steps 15-20.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runChatFlow, type FlowResult, type Member } from "../../host/chatflow.ts";
import type { WireRecord } from "../../host/wiretap.ts";

const MIB = 1 << 20;

function idx(f: FlowResult, from: number, pred: (r: WireRecord) => boolean, what: string): number {
  const r = f.tap.records.find((x) => x.seq >= from && pred(x));
  assert.ok(r, `no ${what} on the wire after #${from}`);
  return r.seq;
}
const cseqOf = (r: WireRecord) => /\r\nCSeq:\s*\d+\s+(\w+)/i.exec(r.bytes.toString("latin1"))?.[1] ?? "";
const messages = (m: Member) => m.events.filter((e) => e.event === "message") as Array<{ event: "message"; from: string; text: string; private?: boolean }>;

/** Steps 2-9 for participant p, in the seed's order (participant binds MSRP before its 200 OK). */
function assertJoinOrder(f: FlowResult, p: Member, from: number): number {
  const n = p.name;
  const invite = idx(f, from, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("INVITE ") && r.line.includes(p.aor.slice(4)), `step 2 INVITE Bob->S for ${n}`);
  const fwd = idx(f, invite, (r) => r.from === "S" && r.to === n && r.line.startsWith("INVITE "), `step 3 INVITE S->${n}`);
  const bind = idx(f, fwd, (r) => r.proto === "msrp" && r.from === n && r.to === "Bob" && / SEND$/.test(r.line), `step 4 MSRP bind SEND ${n}->Bob`);
  const bindOk = idx(f, bind, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === n && / 200 OK/.test(r.line), `step 5 MSRP 200 Bob->${n}`);
  const ok = idx(f, fwd, (r) => r.proto === "sip" && r.from === n && r.to === "S" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", `step 6 200 OK ${n}->S`);
  const okFwd = idx(f, ok, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "INVITE", `step 7 200 OK S->Bob`);
  const ack = idx(f, okFwd, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("ACK "), `step 8 ACK Bob->S`);
  const ackFwd = idx(f, ack, (r) => r.from === "S" && r.to === n && r.line.startsWith("ACK "), `step 9 ACK S->${n}`);
  assert.ok(invite < fwd && fwd < bind && bind < bindOk && bindOk < ok && ok < okFwd && okFwd < ack && ack < ackFwd,
    `${n}: steps 2-9 out of order: ${[invite, fwd, bind, bindOk, ok, okFwd, ack, ackFwd]}`);
  // step 4: the bind is an empty SEND (RFC 4975 §7.1.1) whose To-Path is Bob's a=path
  const b = f.tap.records[bind].bytes.toString("latin1");
  assert.match(b, /\r\nTo-Path: msrp:\/\/127\.0\.0\.1:\d+\/\w+;tcp\r\n/);
  assert.match(b, /\r\nByte-Range: 1-0\/0\r\n/);
  // step 2: Bob's offer makes him passive (RFC 6135) with message/cpim accepted; step 6 answers active
  const offer = f.tap.records[invite].bytes.toString("latin1");
  assert.match(offer, /\r\nm=message \d+ TCP\/MSRP \*\r\n/);
  assert.match(offer, /\r\na=setup:passive\r\n/);
  assert.match(offer, /\r\na=accept-types:[^\r]*message\/cpim/);
  assert.match(f.tap.records[ok].bytes.toString("latin1"), /\r\na=setup:active\r\n/);
  // step 3: the server record-routes; step 8: Bob's ACK carries the Route from it (§12.1.2)
  assert.match(f.tap.records[fwd].bytes.toString("latin1"), /\r\nRecord-Route: <sip:[^>]*;lr[^>]*>/i);
  assert.match(f.tap.records[ack].bytes.toString("latin1"), /\r\nRoute: <sip:[^>]*;lr[^>]*>/i);
  return ackFwd;
}

for (const transport of ["udp", "tcp"] as const) {
  test(`seed chat flow, 20 steps, host on a handset, embedded IM server, SIP over ${transport}`, { timeout: 90_000 }, async () => {
    const f = await runChatFlow({ transport, bigMessage: MIB });
    const { bob, tom, alice } = f;

    // steps 2-9 for Tom, then step 10: the same for Alice, after Tom's round
    const tomDone = assertJoinOrder(f, tom, f.marks["invite-Tom"]);
    assert.ok(tomDone < f.marks["invite-Alice"]);
    assertJoinOrder(f, alice, f.marks["invite-Alice"]);
    assert.deepEqual(bob.events.filter((e) => e.event === "joined").map((e) => (e as { member: string }).member), [tom.aor, alice.aor]);

    // steps 11-14: Alice -> Bob SEND (CPIM), Bob -> Tom SEND with From = Alice, 200s back
    const m0 = f.marks.message;
    const send = idx(f, m0, (r) => r.proto === "msrp" && r.from === "Alice" && r.to === "Bob" && / SEND$/.test(r.line), "step 11 SEND Alice->Bob");
    const relay = idx(f, send, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === "Tom" && / SEND$/.test(r.line), "step 12 SEND Bob->Tom");
    idx(f, relay, (r) => r.proto === "msrp" && r.from === "Tom" && r.to === "Bob" && / 200 OK/.test(r.line), "step 13 200 Tom->Bob");
    idx(f, send, (r) => r.proto === "msrp" && r.from === "Bob" && r.to === "Alice" && / 200 OK/.test(r.line), "step 14 200 Bob->Alice");
    const sent = f.tap.records[send].bytes.toString("latin1");
    assert.match(sent, /\r\nContent-Type: message\/cpim\r\n/);
    assert.match(sent, /\r\nFrom: <sip:alice@example\.test>\r\n/);
    const relayed = f.tap.records[relay].bytes.toString("latin1");
    assert.match(relayed, /\r\nContent-Type: message\/cpim\r\n/);
    assert.match(relayed, /\r\nFrom: <sip:alice@example\.test>\r\n/, "the relayed CPIM From is the original sender (RFC 7701 §6)");
    assert.match(relayed, /Hello from Alice/);

    // each member gets each message exactly once, with the right sender; nobody gets its own
    const count = (m: Member, text: string) => messages(m).filter((e) => e.text === text).length;
    for (const m of [bob, tom]) {
      assert.equal(count(m, "Hello from Alice"), 1, `${m.name} got Alice's message once`);
      assert.equal(messages(m).find((e) => e.text === "Hello from Alice")!.from, alice.aor);
    }
    assert.equal(count(alice, "Hello from Alice"), 0, "the sender does not get its own message back");
    for (const m of [tom, alice]) {
      assert.equal(count(m, "Bob here"), 1);
      assert.equal(messages(m).find((e) => e.text === "Bob here")!.from, bob.aor);
    }
    assert.equal(count(bob, "Bob here"), 0);
    // private: only Alice, marked private
    assert.equal(count(alice, "psst Alice"), 1);
    assert.equal(messages(alice).find((e) => e.text === "psst Alice")!.private, true);
    assert.equal(count(bob, "psst Alice"), 0);
    assert.equal(count(tom, "psst Alice"), 0);

    // 1 MiB from Alice, intact at Bob and Tom, chunked on the wire (RFC 4975 §5.1)
    const big = f.big!.toString("latin1");
    for (const m of [bob, tom]) {
      const got = messages(m).filter((e) => e.text.length === big.length);
      assert.equal(got.length, 1, `${m.name} got the 1 MiB message once`);
      assert.ok(got[0].text === big, `${m.name}: 1 MiB message intact`);
      assert.equal(got[0].from, alice.aor);
    }
    const chunks = f.tap.records.filter((r) => r.seq >= f.marks.big && r.seq < f.marks.host && r.proto === "msrp" && r.from === "Bob" && r.to === "Tom" && / SEND$/.test(r.line));
    assert.ok(chunks.length >= MIB / 4096, `relay chunked the big message (${chunks.length} SENDs)`);
    for (const c of chunks) assert.ok(c.bytes.length < 8192, "relay chunks stay small");

    // step 15: Tom leaves with BYE via S; Bob is told; the chat lives on
    const bye = idx(f, f.marks.leave, (r) => r.from === "Tom" && r.to === "S" && r.line.startsWith("BYE "), "step 15 BYE Tom->S");
    idx(f, bye, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("BYE "), "BYE S->Bob");
    assert.ok(bob.events.some((e) => e.event === "left" && e.member === tom.aor));
    assert.ok(!alice.events.slice(0, alice.events.findIndex((e) => e.event === "message" && e.text === "still here") + 1).some((e) => e.event === "ended"));
    assert.equal(count(bob, "still here"), 1, "the chat lives on with Bob and Alice");
    assert.equal(count(tom, "still here"), 0, "Tom is gone");

    // steps 16-20: Bob's BYE via S to Alice, 200 back; MSRP torn down
    const bye2 = idx(f, f.marks.end, (r) => r.from === "Bob" && r.to === "S" && r.line.startsWith("BYE "), "step 16 BYE Bob->S");
    const bye3 = idx(f, bye2, (r) => r.from === "S" && r.to === "Alice" && r.line.startsWith("BYE "), "step 17 BYE S->Alice");
    const ok18 = idx(f, bye3, (r) => r.from === "Alice" && r.to === "S" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "step 18 200 Alice->S");
    idx(f, ok18, (r) => r.from === "S" && r.to === "Bob" && r.line.startsWith("SIP/2.0 200") && cseqOf(r) === "BYE", "step 19 200 S->Bob");
    assert.ok(alice.events.some((e) => e.event === "ended"));
    assert.ok(bob.events.some((e) => e.event === "ended"));
    assert.equal(f.tap.records.filter((r) => r.seq > f.marks.end && r.proto === "msrp" && / SEND$/.test(r.line)).length, 0, "no MSRP traffic after the end");
    for (const m of [bob, tom, alice]) assert.equal(m.events.filter((e) => e.event === "error").length, 0, `${m.name} errors: ${JSON.stringify(m.events.filter((e) => e.event === "error"))}`);
  });
}
