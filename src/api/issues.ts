// A failed zod parse as the text a user reads: every issue with the field it names. The operator,
// the CLI, the SDK and the providers (through the SDK) all say it this one way.

/** What this needs of a zod issue (zod's own type, and anything shaped like it). */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `root.a.0.b: message` per issue; without a root, `a.0.b: message`; an issue about the whole value, `root: message`. */
export function issueLines(issues: readonly IssueLike[], root?: string): string[] {
  return issues.map((issue) => {
    const field = [...(root ? [root] : []), ...issue.path.map(String)].join('.');
    return field ? `${field}: ${issue.message}` : issue.message;
  });
}

/** The issues on one line, `; ` between them. */
export function formatIssues(issues: readonly IssueLike[], root?: string): string {
  return issueLines(issues, root).join('; ');
}
