// simple-im-agent CLI. Contracts (others script against them; extend, never change):
//   check <sip|msrp|sdp|cpim> [--stream N] [--transport udp|tcp] [--sessions ID,..] [--max-size N] FILE...
//     one JSON line per file: {"file","verdict":"valid"|"invalid","code":N|null,"reason"}
//     exit 0 when every file was read; 2 on usage errors; 1 when a file could not be read.
//   server --listen IP:PORT [--domain D] [--json]
//     runs the embedded IM server (registrar + stateful proxy) on UDP and TCP at IP:PORT (PORT 0 =
//     a free port) until SIGINT/SIGTERM; with --json prints {"event":"listening","sip":"IP:PORT"}
//     once ready and one JSON line per registration change ({"event":"registered"|"unregistered",
//     "aor":..., "contacts":N}). Exit 0 on a signal, 1 when it cannot listen, 2 on usage errors.
import { readFileSync } from "node:fs";
import { loadCore } from "./loader.ts";
import { checkBytes, PROTO_ID, type Proto, type CheckOptions } from "./check.ts";
import { startServer } from "./server.ts";

const USAGE = `usage: simple-im-agent check <sip|msrp|sdp|cpim> [--stream N] [--transport udp|tcp] [--sessions ID,...] [--max-size N] FILE...
       simple-im-agent server --listen IP:PORT [--domain D] [--json]`;

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
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--listen") listen = args[++i];
    else if (a === "--domain") domain = args[++i];
    else if (a === "--json") json = true;
    else usage(`unknown option ${a}`);
  }
  if (!listen || !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(listen)) usage("server needs --listen IP:PORT");
  if (domain !== undefined && !/^[A-Za-z0-9.:\[\]-]+$/.test(domain)) usage("--domain needs a host name");
  const say = (o: unknown) => { if (json) process.stdout.write(JSON.stringify(o) + "\n"); };
  startServer({ listen, domain, onEvent: (ev) => say(ev) }).then((srv) => {
    if (json) say({ event: "listening", sip: srv.sip });
    else process.stderr.write(`simple-im-agent: IM server on udp+tcp ${srv.sip}\n`);
    const stop = () => { void srv.close().then(() => process.exit(0)); };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  }, (err: Error) => {
    process.stderr.write(`simple-im-agent: cannot listen on ${listen}: ${err.message}\n`);
    process.exit(1);
  });
  return undefined;
}

function main(argv: string[]): number | undefined {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "check": return runCheck(rest);
    case "server": return runServer(rest);
    case undefined: case "-h": case "--help": usage();
    default: usage(`unknown command ${cmd}`);
  }
}

process.exitCode = main(process.argv.slice(2));
