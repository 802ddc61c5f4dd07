// The chaos run: random actions and faults for a bounded time, invariants checked throughout,
// then the faults stop, the system settles, and every invariant is checked once more. Everything
// random is drawn from one seeded PRNG, so a seed replays the same choices (timing may differ).
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { FaultProxyClient, type ProxyStats } from '../../src/stack/faultproxy.ts';
import type { Stack } from '../../src/stack/index.ts';
import { ClaimWatch } from './claims.ts';
import { createDecoys, snapshotDecoys } from './decoys.ts';
import { FaultInjector } from './faults.ts';
import * as inv from './invariants.ts';
import { OperatorProcess } from './operator.ts';
import { recordSets } from './oracle.ts';
import { Population, type PopulationSize } from './population.ts';
import { Rng } from './prng.ts';
import * as refs from './refinvariants.ts';
import { createOtherTenantAssets, GrantWatch, snapshotOutsideGrant } from './tenant.ts';
import { TcpProxy } from './tcpproxy.ts';
import { createWorld, kubeconfigVia, stackFile, type World } from './world.ts';

export interface ChaosOptions {
  /** A running stack of the run's own: the apiserver is restarted and the cloud proxy faulted. */
  stack: Stack;
  seed: number;
  /** How long actions and faults go on. */
  durationMs: number;
  /** How long the system may take to settle once the faults stop. */
  settleTimeoutMs: number;
  size: PopulationSize;
  /** Pause between starting two actions (drawn between the bounds). */
  actionGapMs?: [number, number];
  /** How often the continuous invariants are checked (default 10 s). */
  checkEveryMs?: number;
  log?: (line: string) => void;
  /** Where every action and fault is written as it happens, with a timestamp (default: nowhere). */
  traceFile?: string;
}

export interface ChaosReport {
  seed: number;
  runId: string;
  durationMs: number;
  actions: Record<string, number>;
  faults: Record<string, number>;
  operatorStarts: number;
  /** Attack slots with an object at the end, per attack: each was checked for its refusal. */
  attacksAtEnd: Record<string, number>;
  /** Continuous checks made while the faults went on, and the final check's sections. */
  checks: { continuous: number; final: string[] };
  /** The dependants at the end by state (Ready or their reason), deletes judged as held while referenced, objects held at the end. */
  references: ReturnType<typeof refs.referencesSummary>;
  /** Claiming Events (Created, Updated, DriftCorrected, Adopted) judged against the cloud, by verdict. */
  claims: ClaimWatch['counts'];
  /** From the faults stopping to every invariant holding; undefined if it never did. */
  convergenceMs: number | undefined;
  proxy: ProxyStats;
  violations: string[];
  logFile: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => {});
  // Actions and faults each draw from their own stream: how fast one goes cannot shift the other's.
  const root = new Rng(o.seed);
  const rng = root.fork(1);
  const faultRng = root.fork(2);
  const runId = `${o.seed.toString(36).slice(-4)}${randomBytes(2).toString('hex')}`;
  log(`seed ${o.seed} (replay: --seed ${o.seed}), run ${runId}, ${o.durationMs / 1000} s of chaos`);
  const w = await createWorld(o.stack, runId);
  await createDecoys(w);
  await createOtherTenantAssets(w);
  const baseline: Baseline = { decoys: await snapshotDecoys(w), outsideGrant: await snapshotOutsideGrant(w) };
  const grantWatch = new GrantWatch(w);
  grantWatch.start();
  const kubeProxy = await TcpProxy.start(Number(new URL(o.stack.kube!.url).port));
  const logFile = stackFile(o.stack, `operator-chaos-${runId}.log`);
  const operator = new OperatorProcess({ kubeconfig: kubeconfigVia(o.stack, kubeProxy.port, stackFile(o.stack, `kubeconfig-chaos-${runId}`)), namespace: w.namespace, logFile });
  const proxy = new FaultProxyClient(o.stack.aws!.proxyEndpoint!);
  await proxy.configure({});
  await proxy.resetStats();
  operator.start();
  const traceFile = o.traceFile ?? stackFile(o.stack, `chaos-${runId}.trace`);
  const trace = (line: string) => appendFileSync(traceFile, `${new Date().toISOString()} ${line}\n`);
  const population = new Population(w, rng, o.size, log, trace);
  if (o.size.refRecords) await population.refs.setup();
  const claims = new ClaimWatch(w, population.slots, population.history);
  claims.start();
  const injector = new FaultInjector({ world: w, rng: faultRng, operator, proxy, kubeProxy, restartApiServer: o.stack.restartApiServer, log, trace });
  const violations = new Set<string>();
  const report = (found: string[]) => found.forEach((v) => (violations.add(v), trace(`VIOLATION ${v}`)));
  population.onReleased = async (slot, policy) => {
    if (policy === 'Delete') report(await inv.goneWithItsObject(w, slot).catch(() => []));
  };
  let continuous = 0;
  try {
    const until = Date.now() + o.durationMs;
    const checking = (async () => {
      while (Date.now() < until) {
        await sleep(o.checkEveryMs ?? 10_000);
        report(await continuousChecks(w, population, baseline, grantWatch, proxy).catch((err: Error) => (log(`continuous check skipped: ${err.message}`), [])));
        continuous++;
      }
    })();
    await Promise.all([drive(population, rng, until, o.actionGapMs ?? [200, 1000]), injector.run(until), checking]);
    const faultsStopped = Date.now();
    log(`faults stopped after ${((faultsStopped - (until - o.durationMs)) / 1000).toFixed(0)} s; settling`);
    const problems = await converge(w, population, faultsStopped + o.settleTimeoutMs);
    const convergenceMs = problems.length ? undefined : Date.now() - faultsStopped;
    report(problems);
    await claims.stop();
    const final = await finalChecks(w, population, baseline, grantWatch, proxy, logFile);
    const references = refs.referencesSummary(w, population, await inv.liveObjects(w));
    final.push({ name: 'no Event claims a change the cloud does not show', violations: [...claims.violations] });
    for (const f of final) report(f.violations);
    return {
      seed: o.seed, runId, durationMs: o.durationMs, actions: population.counts, attacksAtEnd: attacksAtEnd(population), faults: injector.counts, operatorStarts: operator.starts,
      checks: { continuous, final: final.map((f) => `${f.name}: ${f.violations.length ? `${f.violations.length} violation(s)` : 'holds'}`) }, claims: claims.counts,
      convergenceMs, proxy: await proxy.stats(), violations: [...violations], logFile, references,
    };
  } finally {
    await claims.stop();
    await grantWatch.stop();
    await operator.stop();
    await kubeProxy.stop();
    await w.close();
  }
}

function attacksAtEnd(population: Population): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of population.slots) if (s.live && s.attack) out[s.attack] = (out[s.attack] ?? 0) + 1;
  return out;
}

/** Starts actions one after another (several in flight), until `until`; waits for the last. */
async function drive(population: Population, rng: Rng, until: number, gap: [number, number]): Promise<void> {
  const running = new Set<Promise<void>>();
  while (Date.now() < until) {
    const pause = rng.int(gap[0], gap[1]);
    const work = population.next();
    if (work) {
      const p = work.run().finally(() => running.delete(p));
      running.add(p);
    }
    await sleep(pause);
  }
  await Promise.all(running);
}

/** What must stay as it was before the run: the plain decoys, and everything outside the run's grant. */
interface Baseline {
  decoys: Record<string, string>;
  outsideGrant: Record<string, string>;
}

async function continuousChecks(w: World, population: Population, baseline: Baseline, grantWatch: GrantWatch, proxy: FaultProxyClient): Promise<string[]> {
  await inv.collectSecrets(w);
  const live = await inv.liveObjects(w);
  return [
    ...(await refs.heldWhileReferenced(w, population, false)),
    ...(await refs.waitedWithoutWriting(w, population)),
    ...refs.noSecretInConfigMaps(w, await refs.configMaps(w)),
    ...(await inv.decoysUntouched(w, baseline.decoys)),
    ...(await inv.outsideGrantUntouched(w, baseline.outsideGrant)),
    ...inv.grantsHeld(w, live, grantWatch),
    ...inv.reasonsDocumented(live),
    ...inv.noSecretInStatus(w, live),
    ...(await inv.noSecretInEvents(w, w.kc)),
    ...inv.noDuplicates(await inv.ownedThings(w)),
    ...inv.noStorm(await proxy.stats()),
  ];
}

/** Polls until every object settled as the run left it; returns what still does not hold. */
async function converge(w: World, population: Population, deadline: number): Promise<string[]> {
  for (;;) {
    const live = await inv.liveObjects(w);
    const held = refs.heldNow(w, population, live).keys;
    const problems = [
      ...inv.finalizersReleased(population, live, held), ...inv.settled(population, live), ...(await inv.externalMatchesSpec(w, population, false)),
      ...(await referencesSettled(w, population, live)),
    ];
    if (problems.length === 0 || Date.now() > deadline) return problems.map((p) => `did not settle: ${p}`);
    await sleep(2000);
  }
}

/** The reference invariants a settled run holds: dependants follow what they read, holds say InUse, exports match. */
async function referencesSettled(w: World, population: Population, live: inv.Live): Promise<string[]> {
  if (!population.slots.some((s) => s.ref)) return [];
  const cms = await refs.configMaps(w);
  return [
    ...refs.dependantsSettled(w, population, live, cms, await recordSets(w)),
    ...(await refs.heldWhileReferenced(w, population, true)),
    ...refs.exportsMatchStatus(population, live, cms),
  ];
}

async function finalChecks(w: World, population: Population, baseline: Baseline, grantWatch: GrantWatch, proxy: FaultProxyClient, logFile: string): Promise<{ name: string; violations: string[] }[]> {
  await inv.collectSecrets(w);
  const live = await inv.liveObjects(w);
  const owned = await inv.ownedThings(w);
  const held = refs.heldNow(w, population, live);
  const cms = await refs.configMaps(w);
  return [
    { name: 'nothing leaked', violations: inv.noLeaks(w, live, population, owned, held.marks) },
    { name: 'nothing duplicated', violations: inv.noDuplicates(owned) },
    { name: 'unowned decoys untouched', violations: await inv.decoysUntouched(w, baseline.decoys) },
    { name: "nothing outside the run's grant touched (the other tenant's assets, decoys behind a config forbidding adoption)", violations: await inv.outsideGrantUntouched(w, baseline.outsideGrant) },
    { name: 'no config used without its grant (no finalizer ever, no connection)', violations: inv.grantsHeld(w, live, grantWatch) },
    { name: 'Ready, or Degraded as expected, at its generation', violations: inv.settled(population, live) },
    { name: 'every reason documented', violations: inv.reasonsDocumented(live) },
    { name: 'deleted resources gone (finalizers released), unless held while referenced', violations: inv.finalizersReleased(population, live, held.keys) },
    { name: 'dependants follow what they reference (Ready with its value, ReferenceNotReady, ReferenceCycle)', violations: refs.dependantsSettled(w, population, live, cms, await recordSets(w)) },
    { name: 'a dependant that could never resolve wrote nothing', violations: await refs.waitedWithoutWriting(w, population) },
    { name: 'deletes held while referenced (InUse), their things kept', violations: [...(await refs.heldWhileReferenced(w, population, true)), ...(await refs.heldThingsKept(population, (slot) => population.thingExists(slot)))] },
    { name: 'exports match the status', violations: refs.exportsMatchStatus(population, live, cms) },
    { name: 'cycles refused, never looped on', violations: await refs.cyclesNotLooped(w) },
    { name: 'no secret in ConfigMaps', violations: refs.noSecretInConfigMaps(w, cms) },
    { name: 'external state matches the spec (logins work)', violations: await inv.externalMatchesSpec(w, population, true) },
    { name: 'no secret in status', violations: inv.noSecretInStatus(w, live) },
    { name: 'no secret in Events', violations: await inv.noSecretInEvents(w, w.kc) },
    { name: 'no secret in the operator log', violations: inv.noSecretInLog(w, logFile) },
    { name: 'no request storm', violations: inv.noStorm(await proxy.stats()) },
  ];
}

/** The report as markdown: what ran, what was thrown at it, what held. */
export function formatReport(r: ChaosReport): string {
  const table = (counts: Record<string, number>) => Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  const requests = Object.entries(r.proxy.byAction).reduce<Record<string, number>>((acc, [action, n]) => {
    const api = action.split(':')[0]!;
    acc[api] = (acc[api] ?? 0) + n;
    return acc;
  }, {});
  return `# Chaos report

- seed: **${r.seed}** (replay: \`npm run chaos -- --seed ${r.seed} --minutes ${(r.durationMs / 60_000).toFixed(2).replace(/\.?0+$/, '')}\`)
- run id: ${r.runId}; chaos for ${(r.durationMs / 1000).toFixed(0)} s; operator started ${r.operatorStarts} times
- convergence after the faults stopped: ${r.convergenceMs === undefined ? '**did not converge**' : `${(r.convergenceMs / 1000).toFixed(1)} s`}
- result: ${r.violations.length ? `**${r.violations.length} violation(s)**` : 'every invariant held'}

## Actions
| action | count |
| --- | --- |
${table(r.actions)}

## Faults
| fault | count |
| --- | --- |
${table(r.faults)}

## Cloud requests (at the proxy)
| API | requests | peak in one second | limit |
| --- | --- | --- | --- |
${Object.keys(requests).filter((a) => a !== 'moto-api').sort().map((api) => `| ${api} | ${requests[api]} | ${r.proxy.peakPerSecond[api] ?? 0} | ${inv.PEAK_LIMITS[api] ?? '-'} |`).join('\n')}

Injected faults answered: ${JSON.stringify(r.proxy.faults)}

## Invariants
${r.checks.continuous} continuous checks during the faults (decoys, what lies outside the grant, reasons, secrets in status, Events and ConfigMaps, duplicates, request peaks, deletes held while referenced, dependants that could not resolve wrote nothing); then:
${r.checks.final.map((c) => `- ${c}`).join('\n')}

Claiming Events judged against the cloud: ${r.claims.holds} held, ${r.claims.violation} did not, ${r.claims.unjudged} could not be told (the object went, or the run meddled meanwhile).

Dependants at the end, by state: ${JSON.stringify(r.references.dependants)}; deletes judged as held while referenced: ${r.references.holdsJudged}; held at the end: ${r.references.heldAtEnd}.

Attack objects there at the end (each checked for its refusal): ${JSON.stringify(r.attacksAtEnd)}
${r.violations.length ? `\n## Violations\n${r.violations.map((v) => `- ${v}`).join('\n')}\n` : ''}
Operator log: ${r.logFile}
`;
}
