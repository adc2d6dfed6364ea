// The seed's chat flow (shared/design/CHAT-FLOW.md) as a script over real loopback sockets:
// an IM server (ours, embedded, unless `server` names another one, e.g. Kamailio), Bob hosting,
// Tom and Alice invited, Alice's message fanned out, Tom leaving, Bob ending. `npm start`
// prints its ladder; tests/integration/chatflow.test.ts asserts the order on the wire.
import { startChat, type ChatAgent, type ChatEvent } from "./chat.ts";
import { startServer, type RunningServer } from "./server.ts";
import { WireTap, type WireRecord } from "./wiretap.ts";
import { startRoomFactory, type RoomFactory } from "./rooms.ts";

export interface FlowOptions {
  transport?: "udp" | "tcp";
  /** An external IM server "ip:port" (default: start the embedded one). */
  server?: string;
  domain?: string;
  /** The server-hosted variant: the IM server's chat factory creates a room (tap name "Room")
   *  at Bob's request and invites Bob, Tom and Alice; Bob is a participant. Needs the
   *  embedded server (no `server`). */
  serverHosted?: boolean;
  /** Bob offers without a=setup (plain RFC 4975): participants answer a=setup:passive at once
   *  and Bob connects to them after the answer. */
  offerNoSetup?: boolean;
  /** Also send a message of this many bytes from Alice (e.g. 1 MiB). */
  bigMessage?: number;
  /** Also record what the agents receive (an external server's sends are seen only that way;
   *  default: on when `server` is given). */
  tapReceives?: boolean;
  /** Print each step as it happens. */
  log?: (line: string) => void;
  timeoutMs?: number;
  /** RFC 4976: Tom and Alice (the participants) reach the chat through this MSRP relay
   *  "msrp://HOST:PORT" (e.g. Kamailio's msrp module); Bob does not. */
  msrpRelay?: string;
  /** Digest credentials Tom and Alice answer the relay's AUTH challenge with. */
  msrpRelayUser?: string;
  msrpRelayPassword?: string;
}

export interface Member {
  name: string;
  aor: string;
  agent: ChatAgent;
  events: ChatEvent[];
}

export interface FlowResult {
  tap: WireTap;
  server: string;
  bob: Member; tom: Member; alice: Member;
  /** Who hosts: Bob, or the server-hosted room ("Room"; its agent is not exposed). */
  host: Member;
  serverHosted: boolean;
  big?: Buffer;
  /** Tap index where each phase began. */
  marks: Record<string, number>;
}

/** Listeners per member: woken by every event the member records (no polling). */
const eventListeners = new WeakMap<Member, Set<() => void>>();
function record(m: Member, e: ChatEvent): void {
  m.events.push(e);
  for (const l of eventListeners.get(m) ?? []) l();
}

function waitFor(m: Member, pred: (e: ChatEvent) => boolean, what: string, ms: number): Promise<ChatEvent> {
  const hit = m.events.find(pred);
  if (hit) return Promise.resolve(hit);
  return new Promise((resolve, reject) => {
    let ls = eventListeners.get(m);
    if (!ls) { ls = new Set(); eventListeners.set(m, ls); }
    const done = () => { clearTimeout(t); ls!.delete(check); };
    const check = () => { const e = m.events.find(pred); if (e) { done(); resolve(e); } };
    const t = setTimeout(() => { done(); reject(new Error(`${m.name}: timed out waiting for ${what}; events: ${JSON.stringify(m.events.slice(-8)).slice(0, 800)}`)); }, ms);
    ls.add(check);
  });
}

export async function runChatFlow(opt: FlowOptions = {}): Promise<FlowResult> {
  const transport = opt.transport ?? "udp";
  const domain = opt.domain ?? "example.test";
  const ms = opt.timeoutMs ?? 15000;
  const log = opt.log ?? (() => {});
  const tap = new WireTap({ receives: opt.tapReceives ?? (opt.server !== undefined ? true : undefined) });
  let srv: RunningServer | undefined;
  let server = opt.server;
  if (!server) {
    srv = await startServer({ listen: "127.0.0.1:0", domain, wire: { tap, me: "S" } });
    server = srv.sip;
  } else tap.name(server, "S");
  const members: Member[] = [];
  const start = async (name: string, host: boolean): Promise<Member> => {
    const m: Member = { name, aor: `sip:${name.toLowerCase()}@${domain}`, agent: undefined as unknown as ChatAgent, events: [] };
    const viaRelay = opt.msrpRelay !== undefined && (name === "Tom" || name === "Alice");
    m.agent = await startChat({
      aor: m.aor, server: server!, transport, host, offerNoSetup: host && opt.offerNoSetup,
      ...(viaRelay ? { msrpRelay: opt.msrpRelay, msrpRelayUser: opt.msrpRelayUser, msrpRelayPassword: opt.msrpRelayPassword } : {}),
      wire: { tap, me: name },
      onEvent: (e) => { record(m, e); if (e.event !== "message") log(`    ${name.padEnd(5)} event ${JSON.stringify(e)}`); },
    });
    members.push(m);
    return m;
  };
  const marks: Record<string, number> = {};
  const sh = !!opt.serverHosted;
  let factory: RoomFactory | undefined;
  const room: Member = { name: "Room", aor: "", agent: undefined as unknown as ChatAgent, events: [] };
  try {
    if (sh) {
      if (!srv) throw new Error("serverHosted needs the embedded server");
      factory = await startRoomFactory({
        server, domain, transport, wire: { tap, me: "Room" },
        onEvent: (e) => {
          if (typeof e.room === "string") room.aor = e.room;
          if (e.event !== "room") record(room, e as unknown as ChatEvent);
          if (e.event !== "message") log(`    Room  event ${JSON.stringify(e)}`);
        },
      });
    }
    const bob = await start("Bob", !sh);
    const tom = await start("Tom", false);
    const alice = await start("Alice", false);
    const host = sh ? room : bob;
    for (const m of members) await waitFor(m, (e) => e.event === "registered", "registered", ms);
    if (sh) await new Promise((r) => setTimeout(r, 100));   // the factory registers too
    marks.invites = tap.records.length;

    if (sh) {
      // step 1, server-hosted: Bob asks the factory for a room with the three of them
      if (bob.agent.requestRoom([bob.aor, tom.aor, alice.aor]) !== 0) throw new Error("room request refused");
      for (const p of [bob, tom, alice]) {
        await waitFor(room, (e) => e.event === "joined" && e.member === p.aor, `room joined ${p.aor}`, ms);
        await waitFor(p, (e) => e.event === "joined" && e.member === p.aor, "own joined (the ACK)", ms);
      }
    } else {
      // steps 2-9 for Tom, then step 10 (the same for Alice)
      for (const p of [tom, alice]) {
        marks[`invite-${p.name}`] = tap.records.length;
        if (bob.agent.invite(p.aor) !== 0) throw new Error(`invite ${p.aor} refused`);
        await waitFor(bob, (e) => e.event === "joined" && e.member === p.aor, `joined ${p.aor}`, ms);
        await waitFor(p, (e) => e.event === "joined" && e.member === p.aor, "own joined (the ACK)", ms);
      }
    }

    // steps 11-14: Alice's message reaches Bob and Tom, From = Alice
    marks.message = tap.records.length;
    const hello = "Hello from Alice";
    await alice.agent.send(hello);
    for (const m of [bob, tom]) await waitFor(m, (e) => e.event === "message" && e.text === hello, "Alice's message", ms);

    let big: Buffer | undefined;
    if (opt.bigMessage) {
      marks.big = tap.records.length;
      big = Buffer.alloc(opt.bigMessage);
      for (let i = 0; i < big.length; i++) big[i] = 0x41 + ((i * 7 + (i >> 10)) % 26);
      const text = big.toString("latin1");
      await alice.agent.send(text);
      for (const m of [bob, tom]) await waitFor(m, (e) => e.event === "message" && e.text.length === text.length, "the big message", ms * 4);
    }
    // a message from Bob (the host, or a member of the room) and a private one (RFC 7701 §7)
    marks.host = tap.records.length;
    await bob.agent.send("Bob here");
    for (const m of [tom, alice]) await waitFor(m, (e) => e.event === "message" && e.text === "Bob here", "Bob's message", ms);
    await tom.agent.send("psst Alice", alice.aor);
    await waitFor(alice, (e) => e.event === "message" && e.text === "psst Alice", "Tom's private message", ms);

    // step 15: Tom leaves; the chat lives on (Bob + Alice)
    marks.leave = tap.records.length;
    tom.agent.leave();
    await waitFor(host, (e) => e.event === "left" && e.member === tom.aor, "Tom left", ms);
    await waitFor(tom, (e) => e.event === "left", "own leave done", ms);
    await alice.agent.send("still here");
    await waitFor(bob, (e) => e.event === "message" && e.text === "still here", "Alice after Tom left", ms);

    // steps 16-20: Bob ends the chat (server-hosted: Bob leaves, one member is left, the room ends it)
    marks.end = tap.records.length;
    bob.agent.leave();
    await waitFor(alice, (e) => e.event === "ended", "ended", ms);
    await waitFor(host, (e) => e.event === "ended", "ended", ms);
    // the last 200 OK travels back to the host (step 19)
    const lastOk = () => f200(tap, marks.end, host.name === "Room" ? "Room" : "Bob");
    if (!lastOk()) {
      await new Promise<void>((res) => {
        const t = setTimeout(() => { tap.listeners.delete(l); res(); }, ms);
        const l = () => { if (lastOk()) { clearTimeout(t); tap.listeners.delete(l); res(); } };
        tap.listeners.add(l);
      });
    }
    // the BYE transactions' last retransmission-free moments: let the sockets settle
    await new Promise((r) => setTimeout(r, 100));
    return { tap, server, bob, tom, alice, host, serverHosted: sh, big, marks };
  } finally {
    for (const m of members) await m.agent.close();
    await factory?.close();
    await srv?.close();
  }
}

/** The 200 OK to the BYE to Alice has reached the host (S -> host). */
function f200(tap: WireTap, from: number, host: string): boolean {
  return tap.records.some((r) => r.seq >= from && r.from === "S" && r.to === host && r.line.startsWith("SIP/2.0 200") &&
    /\r\nCSeq:\s*\d+\s+BYE/i.test(r.bytes.toString("latin1")) && /\r\n(To|t):[^\r]*alice/i.test(r.bytes.toString("latin1")));
}

/** Seed step numbers for the records of a finished flow (the ladder's left column). */
export function stepOf(r: WireRecord, f: FlowResult): string {
  const l = r.line;
  const inv = f.marks["invite-Alice"] ?? Infinity;
  const aliceRound = r.seq >= inv && r.seq < (f.marks.message ?? Infinity);
  const tag = (s: string) => (aliceRound && Number(s) >= 2 && Number(s) <= 9 ? `10.${s}` : s);
  if (r.proto === "sip") {
    if (l.startsWith("REGISTER") || (r.seq < (f.marks.invites ?? 0))) return "0";
    if (l.startsWith("INVITE")) return tag(r.from === "Bob" ? "2" : "3");
    if (/^SIP\/2.0 1\d\d/.test(l)) return tag(r.from === "S" ? "2" : "3");
    if (/^SIP\/2.0 200/.test(l) && r.seq < (f.marks.message ?? Infinity)) return tag(r.to === "S" ? "6" : "7");
    if (l.startsWith("ACK")) return tag(r.from === "Bob" ? "8" : "9");
    if (r.seq >= (f.marks.end ?? Infinity)) {
      if (l.startsWith("BYE")) return r.from === "Bob" ? "16" : "17";
      if (/^SIP\/2.0 200/.test(l)) return r.to === "S" ? "18" : "19";
    }
    if (r.seq >= (f.marks.leave ?? Infinity)) return "15";
    return "";
  }
  if (r.seq < (f.marks.message ?? Infinity)) return tag(/ SEND$/.test(l) ? "4" : "5");
  if (r.seq < (f.marks.leave ?? Infinity)) {
    if (/ SEND$/.test(l)) return r.from === "Bob" ? "12" : "11";
    if (/ 200/.test(l)) return r.to === "Bob" ? "13" : "14";
    return "";
  }
  return "";
}
