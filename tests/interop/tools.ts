// Helpers for the third-party interop tests (issue 6): is a tool installed, free loopback
// ports, a bounded child process (wall-clock kill), REGISTER written by hand over dgram.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import assert from "node:assert/strict";

/** True when `cmd` runs. In CI (process.env.CI) a missing tool is a failure: .ci/run installs it. */
export function haveTool(cmd: string, args: string[], pkg: string): boolean {
  const ok = spawnSync(cmd, args, { stdio: "ignore" }).error === undefined;
  if (!ok) assert.equal(process.env.CI, undefined, `CI must have ${cmd} (.ci/run installs ${pkg})`);
  return ok;
}

/** A loopback port free for both UDP and TCP at the time of asking. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const srv = net.createServer();
    const port = await new Promise<number>((res, rej) => {
      srv.once("error", rej);
      srv.listen(0, "127.0.0.1", () => res((srv.address() as net.AddressInfo).port));
    });
    const u = dgram.createSocket("udp4");
    const udpOk = await new Promise<boolean>((res) => { u.once("error", () => res(false)); u.bind(port, "127.0.0.1", () => res(true)); });
    await new Promise<void>((r) => srv.close(() => r()));
    if (udpOk) { await new Promise<void>((r) => u.close(() => r())); return port; }
    u.close();
  }
  throw new Error("no free loopback port");
}

/**
 * A loopback port free for UDP and TCP, outside the kernel's ephemeral range (32768-60999 on
 * Linux), for servers that bind with SO_REUSEADDR (Kamailio): a port from the ephemeral range
 * could be handed to another socket while the server holds it, and datagrams would be split.
 */
export async function freeServerPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const srv = net.createServer();
    const tcpOk = await new Promise<boolean>((res) => { srv.once("error", () => res(false)); srv.listen(port, "127.0.0.1", () => res(true)); });
    if (!tcpOk) continue;
    const u = dgram.createSocket("udp4");
    const udpOk = await new Promise<boolean>((res) => { u.once("error", () => res(false)); u.bind(port, "127.0.0.1", () => res(true)); });
    await new Promise<void>((r) => srv.close(() => r()));
    if (udpOk) { await new Promise<void>((r) => u.close(() => r())); return port; }
    u.close();
  }
  throw new Error("no free loopback server port");
}

export interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** A child process with its output collected; killed (SIGKILL) after `ms` wall-clock. */
export function runBounded(cmd: string, args: string[], ms: number, cwd?: string): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d) => { stdout += d; if (stdout.length > 200_000) stdout = stdout.slice(-100_000); });
  child.stderr!.on("data", (d) => { stderr += d; if (stderr.length > 200_000) stderr = stderr.slice(-100_000); });
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const done = new Promise<Run>((res) => {
    child.on("close", (code, signal) => { clearTimeout(timer); res({ code, signal, stdout, stderr }); });
    child.on("error", (e) => { clearTimeout(timer); res({ code: -1, signal: null, stdout, stderr: stderr + String(e) }); });
  });
  return { child, done };
}

/**
 * Registers `contact` for AOR sip:user@domain with the server at host:port, written by hand over
 * UDP (RFC 3261 §10.2); resolves with the status code of the answer.
 */
export async function registerByHand(server: { host: string; port: number }, domain: string, user: string, contact: string, expires = 300): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const lp = s.address().port;
  const tag = Math.random().toString(36).slice(2, 10);
  const msg = [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-reg${tag};rport`,
    "Max-Forwards: 70",
    `From: <sip:${user}@${domain}>;tag=${tag}`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: reg-${tag}@127.0.0.1`,
    "CSeq: 1 REGISTER",
    `Contact: <${contact}>`,
    `Expires: ${expires}`,
    "Content-Length: 0", "", "",
  ].join("\r\n");
  try {
    return await new Promise<number>((res, rej) => {
      const t = setTimeout(() => rej(new Error("no answer to REGISTER")), 3000);
      s.on("message", (b) => {
        const m = /^SIP\/2\.0 (\d{3})/.exec(b.toString("latin1"));
        if (m && Number(m[1]) >= 200) { clearTimeout(t); res(Number(m[1])); }
      });
      s.send(Buffer.from(msg, "latin1"), server.port, server.host);
    });
  } finally {
    await new Promise<void>((r) => s.close(() => r()));
  }
}
