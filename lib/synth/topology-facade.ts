import { Problem, problemsOf } from '../core/errors';
import { FailoverEstimate } from '../model/failover-estimate';
import * as os from 'os';
import { HostSidecar, synthesizeTopology, withoutTokenStackTraces } from './synthesize';
import { buildTopologyApp } from '../topology/topology-app';
import { renderSnippet } from './snippet';
import { snippetKinds } from '../topology/registry';
import { loadTopologyFile, TopologyDocument, validateTopologyDocument } from '../topology/topology';

/** The document after the model checks: every service's pairs and targets built (nothing written). */
function checked(doc: TopologyDocument): TopologyDocument {
  if (doc.services.length > 0 || (doc.clusters ?? []).length > 0 || (doc.webTiers ?? []).length > 0)
    withoutTokenStackTraces(() => buildTopologyApp(doc, { outdir: os.tmpdir() }));
  return doc;
}

/** Options of {@link Topology.synthesize}. */
export interface TopologySynthOptions {
  /** Platforms to render (`azure`, `aws`, `f5`, `haproxy`, ...). @default - every platform in the topology */
  readonly platforms?: string[];
  /** Write into a non-empty folder idha did not write; every file already there is kept. @default false */
  readonly force?: boolean;
}

/** One stack written, and where it keeps its Terraform state. */
export interface SynthesizedStack {
  /** The stack's name, e.g. `identity-ha-azure`. */
  readonly name: string;
  /** The state location, as `idha synth` prints it. */
  readonly state: string;
}

/** What {@link Topology.synthesize} wrote. */
export interface TopologySynthResult {
  /** Files written, relative to the output folder, sorted. */
  readonly files: string[];
  /** The Terraform stacks written, with where each keeps its state. */
  readonly stacks: SynthesizedStack[];
  /** The sidecar to run on each host, from the host plan. */
  readonly hosts: HostSidecar[];
  /** The worst-case failover and failback of every target. */
  readonly estimates: FailoverEstimate[];
  /** What `idha synth` warns about. */
  readonly warnings: string[];
  /** Entries idha did not write that were carried over from the old folder. */
  readonly kept: string[];
}

/**
 * A topology file (the same YAML/JSON as `idha synth --config`), checked against the schema and the
 * model. What the CLI does, for every jsii language:
 *
 * ```ts
 * const topology = Topology.fromFile('examples/iqservice-pair.yaml');
 * const result = topology.synthesize('cdktf.out');
 * ```
 */
export class Topology {
  /**
   * Reads and checks a topology file: the schema, then every service's pair and targets, as
   * `idha synth` does. Throws with every problem found (field, value, allowed, fix).
   */
  public static fromFile(path: string): Topology {
    return new Topology(checked(loadTopologyFile(path)));
  }

  /** Checks a topology given as an object (a parsed YAML/JSON document), as fromFile does. Throws with every problem found. */
  public static fromObject(document: any): Topology {
    return new Topology(checked(validateTopologyDocument(document)));
  }

  /** The problems of a topology document, as data: empty when it is valid. */
  public static validate(document: any): Problem[] {
    return problemsOf(() => checked(validateTopologyDocument(document)));
  }

  /** The `name` of the topology. @default 'identity-ha' */
  public readonly name: string;
  /** The names of its services. */
  public readonly serviceNames: string[];

  private constructor(
    /** @internal */
    public readonly _document: TopologyDocument,
  ) {
    this.name = _document.name ?? 'identity-ha';
    this.serviceNames = _document.services.map((s) => s.name);
  }

  /**
   * Synthesizes into `outDir` with the rules of `idha synth`: state outside the output folder, only a
   * folder idha wrote is replaced, files idha did not write are kept, and a failure leaves the folder
   * as it was.
   */
  public synthesize(outDir: string, options: TopologySynthOptions = {}): TopologySynthResult {
    const r = synthesizeTopology({ topology: this._document, outDir, platforms: options.platforms, force: options.force });
    return {
      files: [...r.files],
      stacks: r.stacks.map((s) => ({ name: s.name, state: s.state })),
      hosts: r.hosts.map((h) => ({ ...h, notes: [...h.notes] })),
      estimates: [...r.estimates],
      warnings: [...r.warnings],
      kept: [...r.kept],
    };
  }
}

/** Paste-ready snippets (`idha snippet`), for every jsii language. */
export class Snippets {
  /** The snippet kinds: `azure`, `aws`, `f5-as3`, `f5-tmsh`, `haproxy`, ... */
  public static kinds(): string[] {
    return snippetKinds();
  }

  /**
   * One snippet of one service, as text.
   * @param service the service to render; required when more than one service has the platform
   */
  public static render(topology: Topology, kind: string, service?: string): string {
    return renderSnippet(topology._document, kind, service);
  }

  private constructor() {}
}
