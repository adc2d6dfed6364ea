// simple-im-agent CLI. Contracts (others script against them; extend, never change):
//   check <sip|msrp|sdp|cpim> [--stream N] [--transport udp|tcp] [--sessions ID,..] [--max-size N] FILE...
//     one JSON line per file: {"file","verdict":"valid"|"invalid","code":N|null,"reason"}
//     exit 0 when every file was read; 2 on usage errors; 1 when a file could not be read.
//   server --listen IP:PORT [--domain D] [--json]
//     runs the embedded IM server (registrar + stateful proxy) on UDP and TCP at IP:PORT (PORT 0 =
//     a free port) until SIGINT/SIGTERM; with --json prints {"event":"listening","sip":"IP:PORT"}
//     once ready and one JSON line per registration change ({"event":"registered"|"unregistered",
//     "aor":..., "contacts":N}). Exit 0 on a signal, 1 when it cannot listen, 2 on usage errors.
//   chat --aor sip:USER@DOMAIN --server HOST:PORT [--json] [--host --invite AOR[,AOR...]]
//        [--listen IP:PORT] [--msrp-listen IP:PORT] [--transport udp|tcp] [--on-server] [--pcap FILE]
//        [--msrp-relay msrp://HOST:PORT [--msrp-relay-user USER --msrp-relay-password PASS]]
//        [--password PASS [--auth-user USER]]   SIP digest credentials (RFC 3261 §22)
//        [--stay] [--stall-ms N] [--idle-ms N]
//     registers, then as host creates the chat and invites; otherwise accepts invitations. Each
//     stdin line is sent to the chat ("/to AOR TEXT" privately), "/leave" leaves, EOF leaves and
//     exits. --json: one JSON line per event: {"event":"registered"}, {"event":"invited","from"},
//     {"event":"joined","member"}, {"event":"message","from","text"}, {"event":"left","member"},
//     {"event":"ended"}, {"event":"error","code","reason"} (extra fields may follow).
//     --pcap FILE: write this agent's own SIP and MSRP traffic (both directions) to FILE as a
//     classic pcap for Wireshark (host/pcap.ts; MSRP is on a random port: decode it with
//     `-d tcp.port==P,msrp`, P = the MSRP port printed at start).
//     Exit 0 after leaving or after the chat ended ({"event":"ended"}: the host left, ended the
//     chat or was lost; --stay keeps running for the next invitation), 1 when it cannot start,
//     2 on usage errors. --stall-ms N: a member whose queue makes no progress for N ms is
//     evicted (default 10000); --idle-ms N: a message whose next chunk does not come for N ms is
//     aborted (default 10000). --on-server (with --host):
//     the chat is hosted on the IM server (`server --chat-rooms`): a room is requested from
//     sip:chat@DOMAIN and it invites us and the --invite list.
//     --msrp-relay msrp://HOST:PORT: every MSRP session goes through this RFC 4976 relay (e.g.
//     Kamailio's msrp module; handsets behind NAT): the agent connects to it and AUTHs (digest
//     with --msrp-relay-user/--msrp-relay-password when challenged) before it invites or answers;
//     {"event":"relay","state":"ready","usePath":...} when done; a refused AUTH exits 1.
//   server ... --chat-rooms   also host chat rooms (factory sip:chat@DOMAIN, host/rooms.ts);
//     with --json the room lifecycle is printed too ({"event":"room"|"joined"|"left"|"ended","room":...}).
import { readFileSync } from "node:fs";
import { loadCore } from "./loader.ts";
import { checkBytes, PROTO_ID, type Proto, type CheckOptions } from "./check.ts";
import { startServer } from "./server.ts";
import { startChat, type ChatEvent } from "./chat.ts";
import { startRoomFactory } from "./rooms.ts";
import { createInterface } from "node:readline";

const USAGE = `usage: simple-im-agent check <sip|msrp|sdp|cpim> [--stream N] [--transport udp|tcp] [--sessions ID,...] [--max-size N] FILE...
       simple-im-agent server --listen IP:PORT [--domain D] [--json] [--chat-rooms]
       simple-im-agent chat --aor sip:USER@DOMAIN --server HOST:PORT [--json] [--host --invite AOR[,AOR...]]
                            [--listen IP:PORT] [--msrp-listen IP:PORT] [--transport udp|tcp] [--on-server] [--pcap FILE]
                            [--msrp-relay msrp://HOST:PORT [--msrp-relay-user USER --msrp-relay-password PASS]]
                            [--password PASS [--auth-user USER]]`;

function usage(msg?: string): never {
  if (msg) process.stderr.write(`simple-im-agent: ${msg}\n`);
  process.stderr.write(USAGE + "\n");
  process.exit(2);
}

function positiveInt(flag: string, v: string | undefined): number {
  if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1) usage(`${flag} needs a positive integer`);
  return Number(v);
}

export function runCheck(args: string[]): number {
  const proto = args[0] as Proto;
  if (!proto || !(proto in PROTO_ID)) usage(`check needs a protocol: sip, msrp, sdp or cpim`);
  const opt: CheckOptions = {};
  const files: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === "--stream") opt.stream = positiveInt(a, args[++i]);
    else if (a === "--transport") {
      const t = args[++i];
      if (t !== "udp" && t !== "tcp") usage("--transport is udp or tcp");
      opt.transport = t;
    } else if (a === "--sessions") {
      const s = args[++i];
      if (s === undefined) usage("--sessions needs a list");
      opt.sessions = s.split(",").filter((x) => x.length > 0);
    } else if (a === "--max-size") opt.maxSize = positiveInt(a, args[++i]);
    else if (a === "--") files.push(...args.slice(i + 1)), (i = args.length);
    else if (a.startsWith("--")) usage(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length === 0) usage("check needs at least one FILE");
  const core = loadCore();
  let status = 0;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      process.stderr.write(`simple-im-agent: cannot read ${file}: ${(err as Error).message}\n`);
      status = 1;
      continue;
    }
    const r = checkBytes(core, proto, bytes, opt);
    process.stdout.write(JSON.stringify({ file, verdict: r.verdict, code: r.code, reason: r.reason }) + "\n");
  }
  return status;
}

export function runServer(args: string[]): number | undefined {
  let listen: string | undefined;
  let domain: string | undefined;
  let json = false, rooms = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--listen") listen = args[++i];
    else if (a === "--domain") domain = args[++i];
    else if (a === "--json") json = true;
    else if (a === "--chat-rooms") rooms = true;
    else usage(`unknown option ${a}`);
  }
  if (!listen || !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(listen)) usage("server needs --listen IP:PORT");
  if (domain !== undefined && !/^[A-Za-z0-9.:\[\]-]+$/.test(domain)) usage("--domain needs a host name");
  const say = (o: unknown) => { if (json) process.stdout.write(JSON.stringify(o) + "\n"); };
  startServer({ listen, domain, onEvent: (ev) => say(ev) }).then(async (srv) => {
    // --chat-rooms: the chat factory sip:chat@DOMAIN hosts rooms on the server (host/rooms.ts)
    const factory = rooms ? await startRoomFactory({ server: srv.sip, domain: domain ?? srv.host, onEvent: (ev) => say(ev) }) : undefined;
    if (json) say({ event: "listening", sip: srv.sip });
    else process.stderr.write(`simple-im-agent: IM server on udp+tcp ${srv.sip}${factory ? `, chat rooms at ${factory.aor}` : ""}\n`);
    const stop = () => { void (factory?.close() ?? Promise.resolve()).then(() => srv.close()).then(() => process.exit(0)); };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }, (err: Error) => {
    process.stderr.write(`simple-im-agent: cannot listen on ${listen}: ${err.message}\n`);
    process.exit(1);
  });
  return undefined;
}

const ADDR_RE = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/;
const AOR_RE = /^sip:[^@\s<>;]+@[^@\s<>;]+$/;

export function runChat(args: string[]): number | undefined {
  let aor: string | undefined, server: string | undefined, listen = "127.0.0.1:0", msrpListen: string | undefined;
  let pcap: string | undefined;
  let msrpRelay: string | undefined, msrpRelayUser: string | undefined, msrpRelayPassword: string | undefined;
  let password: string | undefined, authUser: string | undefined;
  let json = false, host = false, onServer = false, transport: "udp" | "tcp" = "udp", stay = false;
  let stallMs: number | undefined, idleMs: number | undefined;
  let invite: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--aor") aor = args[++i];
    else if (a === "--server") server = args[++i];
    else if (a === "--json") json = true;
    else if (a === "--host") host = true;
    else if (a === "--on-server") onServer = true;
    else if (a === "--invite") invite = (args[++i] ?? "").split(",").filter((x) => x.length > 0);
    else if (a === "--listen") listen = args[++i] ?? "";
    else if (a === "--msrp-listen") msrpListen = args[++i];
    else if (a === "--msrp-relay") msrpRelay = args[++i] ?? "";
    else if (a === "--msrp-relay-user") msrpRelayUser = args[++i] ?? "";
    else if (a === "--msrp-relay-password") msrpRelayPassword = args[++i] ?? "";
    else if (a === "--password") password = args[++i] ?? "";
    else if (a === "--auth-user") authUser = args[++i] ?? "";
    else if (a === "--stay") stay = true;
    else if (a === "--stall-ms" || a === "--idle-ms") {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v <= 0) usage(`${a} needs a number of milliseconds`);
      if (a === "--stall-ms") stallMs = v; else idleMs = v;
    }
    else if (a === "--pcap") {
      pcap = args[++i];
      if (!pcap) usage("--pcap needs a FILE");
    }
    else if (a === "--transport") {
      const t = args[++i];
      if (t !== "udp" && t !== "tcp") usage("--transport is udp or tcp");
      transport = t;
    } else usage(`unknown option ${a}`);
  }
  if (!aor || !AOR_RE.test(aor)) usage("chat needs --aor sip:USER@DOMAIN");
  if (!server || !ADDR_RE.test(server)) usage("chat needs --server HOST:PORT");
  if (!ADDR_RE.test(listen)) usage("--listen needs IP:PORT");
  if (msrpListen !== undefined && !ADDR_RE.test(msrpListen)) usage("--msrp-listen needs IP:PORT");
  if (invite.length > 0 && !host) usage("--invite needs --host");
  if (onServer && !host) usage("--on-server needs --host");
  for (const t of invite) if (!AOR_RE.test(t)) usage(`--invite: not an AOR: ${t}`);
  if (msrpRelay !== undefined && !/^msrp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}(;tcp)?$/.test(msrpRelay)) usage("--msrp-relay needs msrp://HOST:PORT");
  if ((msrpRelayUser !== undefined || msrpRelayPassword !== undefined) && msrpRelay === undefined) usage("--msrp-relay-user/--msrp-relay-password need --msrp-relay");
  if (authUser !== undefined && password === undefined) usage("--auth-user needs --password");

  const say = (ev: ChatEvent) => {
    if (json) { process.stdout.write(JSON.stringify(ev) + "\n"); return; }
    const e = ev as Record<string, unknown>;
    if (ev.event === "message") process.stdout.write(`<${ev.from}>${ev.private ? " (private)" : ""} ${ev.text}\n`);
    else process.stdout.write(`* ${ev.event}${e.from ? " " + e.from : ""}${e.member ? " " + e.member : ""}${e.code !== undefined ? " " + e.code + " " + e.reason : ""}\n`);
  };
  let joined = false, leaving = false, invited = false;
  const queue: string[] = [];
  let agentRef: Awaited<ReturnType<typeof startChat>> | undefined;
  const sendLine = (line: string) => {
    const agent = agentRef!;
    if (line === "/leave") { leaving = true; if (agent.leave() !== 0) finish(); return; }
    let to = "", text = line;
    const m = /^\/to\s+(\S+)\s?(.*)$/.exec(line);
    if (m) { to = m[1]; text = m[2]; }
    agent.send(text, to).catch((err: Error) => say({ event: "error", name: "send_failed", code: 503, reason: err.message }));
  };
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // let the last BYE / 200 leave the sockets, then stop
    setTimeout(() => { void agentRef?.close().then(() => process.exit(0)); }, 300);
  };
  // invitations go out once registered AND started (with --msrp-relay, startChat resolves only
  // after the relay's AUTH, which may come after the registration)
  let registered = false;
  const inviteOnce = () => {
    if (!host || invited || !registered || !agentRef) return;
    invited = true;
    // --on-server: the IM server's chat factory hosts the room and invites us all
    if (onServer) agentRef.requestRoom([aor!, ...invite]);
    else for (const t of invite) agentRef.invite(t);
  };
  const onEvent = (ev: ChatEvent) => {
    say(ev);
    if (ev.event === "registered") { registered = true; inviteOnce(); }
    if (ev.event === "joined") {
      joined = true;
      while (queue.length > 0) sendLine(queue.shift()!);
    }
    if (leaving && (ev.event === "left" || ev.event === "ended")) finish();
    // the chat is over (the host left, was lost, or ended it): exit 0, unless told to stay
    // for the next invitation (--stay)
    else if (ev.event === "ended" && !stay) { leaving = true; finish(); }
  };
  startChat({ aor, server, listen, msrpListen, transport, host: host && !onServer, onEvent, pcap, msrpRelay, msrpRelayUser, msrpRelayPassword, password, authUser, stallMs, idleMs }).then((agent) => {
    agentRef = agent;
    inviteOnce();
    if (!json) process.stderr.write(`simple-im-agent: ${aor} sip ${agent.sip} msrp ${agent.msrp}\n`);
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      if (leaving) return;
      if (!joined && line !== "/leave") { queue.push(line); return; }
      sendLine(line);
    });
    rl.on("close", () => {
      if (leaving) return;
      leaving = true;
      // EOF: leave (host: end the chat) and exit; nothing to leave (never joined, or the
      // chat ended) -> exit now
      if (agent.members() === 0 || agent.leave() !== 0) { finish(); return; }
      setTimeout(finish, 3000);
    });
    const stop = () => { leaving = true; if (agent.leave() !== 0) finish(); setTimeout(finish, 3000); };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }, (err: Error) => {
    process.stderr.write(`simple-im-agent: cannot start: ${err.message}\n`);
    process.exit(1);
  });
  return undefined;
}

function main(argv: string[]): number | undefined {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "check": return runCheck(rest);
    case "server": return runServer(rest);
    case "chat": return runChat(rest);
    case undefined: case "-h": case "--help": usage();
    default: usage(`unknown command ${cmd}`);
  }
}

process.exitCode = main(process.argv.slice(2));
