// Running the real kubectl (built by scripts/k8s/build.sh kubectl at the control plane's version) against a
// target, and normalising what it prints so two API servers can be compared: ages, uids, resourceVersions,
// timestamps, addresses and table column widths are what legitimately differ between two runs.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KUBECTL_VERSION = process.env.KNM_K8S_VERSION ?? 'v1.34.4';

/** The kubectl binary: $KNM_KUBECTL_BIN, else the cached build; undefined when neither exists. */
export function findKubectl(): string | undefined {
  const explicit = process.env.KNM_KUBECTL_BIN;
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  const cache = process.env.KNM_K8S_CACHE ?? path.join(os.homedir(), '.cache', 'knm-k8s');
  const bin = path.join(cache, `kubectl-${KUBECTL_VERSION}`, 'kubectl');
  return fs.existsSync(bin) ? bin : undefined;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One kubectl per target: its own kubeconfig file and HOME (discovery cache), nothing from the user's. */
export class Kubectl {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly bin: string,
    kubeconfigYaml: string,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-kubectl-'));
    const kubeconfig = path.join(this.dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, kubeconfigYaml, { mode: 0o600 });
    this.env = {
      PATH: process.env.PATH,
      HOME: this.dir,
      KUBECONFIG: kubeconfig,
      // No ~/.kube/kuberc preferences (aliases, defaults) may change what is printed.
      KUBECTL_KUBERC: 'false',
      // Colour and terminal width must not depend on who runs the tests.
      TERM: 'dumb',
      NO_COLOR: '1',
    };
  }

  start(args: string[]): ChildProcess {
    return spawn(this.bin, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  run(args: string[], timeoutMs = 120_000): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = this.start(args);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`kubectl ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`),
        );
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /**
   * Starts a long-running command (e.g. `get -w`), calls `act` once `ready` holds for the output so far, and
   * stops the command once `done` holds; returns what it printed.
   */
  async stream(
    args: string[],
    ready: (out: string) => boolean,
    act: () => Promise<void>,
    done: (out: string) => boolean,
    timeoutMs = 60_000,
  ): Promise<string> {
    const child = this.start(args);
    let out = '';
    let err = '';
    let acted: Promise<void> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`kubectl ${args.join(' ')}: condition not met in ${timeoutMs} ms\n${out}\n${err}`),
            ),
          timeoutMs,
        );
        const check = (): void => {
          if (!acted && ready(out)) {
            acted = act();
            acted.catch(reject);
          }
          if (acted && done(out)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          check();
        });
        child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
        child.on('close', (code) => {
          clearTimeout(timer);
          reject(new Error(`kubectl ${args.join(' ')} ended (${code}) early\n${out}\n${err}`));
        });
      });
    } finally {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await closed;
    }
    // The change may show in the watch before the command that made it has exited (and stopped writing
    // its discovery cache under this kubectl's HOME).
    await acted;
    return out;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const AGE = /^(?:\d+(?:y|d|h|m|s)){1,2}$|^<unknown>$|^<invalid>$/;
const UID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const RFC3339 = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
const RFC1123Z =
  /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}/g;
const SERVER = /https:\/\/127\.0\.0\.1:\d+/g;

/** Timestamps, uids and server addresses replaced by placeholders; trailing blanks dropped. */
export function normaliseText(s: string): string {
  return s
    .replace(RFC1123Z, '<time>')
    .replace(RFC3339, '<time>')
    .replace(UID, '<uid>')
    .replace(SERVER, '<server>')
    .replace(/"resourceVersion":"\d+"/g, '"resourceVersion":"<rv>"')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .trim();
}

/**
 * A printed table as rows of cells: split on runs of two or more blanks (kubectl pads columns with them), an
 * AGE-like cell replaced by <age>, and named columns dropped whose values come from the node agent (kwok on
 * one side, the simulator on the other) rather than from the API server.
 */
export function normaliseTable(s: string, dropColumns: string[] = []): string[][] {
  const lines = normaliseText(s)
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!.split(/ {2,}/);
  const drop = new Set(dropColumns.map((c) => header.indexOf(c)).filter((i) => i >= 0));
  return lines.map((l, row) =>
    l
      .split(/ {2,}/)
      .filter((_, i) => !drop.has(i))
      .map((cell) => (row > 0 && AGE.test(cell) ? '<age>' : cell)),
  );
}

/**
 * `kubectl describe node` reduced to what the API server decides: sections written by the node agent
 * (conditions, addresses, capacity, system info, pod CIDRs) are dropped, ages and times normalised.
 */
export function normaliseDescribe(s: string): string {
  const agentSections = new Set([
    'Conditions',
    'Addresses',
    'Capacity',
    'Allocatable',
    'System Info',
    'PodCIDR',
    'PodCIDRs',
    'ProviderID',
  ]);
  const out: string[] = [];
  let skipping = false;
  for (const line of normaliseText(s).split('\n')) {
    const section = /^([A-Z][A-Za-z -]*):/.exec(line);
    if (section) skipping = agentSections.has(section[1]!);
    if (skipping) continue;
    // Requests/limits percentages depend on the agent-reported allocatable; ages on timing.
    out.push(
      line
        .replace(/\(\d+%\)/g, '(<pct>)')
        .replace(/ {2,}/g, ' | ')
        .replace(/(^| )(?:\d+(?:y|d|h|m|s)){1,2}$/, '$1<age>'),
    );
  }
  return out.join('\n');
}

/**
 * The API requests kubectl reported at -v=6, as `VERB path?query status`, with the server, continue tokens
 * and timing left out: what it asked for and what the server answered.
 */
export function requestLog(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /verb="(\w+)" url="([^"]+)" status="(\d+)[^"]*"/.exec(line);
    if (!m) continue;
    const url = new URL(m[2]!);
    const q = [...url.searchParams].map(([k, v]) => `${k}=${k === 'continue' ? '<token>' : v}`).join('&');
    out.push(`${m[1]} ${url.pathname}${q ? `?${q}` : ''} ${m[3]}`);
  }
  return out;
}
