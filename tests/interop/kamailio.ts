// Test harness for Kamailio as the IM server (issue 6): starts `kamailio` in the foreground with
// tests/interop/kamailio.cfg, its own runtime folder under os.tmpdir() and its own loopback ports
// (free ones unless given), waits until it answers, and stops it by its PID.
//
//   const k = await startKamailio({ msrp: true });
//   // k.sip = "127.0.0.1:P" (UDP and TCP), k.msrp = "127.0.0.1:Q" (MSRP relay, when asked for)
//   try { ... } finally { await k.stop(); }
//
// Options: udpPort/tcpPort/msrpPort (else free ports), msrp (the relay), msrpPassword/msrpRealm
// (digest-challenged AUTH), authPassword/authRealm (SIP digest auth, WITH_AUTH), dmqPeer (share the location table with another node over DMQ), debug.
// Ports reach the config as pre-processor defines (-A SIP_PORT=P, -A UDP_PORT/-A TCP_PORT when
// they differ, -A WITH_MSRP -A MSRP_PORT=Q, ...): the config file itself is used as is. Kamailio's
// log (stderr, -E) goes to RUNDIR/kamailio.log; log() returns it, logTail() its end for failure
// messages. Kamailio forks its worker processes; it runs in a process group of its own, so stop()
// sends SIGTERM to its PID (the main process stops its children) and SIGKILLs the group if
// anything is still there after 3 s. A process exit hook kills any instance left running.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { haveTool, freeServerPort } from "./tools.ts";

export const KAMAILIO_CFG = path.join(path.dirname(fileURLToPath(import.meta.url)), "kamailio.cfg");

/** The kamailio binary: $KAMAILIO_BIN, else "kamailio" on PATH, else Debian's /usr/sbin/kamailio
 *  (not on a non-root user's PATH). */
export const KAMAILIO_BIN = process.env.KAMAILIO_BIN
  ?? (spawnSync("kamailio", ["-v"], { stdio: "ignore" }).error === undefined || !existsSync("/usr/sbin/kamailio")
    ? "kamailio" : "/usr/sbin/kamailio");

export interface KamailioOptions {
  /** SIP over UDP port (default: tcpPort when given, else a free port). */
  udpPort?: number;
  /** SIP over TCP port (default: udpPort when given, else the same free port as UDP). */
  tcpPort?: number;
  /** MSRP relay TCP port; giving it turns the relay on (default: a free port when msrp is true). */
  msrpPort?: number;
  /** Turn the MSRP relay on (WITH_MSRP). */
  msrp?: boolean;
  /** Digest-challenge MSRP AUTH with this password (WITH_MSRP_AUTH; turns the relay on). */
  msrpPassword?: string;
  /** Digest realm of the relay (default "example.test"). */
  msrpRealm?: string;
  /** SIP digest authentication with this password for every user (WITH_AUTH): REGISTER gets 401,
   *  initial INVITE / MESSAGE 407 until they carry credentials (RFC 3261 §22). */
  authPassword?: string;
  /** Digest realm of the SIP challenges (default "example.test"). */
  authRealm?: string;
  /** Share the location table with other nodes over DMQ (WITH_DMQ): the SIP address
   *  ("127.0.0.1:P") of a node to announce this one to; "self" for the first node. */
  dmqPeer?: string;
  /** Kamailio debug level (2 = info: one line per request; 3 = debug). */
  debug?: number;
  /** Another config file (default tests/interop/kamailio.cfg). */
  cfg?: string;
  /** Extra pre-processor defines ("NAME" or "NAME=VALUE"). */
  defines?: string[];
  /** Milliseconds to wait for Kamailio to answer (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningKamailio {
  /** "127.0.0.1:P": the SIP address (UDP; also TCP unless tcpPort differs). */
  sip: string;
  /** "127.0.0.1:P" for SIP over TCP. */
  sipTcp: string;
  host: string;
  udpPort: number;
  tcpPort: number;
  /** "127.0.0.1:Q" of the MSRP relay, when on. */
  msrp?: string;
  msrpPort?: number;
  /** PID of Kamailio's main process. */
  pid: number;
  /** Its runtime folder (log, pid file); removed by stop() unless KAMAILIO_KEEP is set. */
  dir: string;
  /** Stops Kamailio (SIGTERM to its PID, SIGKILL to its process group after 3 s). Idempotent. */
  stop(): Promise<void>;
  /** Kamailio's whole log so far (kept after stop). */
  log(): string;
  /** The last `lines` lines of the log, for failure messages. */
  logTail(lines?: number): string;
}

const HOST = "127.0.0.1";
const running = new Set<ChildProcess>();
let hooked = false;

/** True when kamailio is installed; outside CI a missing kamailio lets the tests skip, in CI it
 *  fails (.ci/run installs it). */
export function haveKamailio(): boolean {
  return haveTool(KAMAILIO_BIN, ["-v"], "kamailio");
}

function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try { process.kill(-pid, sig); return true; } catch { return false; }
}

function groupAlive(pid: number): boolean {
  try { process.kill(-pid, 0); return true; } catch { return false; }
}

/** One SIP OPTIONS to the server itself over UDP; true on a 200 within ms. */
async function optionsPing(port: number, ms: number): Promise<boolean> {
  const s = dgram.createSocket("udp4");
  try {
    await new Promise<void>((r) => s.bind(0, HOST, () => r()));
    const lp = s.address().port, tag = Math.random().toString(36).slice(2, 10);
    const msg = [
      `OPTIONS sip:${HOST}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${HOST}:${lp};branch=z9hG4bK-ping${tag};rport`,
      "Max-Forwards: 70",
      `From: <sip:ping@${HOST}>;tag=${tag}`,
      `To: <sip:${HOST}:${port}>`,
      `Call-ID: ping-${tag}@${HOST}`,
      "CSeq: 1 OPTIONS",
      "Content-Length: 0", "", "",
    ].join("\r\n");
    return await new Promise<boolean>((res) => {
      const t = setTimeout(() => res(false), ms);
      s.on("message", (b) => { if (/^SIP\/2\.0 200 /.test(b.toString("latin1"))) { clearTimeout(t); res(true); } });
      s.on("error", () => { clearTimeout(t); res(false); });
      s.send(Buffer.from(msg, "latin1"), port, HOST);
    });
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
}

async function tcpConnects(port: number): Promise<boolean> {
  return new Promise<boolean>((res) => {
    const c = net.connect({ host: HOST, port });
    c.once("connect", () => { c.destroy(); res(true); });
    c.once("error", () => { c.destroy(); res(false); });
  });
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines - 1).join("\n");
}

/** True when nothing listens on 127.0.0.1:port over TCP nor UDP. */
async function portFree(port: number): Promise<boolean> {
  const srv = net.createServer();
  const tcp = await new Promise<boolean>((res) => { srv.once("error", () => res(false)); srv.listen(port, HOST, () => res(true)); });
  if (tcp) await new Promise<void>((r) => srv.close(() => r()));
  const u = dgram.createSocket("udp4");
  const udp = await new Promise<boolean>((res) => { u.once("error", () => res(false)); u.bind(port, HOST, () => res(true)); });
  await new Promise<void>((r) => { try { u.close(() => r()); } catch { r(); } });
  return tcp && udp;
}

// Kamailio binds with address reuse and its readiness probe would be answered by whatever already
// listens there: a port given by the caller is checked first (free ones come from
// freeServerPort(), outside the ephemeral range).
export async function startKamailio(opt: KamailioOptions = {}): Promise<RunningKamailio> {
  for (const p of [opt.udpPort, opt.tcpPort, opt.msrpPort]) {
    if (p !== undefined && !(await portFree(p))) throw new Error(`kamailio: port ${HOST}:${p} is in use`);
  }
  const withMsrp = opt.msrp === true || opt.msrpPort !== undefined || opt.msrpPassword !== undefined;
  const udpPort = opt.udpPort ?? opt.tcpPort ?? await freeServerPort();
  const tcpPort = opt.tcpPort ?? udpPort;
  let msrpPort = opt.msrpPort;
  if (withMsrp && msrpPort === undefined) {
    do { msrpPort = await freeServerPort(); } while (msrpPort === udpPort || msrpPort === tcpPort);
  }

  const dir = mkdtempSync(path.join(tmpdir(), "kamailio-"));
  const logFile = path.join(dir, "kamailio.log");
  const defines = [`LISTEN_IP=${HOST}`, `SIP_PORT=${udpPort}`, `UDP_PORT=${udpPort}`, `TCP_PORT=${tcpPort}`,
    `DBGLEVEL=${opt.debug ?? 2}`];
  if (withMsrp) defines.push("WITH_MSRP", `MSRP_PORT=${msrpPort}`);
  if (opt.msrpPassword !== undefined) {
    defines.push("WITH_MSRP_AUTH", `MSRP_PASSWORD=${JSON.stringify(opt.msrpPassword)}`,
      `MSRP_REALM=${JSON.stringify(opt.msrpRealm ?? "example.test")}`);
  }
  if (opt.authPassword !== undefined) {
    defines.push("WITH_AUTH", `AUTH_PASSWORD=${JSON.stringify(opt.authPassword)}`,
      `AUTH_REALM=${JSON.stringify(opt.authRealm ?? "example.test")}`);
  }
  if (opt.dmqPeer !== undefined) {
    const peer = opt.dmqPeer === "self" ? `${HOST}:${udpPort}` : opt.dmqPeer;
    defines.push("WITH_DMQ", `DMQ_SERVER="sip:${HOST}:${udpPort}"`, `DMQ_NOTIFY="sip:${peer}"`);
  }
  defines.push(...(opt.defines ?? []));
  const args = ["-DD", "-E", "-f", opt.cfg ?? KAMAILIO_CFG, "-Y", dir, "-P", path.join(dir, "kamailio.pid"),
    "-m", "64", "-M", "8", ...defines.flatMap((d) => ["-A", d])];

  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    // detached: a process group of its own, so stop() can reach the forked workers too.
    child = spawn(KAMAILIO_BIN, args, { cwd: dir, detached: true, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const pid = child.pid!;
  running.add(child);
  if (!hooked) {
    hooked = true;
    process.on("exit", () => { for (const c of running) if (c.pid) killGroup(c.pid, "SIGKILL"); });
  }
  let exited = false;
  const exitP = new Promise<void>((res) => child.once("exit", () => { exited = true; running.delete(child); res(); }));
  child.once("error", () => { exited = true; running.delete(child); });

  let logCache: string | undefined;
  const log = () => logCache ?? (existsSync(logFile) ? readFileSync(logFile, "latin1") : "");
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= (async () => {
    if (!exited) {
      try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exitP, new Promise((r) => { timer = setTimeout(r, 3000); })]);
      clearTimeout(timer);
    }
    // Workers the main process did not take down (or everything, after the 3 s): SIGKILL.
    for (let i = 0; i < 20 && groupAlive(pid); i++) {
      killGroup(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 50));
    }
    running.delete(child);
    logCache = log();
    if (!process.env.KAMAILIO_KEEP) rmSync(dir, { recursive: true, force: true });
  })();

  const k: RunningKamailio = {
    sip: `${HOST}:${udpPort}`, sipTcp: `${HOST}:${tcpPort}`, host: HOST, udpPort, tcpPort,
    msrp: withMsrp ? `${HOST}:${msrpPort}` : undefined, msrpPort: withMsrp ? msrpPort : undefined,
    pid, dir, stop, log, logTail: (n = 40) => tail(log(), n),
  };

  // Ready when it answers an OPTIONS over UDP and accepts TCP connections (SIP, MSRP).
  const deadline = Date.now() + (opt.startTimeoutMs ?? 10_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`kamailio exited at start (${[KAMAILIO_BIN, ...args].join(" ")}):\n${k.logTail(60)}`);
    }
    if (await optionsPing(udpPort, 200) && await tcpConnects(tcpPort) && (!withMsrp || await tcpConnects(msrpPort!))) return k;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kamailio did not answer within ${opt.startTimeoutMs ?? 10_000} ms:\n${k.logTail(60)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs fn with a fresh Kamailio; always stops it; a failure carries the tail of its log. */
export async function withKamailio(opt: KamailioOptions, fn: (k: RunningKamailio) => Promise<void>): Promise<void> {
  const k = await startKamailio(opt);
  try {
    await fn(k);
  } catch (e) {
    const tail = `\n--- kamailio log (last lines; KAMAILIO_KEEP=1 keeps ${k.dir}) ---\n${k.logTail(80)}`;
    if (e instanceof Error) { e.message += tail; throw e; }
    throw new Error(String(e) + tail);
  } finally {
    await k.stop();
  }
}
