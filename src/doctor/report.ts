// What one doctor check found, and how the command prints it: a line per check, `ok` or `FAIL`,
// and under a failure what to do about it.

export interface Finding {
  /** What was checked, e.g. `crds` or `providerconfig/aws`. */
  check: string;
  ok: boolean;
  /** What was seen. Never a secret value. */
  detail: string;
  /** With a failure or a warning: what to do next. */
  fix?: string;
  /** Works, but an admin should look: printed as `warn`, not counted as a failure. */
  warn?: boolean;
}

export const ok = (check: string, detail: string): Finding => ({ check, ok: true, detail });
export const fail = (check: string, detail: string, fix: string): Finding => ({ check, ok: false, detail, fix });
export const warn = (check: string, detail: string, fix: string): Finding => ({ check, ok: true, warn: true, detail, fix });

export function formatFinding(f: Finding, width: number): string {
  const head = `  ${f.ok ? (f.warn ? 'warn' : 'ok  ') : 'FAIL'}  ${f.check.padEnd(width)}  ${f.detail}`;
  return f.fix ? `${head}\n  ${' '.repeat(width + 8)}fix: ${f.fix}` : head;
}

export function formatReport(findings: Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const checks = findings.filter((f) => !f.warn);
  const failed = checks.filter((f) => !f.ok).length;
  const warnings = findings.length - checks.length;
  const summary = (failed ? `${failed} of ${checks.length} checks failed.` : `all ${checks.length} checks passed.`) + (warnings ? ` ${warnings} warning${warnings === 1 ? '' : 's'}.` : '');
  return `${findings.map((f) => formatFinding(f, width)).join('\n')}\n${summary}`;
}
