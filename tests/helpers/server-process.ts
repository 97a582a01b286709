import { spawn, type ChildProcess } from "node:child_process";

/** A real server process on a free loopback port, configured by the environment only, as a user starts it. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  logs: string[];
  exited: Promise<number | null>;
}

/** Spawns `node <args>` and resolves once it logs that it listens (45 s at most). */
export async function startServerProcess(args: string[], env: Record<string, string>, cwd?: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join("\n")}`)), 45_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        logs.push(line);
        const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${logs.join("\n")}`)));
  });
  return { child, port, logs, exited };
}

/** SIGTERM, then the exit code. */
export async function stopServerProcess(server: ServerProcess): Promise<number | null> {
  server.child.kill("SIGTERM");
  return server.exited;
}
