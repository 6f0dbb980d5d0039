// A private Dovecot IMAP server for one test file: Debian's dovecot-imapd (.ci/run installs it) started as a
// child process with its own config, passwd-file user and mail directory under a temporary directory, on a
// free port of 127.0.0.1, plaintext login allowed and no TLS. stop() ends it and removes the directory.
// Without Dovecot the test fails (it does not skip): IMAP polling would otherwise go untested.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ImapFlow } from "imapflow";

export const DOVECOT = "/usr/sbin/dovecot";

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  /** IMAP APPEND of one raw RFC 5322 message to INBOX (unseen); its UID */
  append(raw: string): Promise<number>;
  /** the flags of each message in INBOX, by UID */
  flags(): Promise<Map<number, Set<string>>>;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** The uid and gid mail is stored as: ours, or Dovecot's own user when we are root (Dovecot refuses root mail users). */
function mailOwner(): { uid: number; gid: number; internalUser: string } {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) {
    const name = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(uid))
      ?.split(":")[0];
    if (!name) throw new Error(`no /etc/passwd entry for uid ${uid}: Dovecot needs a user name to run as`);
    return { uid, gid: process.getgid?.() ?? uid, internalUser: name };
  }
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("dovecot:"));
  if (!line) throw new Error("no dovecot user in /etc/passwd: reinstall dovecot-imapd");
  const [, , u, g] = line.split(":");
  return { uid: Number(u), gid: Number(g), internalUser: "dovecot" };
}

async function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once("error", () => done(false));
    sock.once("data", (d) => done(d.toString().startsWith("* OK")));
  });
}

export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT))
    throw new Error(`${DOVECOT} is missing: the IMAP tests need Dovecot. Install it with: apt-get install -y dovecot-imapd (.ci/run does)`);
  const dir = await mkdtemp(path.join(tmpdir(), "crm-dovecot-"));
  const child: { p?: ChildProcess } = {};
  try {
    await chmod(dir, 0o755);
    const owner = mailOwner();
    const mail = path.join(dir, "mail");
    await mkdir(mail);
    await chown(mail, owner.uid, owner.gid);
    const user = "support@example.test";
    const password = `pw-${randomBytes(9).toString("base64url")}`;
    await writeFile(path.join(dir, "passwd"), `${user}:{PLAIN}${password}:${owner.uid}:${owner.gid}::${mail}/${user}::\n`, { mode: 0o644 });
    const port = await freePort();
    const config = `
instance_name = crmtest-${path.basename(dir)}
base_dir = ${dir}/run
state_dir = ${dir}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${dir}/dovecot.log
default_internal_user = ${owner.internalUser}
default_login_user = ${owner.internalUser === "dovecot" ? "dovenull" : owner.internalUser}
first_valid_uid = ${owner.uid}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
    await writeFile(path.join(dir, "dovecot.conf"), config);
    const p = spawn(DOVECOT, ["-F", "-c", path.join(dir, "dovecot.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    child.p = p;
    let output = "";
    p.stdout?.on("data", (d) => (output += d));
    p.stderr?.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    const end = Date.now() + 15_000;
    for (;;) {
      if (p.exitCode !== null)
        throw new Error(
          `dovecot exited (${p.exitCode}): ${output}${await readFile(path.join(dir, "dovecot.log"), "utf8").catch(() => "")}`,
        );
      if (await greets(port)) break;
      if (Date.now() > end) throw new Error(`dovecot did not answer on port ${port} within 15 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const client = () => new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user, pass: password }, logger: false });
    const withClient = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
      const c = client();
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.logout().catch(() => c.close());
      }
    };
    return {
      host: "127.0.0.1",
      port,
      user,
      password,
      append: (raw) =>
        withClient(async (c) => {
          const r = await c.append("INBOX", raw, []);
          if (!r || !r.uid) throw new Error("APPEND did not report a UID");
          return r.uid;
        }),
      flags: () =>
        withClient(async (c) => {
          const lock = await c.getMailboxLock("INBOX");
          try {
            const out = new Map<number, Set<string>>();
            if ((c.mailbox && c.mailbox.exists) === 0) return out;
            for await (const m of c.fetch("1:*", { uid: true, flags: true })) out.set(m.uid, m.flags ?? new Set());
            return out;
          } finally {
            lock.release();
          }
        }),
      async stop() {
        if (p.exitCode === null) {
          p.kill("SIGTERM");
          const killed = await Promise.race([exited, new Promise((r) => setTimeout(() => r("slow"), 5000))]);
          if (killed === "slow") p.kill("SIGKILL");
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (child.p && child.p.exitCode === null) child.p.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
