/**
 * A real OpenLDAP slapd for tests: a generated slapd.conf and an mdb database in a temporary directory, loaded
 * with slapadd before start, listening on loopback ports only (ldap:// with StartTLS, and ldaps://), with a
 * certificate from a throw-away CA. Nothing outside the temporary directory is touched, so it runs as root or
 * not. `SLAPD` is undefined when the Debian package `slapd` is not installed; the tests then skip and say so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { generateCa, issueServingCert } from '../../src/sim/tls.js';
import { listenOn } from './oidc-idp.js';

const CANDIDATES = ['/usr/sbin/slapd', '/usr/local/libexec/slapd', '/usr/libexec/slapd'];
export const SLAPD = CANDIDATES.find((p) => existsSync(p));
const SLAPADD = SLAPD ? path.join(path.dirname(SLAPD), 'slapadd') : undefined;
const SCHEMA_DIR = ['/etc/ldap/schema', '/etc/openldap/schema'].find((d) =>
  existsSync(path.join(d, 'core.schema')),
);
const MODULE_DIR = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap'].find((d) => existsSync(d));

export const SUFFIX = 'dc=example,dc=org';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PW = 'root-secret-pw';
export const SERVICE_DN = `cn=knm-reader,ou=services,${SUFFIX}`;
export const SERVICE_PW = 'service-reader-pw';

export interface DirUser {
  uid: string;
  password: string;
  groups: string[];
}

export interface Slapd {
  url: string;
  ldapsUrl: string;
  caFile: string;
  /** A connection bound as the directory's root, to change groups between sign-ins. */
  admin(): Promise<Client>;
  stop(): Promise<void>;
}

function entries(users: DirUser[]): string {
  const out = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=services,${SUFFIX}\nobjectClass: organizationalUnit\nou: services`,
    `dn: ${SERVICE_DN}\nobjectClass: person\ncn: knm-reader\nsn: reader\nuserPassword: ${SERVICE_PW}`,
  ];
  for (const u of users) {
    out.push(
      `dn: uid=${u.uid},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.uid}\nsn: ${u.uid}\nuserPassword: ${u.password}`,
    );
  }
  return out.join('\n\n') + '\n';
}

/** Groups are added online, not by slapadd, so the memberof overlay writes each member's memberOf. */
async function addGroups(admin: Client, users: DirUser[], groups: string[]) {
  for (const g of groups) {
    const members = users.filter((u) => u.groups.includes(g)).map((u) => `uid=${u.uid},ou=people,${SUFFIX}`);
    await admin.add(`cn=${g},ou=groups,${SUFFIX}`, {
      objectClass: 'groupOfNames',
      cn: g,
      // groupOfNames needs at least one member; the root DN stands in for an empty group.
      member: members.length ? members : [ROOT_DN],
    });
  }
}

export async function startSlapd(users: DirUser[], groups: string[]): Promise<Slapd> {
  if (!SLAPD || !SLAPADD || !SCHEMA_DIR) throw new Error('slapd is not installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'knm-slapd-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  const ca = await generateCa('knm-test-ldap-ca');
  const cert = await issueServingCert(ca, '127.0.0.1', ['localhost']);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(path.join(dir, 'cert.pem'), cert.certPem);
  writeFileSync(path.join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      ...['core', 'cosine', 'inetorgperson'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
      ...(MODULE_DIR ? [`modulepath ${MODULE_DIR}`, 'moduleload back_mdb', 'moduleload memberof'] : []),
      `pidfile ${dir}/slapd.pid`,
      `TLSCACertificateFile ${caFile}`,
      `TLSCertificateFile ${dir}/cert.pem`,
      `TLSCertificateKeyFile ${dir}/key.pem`,
      // Passwords are readable by nobody; only a bind may use them. The service account may read the rest.
      'access to attrs=userPassword by anonymous auth by self write by * none',
      `access to * by dn.exact="${SERVICE_DN}" read by self read by * none`,
      'database mdb',
      `suffix "${SUFFIX}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PW}`,
      `directory ${data}`,
      'maxsize 10485760',
      // memberOf on users, kept up to date as groups change (what Active Directory does natively).
      'overlay memberof',
      'memberof-group-oc groupOfNames',
      'memberof-member-ad member',
      'memberof-memberof-ad memberOf',
      'memberof-refint TRUE',
      '',
    ].join('\n'),
  );
  const ldif = path.join(dir, 'data.ldif');
  writeFileSync(ldif, entries(users));
  const add = spawnSync(SLAPADD, ['-f', conf, '-l', ldif], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr}`);

  // Ports are taken from the kernel, released, then given to slapd: a tiny window, acceptable in tests.
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const { server, port } = await listenOn(0);
    ports.push(port);
    await new Promise<void>((r) => server.close(() => r()));
  }
  const url = `ldap://127.0.0.1:${ports[0]}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ports[1]}`;
  const child: ChildProcess = spawn(SLAPD, ['-f', conf, '-h', `${url}/ ${ldapsUrl}/`, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));

  const admin = async () => {
    const c = new Client({ url, timeout: 5000, connectTimeout: 5000 });
    await c.bind(ROOT_DN, ROOT_PW);
    return c;
  };
  // Ready when a bind works (polling a condition, with a deadline).
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`slapd exited: ${stderr}`);
    try {
      const c = await admin();
      await c.unbind();
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`slapd did not start: ${(e as Error).message} ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const c = await admin();
  try {
    await addGroups(c, users, groups);
  } finally {
    await c.unbind();
  }
  return {
    url,
    ldapsUrl,
    caFile,
    admin,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
