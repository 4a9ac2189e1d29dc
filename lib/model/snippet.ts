/** A paste-ready piece of configuration for a console the user already runs. */
export interface Snippet {
  /** Snippet kind as used by `idha snippet <kind>`, e.g. `f5-as3`. */
  readonly kind: string;
  /** File name under `snippets/<service>/`. */
  readonly fileName: string;
  /** The file's content. */
  readonly content: string;
  /** Written with mode 0755 (a script or an agent run as a program). @default false: mode 0644 (less the umask) */
  readonly executable?: boolean;
  /** The node this file is for, when each node of a cluster gets its own. @default - every node */
  readonly node?: string;
}
