import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IdhaValidationError, Problem } from '../core/errors';

/**
 * The output folder `idha synth` writes, and the rules that keep everything else in it safe:
 * - idha replaces only a folder it wrote itself (its `manifest.json` plus {@link OWNER_MARKER});
 * - every file in that folder that idha did not write (Terraform state, `.terraform/`, lock files,
 *   plans, tfvars, anything) survives a re-synth byte for byte, and is moved, never copied;
 * - files idha wrote earlier and no longer writes are removed;
 * - the swap is atomic: on any error, the old folder is left exactly as it was.
 */

/** The marker that says "idha wrote this folder", with the list of files it wrote. */
export const OWNER_MARKER = 'idha-manifest.json';
/** What the marker says its generator is. */
export const GENERATOR = 'identity-ha';
/** Snippet files idha 0.1 wrote before the marker existed (only these count as its own in such a folder). */
const LEGACY_SNIPPET_FILES = ['f5-as3.json', 'f5-tmsh.txt', 'haproxy.cfg'];
/** Names of the staging folders: `.<out>.tmp-<random>` beside the output folder. */
const STAGING_INFIX = '.tmp-';

/** The contents of {@link OWNER_MARKER}. */
export interface OwnerMarker {
  readonly generator: string;
  readonly version: string;
  /** Every file idha wrote, relative to the output folder, with "/" separators; the marker itself is not listed. */
  readonly files: string[];
}

/** An output folder, checked and ready to be replaced. */
export interface OutputTarget {
  /** Absolute path of the output folder. */
  readonly outDir: string;
  /** Whether the folder exists (and is a folder) now. */
  readonly exists: boolean;
  /** Files idha wrote there before (relative, "/"-separated); empty for a new or empty folder. */
  readonly owned: ReadonlySet<string>;
  /** How idha came to own it: a new or empty folder, its marker, idha 0.1's layout, or `--force`. */
  readonly ownership: 'new' | 'marker' | 'legacy' | 'forced';
  /** Things the user should know before anything is written. */
  readonly warnings: string[];
}

/** Options of {@link checkOutputFolder}. */
export interface CheckOutputOptions {
  /** Synthesize into a non-empty folder that idha did not write; its files are kept. @default false */
  readonly force?: boolean;
  /** The folder relative paths are taken from. @default - process.cwd() */
  readonly cwd?: string;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** Whether `inner` is `outer` or lies below it. */
function within(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** A relative, normalized, "/"-separated path that stays inside the folder. */
function isSafeRelative(p: unknown): p is string {
  return (
    typeof p === 'string' &&
    p.length > 0 &&
    !p.startsWith('/') &&
    !p.includes('\\') &&
    !p.includes('\0') &&
    p.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
  );
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    // ENOTDIR: a parent is a file; the caller finds and names it.
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The files an idha marker lists, or undefined when the marker is missing or not one idha wrote. */
function markerFiles(outDir: string): Set<string> | undefined {
  const m = readJson(path.join(outDir, OWNER_MARKER)) as Partial<OwnerMarker> | undefined;
  if (!m || m.generator !== GENERATOR || !Array.isArray(m.files) || !m.files.every(isSafeRelative)) return undefined;
  return new Set(m.files);
}

/** Stack names idha 0.1 gave: `<name>-<platform>`. */
const LEGACY_STACK = /^[a-z][a-z0-9-]*-(azure|aws|f5|azure-traffic-manager|aws-route53)$/;

/**
 * idha 0.1 wrote no marker: its folders hold only manifest.json (cdktf's), stacks/ and snippets/,
 * its stacks are named `<name>-<platform>`, and each stack's backend is the relative local path
 * `terraform.<stack>.tfstate` (a cdktf app of your own writes an absolute one, or another backend,
 * so its output is not mistaken for idha's). Of such a folder, only cdktf's manifest, the stack
 * files it names and the snippet files 0.1 wrote count as idha's; everything else (the state 0.1
 * left inside stack folders) is kept.
 */
function legacyFiles(outDir: string, entries: string[]): Set<string> | undefined {
  if (!entries.includes('manifest.json') || !entries.every((e) => ['manifest.json', 'stacks', 'snippets'].includes(e))) return undefined;
  const manifest = readJson(path.join(outDir, 'manifest.json')) as { stacks?: Record<string, { synthesizedStackPath?: unknown }> } | undefined;
  if (!manifest || typeof manifest.stacks !== 'object' || manifest.stacks === null) return undefined;
  const owned = new Set(['manifest.json']);
  for (const [name, s] of Object.entries(manifest.stacks)) {
    const p = typeof s?.synthesizedStackPath === 'string' ? path.posix.normalize(s.synthesizedStackPath) : undefined;
    if (!isSafeRelative(p) || !p.startsWith('stacks/') || !LEGACY_STACK.test(name)) return undefined;
    const tf = readJson(path.join(outDir, p)) as { terraform?: { backend?: { local?: { path?: unknown } } } } | undefined;
    if (tf?.terraform?.backend?.local?.path !== `terraform.${name}.tfstate`) return undefined;
    owned.add(p);
  }
  const snippets = path.join(outDir, 'snippets');
  if (lstatOrUndefined(snippets)?.isDirectory()) {
    for (const svc of fs.readdirSync(snippets, { withFileTypes: true })) {
      if (!svc.isDirectory()) continue;
      for (const f of LEGACY_SNIPPET_FILES) {
        if (lstatOrUndefined(path.join(snippets, svc.name, f))?.isFile()) owned.add(`snippets/${svc.name}/${f}`);
      }
    }
  }
  return owned;
}

/** Staging folders left by a run that was killed (SIGKILL, power loss) before it could clean up. */
function leftoverStaging(outDir: string): string[] {
  const parent = path.dirname(outDir);
  const prefix = `.${path.basename(outDir)}${STAGING_INFIX}`;
  try {
    return fs
      .readdirSync(parent)
      .filter((n) => n.startsWith(prefix))
      .map((n) => path.join(parent, n));
  } catch {
    return [];
  }
}

/**
 * Checks `--out` before anything is written: refuses the current folder, `/`, the home folder and
 * their ancestors (even with `force`), a file, a symbolic link, a path below a file, and a non-empty
 * folder idha did not write (unless `force`). Throws {@link IdhaValidationError}; touches nothing.
 */
export function checkOutputFolder(out: string, options: CheckOutputOptions = {}): OutputTarget {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const refuse = (p: Omit<Problem, 'field'>): never => {
    throw new IdhaValidationError([{ field: '--out', ...p }]);
  };
  if (out.trim() === '') refuse({ value: out, allowed: 'a folder path', fix: 'name a new or empty folder, e.g. --out cdktf.out' });
  if (/[\u0000-\u001f]/.test(out)) refuse({ value: out, allowed: 'a folder path without control characters' });
  const outDir = path.resolve(cwd, out);
  const home = os.homedir();
  if (outDir === path.parse(outDir).root)
    refuse({ value: out, allowed: 'a folder below the file-system root', fix: 'name a new or empty folder, e.g. --out cdktf.out' });
  if (within(outDir, cwd))
    refuse({
      value: out,
      allowed: 'a folder that does not hold the current folder',
      fix: 'name a new or empty folder below it, e.g. --out cdktf.out (--force does not change this)',
    });
  if (home && within(outDir, home))
    refuse({
      value: out,
      allowed: 'a folder that is not the home folder or above it',
      fix: 'name a new or empty folder, e.g. --out ~/identity-ha/cdktf.out (--force does not change this)',
    });

  const st = lstatOrUndefined(outDir);
  if (st?.isSymbolicLink())
    refuse({ value: out, allowed: 'a folder, not a symbolic link', fix: `name the folder it points to (${fs.readlinkSync(outDir)}) instead` });
  if (st && !st.isDirectory())
    refuse({ value: out, allowed: 'a folder; this names a file', fix: 'name a new or empty folder; the file is left alone' });
  if (!st) {
    for (let up = path.dirname(outDir); ; up = path.dirname(up)) {
      const ust = lstatOrUndefined(up);
      if (ust) {
        if (!fs.statSync(up).isDirectory())
          refuse({
            value: out,
            allowed: 'a path whose parents are folders',
            fix: `${path.relative(cwd, up) || up} is a file; name a folder elsewhere`,
          });
        break;
      }
      if (up === path.dirname(up)) break;
    }
  }

  const warnings = leftoverStaging(outDir).map(
    (d) => `${d} was left by an interrupted idha synth; it may hold files moved out of ${out}: check it, then delete it`,
  );
  if (!st) return { outDir, exists: false, owned: new Set(), ownership: 'new', warnings };
  const entries = fs.readdirSync(outDir);
  if (entries.length === 0) return { outDir, exists: true, owned: new Set(), ownership: 'new', warnings };
  const marked = entries.includes(OWNER_MARKER) && entries.includes('manifest.json') ? markerFiles(outDir) : undefined;
  if (marked) return { outDir, exists: true, owned: marked, ownership: 'marker', warnings };
  const legacy = legacyFiles(outDir, entries);
  if (legacy) return { outDir, exists: true, owned: legacy, ownership: 'legacy', warnings };
  if (!options.force) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, ... (${entries.length} entries)` : '');
    refuse({
      value: out,
      allowed: `a new or empty folder, or one idha wrote (it has manifest.json and ${OWNER_MARKER}); this one holds ${shown}`,
      fix:
        'name a new or empty folder, or add --force to write into it: every file already there is kept, and the synth stops if one is in ' +
        'the way of a file idha writes',
    });
  }
  return { outDir, exists: true, owned: new Set(), ownership: 'forced', warnings };
}

/** A staging folder beside the output folder, and the parent folders created for it. */
export interface Staging {
  readonly dir: string;
  /** The top-most parent folder this run created (removed again if the synth fails), if any. */
  readonly createdParent?: string;
}

/**
 * Creates the staging folder `.<out>.tmp-<random>` beside the output folder (same file system, so
 * the swap is a rename). Its mode follows the umask, like every folder idha writes.
 */
export function createStaging(target: OutputTarget): Staging {
  const parent = path.dirname(target.outDir);
  const createdParent = fs.mkdirSync(parent, { recursive: true }) ?? undefined;
  const dir = path.join(parent, `.${path.basename(target.outDir)}${STAGING_INFIX}${crypto.randomBytes(6).toString('hex')}`);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    removeCreatedParents(createdParent);
    throw e;
  }
  return { dir, createdParent };
}

function removeCreatedParents(createdParent: string | undefined): void {
  if (!createdParent) return;
  // Only the empty folders this run made: pruning stops at the first that holds something.
  try {
    pruneEmptyFolders(createdParent);
  } catch {
    // left as it is: it is empty or holds something that is not ours
  }
}

/** Removes a staging folder that holds only what idha wrote, and the parents created for it. */
export function discardStaging(staging: Staging): void {
  fs.rmSync(staging.dir, { recursive: true, force: true });
  removeCreatedParents(staging.createdParent);
}

/** Writes the ownership marker listing `files` into a staging folder. */
export function writeOwnerMarker(dir: string, version: string, files: readonly string[]): void {
  const marker: OwnerMarker = { generator: GENERATOR, version, files: [...files].sort() };
  fs.writeFileSync(path.join(dir, OWNER_MARKER), JSON.stringify(marker, null, 2) + '\n');
}

/** Every ancestor folder of the given paths ("a/b/c" gives "a" and "a/b"). */
function ancestorsOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/**
 * What in the old folder idha did not write: the largest whole entries (a `.terraform/` folder is
 * one entry) that hold no file idha wrote before or writes now.
 */
export function foreignEntries(outDir: string, owned: ReadonlySet<string>, newFiles: ReadonlySet<string>): string[] {
  const interesting = ancestorsOf([...owned, ...newFiles]);
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(rel ? path.join(outDir, rel) : outDir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && interesting.has(r)) walk(r);
      else if (!e.isDirectory() && (owned.has(r) || (r === OWNER_MARKER && !rel))) continue;
      else found.push(r);
    }
  };
  walk('');
  return found.sort();
}

/** Steps of {@link commitOutput}, in order; a test hook may fail any of them. */
export type CommitStep = 'move-foreign' | 'move-old-aside' | 'move-new-in' | 'remove-old';

/** Options of {@link commitOutput}. */
export interface CommitOptions {
  /** Where each generated stack keeps its state, in words, for the state-inside-output warning. */
  readonly stateOf?: (stack: string) => string;
  /** Called before each step (and before each foreign entry is moved); a throw aborts there. For tests. */
  readonly beforeStep?: (step: CommitStep, detail?: string) => void;
}

/** What {@link commitOutput} did. */
export interface CommitResult {
  /** Entries idha did not write that were carried over, relative to the output folder. */
  readonly kept: string[];
  readonly warnings: string[];
}

/** Problems for files idha did not write that stand where it now writes one. */
function collisions(foreign: readonly string[], newFiles: ReadonlySet<string>): Problem[] {
  const newDirs = ancestorsOf(newFiles);
  return foreign
    .filter((f) => newFiles.has(f) || newDirs.has(f) || [...ancestorsOf([f])].some((a) => newFiles.has(a)))
    .map((f) => ({
      field: '--out',
      value: f,
      allowed: 'no file that idha did not write where idha writes one',
      fix: `move ${f} out of the output folder, then synth again; nothing was changed`,
    }));
}

/** Warnings about kept files: stacks and services no longer generated, state left inside the output. */
function keptWarnings(outLabel: string, foreign: readonly string[], newFiles: ReadonlySet<string>, stateOf?: (stack: string) => string): string[] {
  const warnings: string[] = [];
  const byFolder = new Map<string, string[]>();
  for (const f of foreign) {
    const m = /^(stacks|snippets)\/([^/]+)\//.exec(f);
    if (m) byFolder.set(`${m[1]}/${m[2]}`, [...(byFolder.get(`${m[1]}/${m[2]}`) ?? []), f]);
  }
  const newDirs = ancestorsOf(newFiles);
  for (const [folder, files] of byFolder) {
    const [kind, name] = folder.split('/');
    const shown =
      files
        .slice(0, 3)
        .map((f) => f.slice(folder.length + 1))
        .join(', ') + (files.length > 3 ? `, ... (${files.length})` : '');
    if (!newDirs.has(folder)) {
      warnings.push(
        kind === 'stacks'
          ? `stack ${name} is no longer generated but holds Terraform files (${shown}); run \`terraform destroy\` in ${outLabel}/${folder} ` +
              `or delete it yourself`
          : `service ${name} is no longer generated but ${outLabel}/${folder} holds files idha did not write (${shown}); delete them yourself`,
      );
    } else if (kind === 'stacks') {
      const states = files.filter((f) => /\.tfstate(\.backup)?$/.test(f) && !f.includes('/.terraform/'));
      if (states.length > 0) {
        warnings.push(
          `stack ${name} has Terraform state inside the output folder (${states.map((f) => f.slice(folder.length + 1)).join(', ')}; idha 0.1 ` +
            `kept it there), ` +
            `but its backend now keeps state at ${stateOf?.(name) ?? 'a place outside the output folder'}. If that file is the stack's live ` +
            `state, run \`terraform init -migrate-state\` in ${outLabel}/${folder} before the next plan, so Terraform moves it; the file ` +
            `itself is kept`,
        );
      }
    }
  }
  return warnings;
}

/**
 * Puts a finished staging folder in place of the output folder. Entries idha did not write are
 * moved (renamed) from the old folder into the new one first; then the old folder is renamed aside,
 * the new one renamed into place, and what is left of the old one (only files idha wrote) removed.
 * Any failure before the new folder is in place undoes every move, so the old folder is exactly as
 * it was; the staging folder is then removed only if none of the user's files are in it.
 */
export function commitOutput(target: OutputTarget, staging: Staging, newFileList: readonly string[], options: CommitOptions = {}): CommitResult {
  const step = options.beforeStep ?? (() => undefined);
  const { outDir } = target;
  const outLabel = path.relative(process.cwd(), outDir) || '.';
  const newFiles = new Set([...newFileList, OWNER_MARKER]);
  let foreign: string[];
  let warnings: string[];
  try {
    foreign = target.exists ? foreignEntries(outDir, target.owned, newFiles) : [];
    const clash = collisions(foreign, newFiles);
    if (clash.length > 0) throw new IdhaValidationError(clash, `${outLabel} holds files in the way`);
    warnings = keptWarnings(outLabel, foreign, newFiles, options.stateOf);
  } catch (e) {
    discardStaging(staging);
    throw e;
  }

  const moved: string[] = [];
  const aside = `${staging.dir}.old`;
  let asideDone = false;
  const undo = (cause: unknown): never => {
    const stuck: string[] = [];
    if (asideDone) {
      try {
        fs.renameSync(aside, outDir);
      } catch {
        stuck.push(`the old output folder is at ${aside}`);
      }
    }
    for (const rel of [...moved].reverse()) {
      try {
        fs.renameSync(path.join(staging.dir, rel), path.join(outDir, rel));
      } catch {
        stuck.push(path.join(staging.dir, rel));
      }
    }
    if (stuck.length > 0) {
      // Never delete the staging folder while the user's files may be in it.
      throw new Error(
        `idha synth failed (${(cause as Error).message}) and could not put everything back: ${stuck.join('; ')}. Move these back into ` +
          `${outDir} by hand.`,
      );
    }
    discardStaging(staging);
    throw cause;
  };

  try {
    for (const rel of foreign) {
      step('move-foreign', rel);
      const dest = path.join(staging.dir, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.renameSync(path.join(outDir, rel), dest);
      moved.push(rel);
    }
    if (target.exists) {
      step('move-old-aside');
      fs.renameSync(outDir, aside);
      asideDone = true;
    }
    step('move-new-in');
    fs.renameSync(staging.dir, outDir);
  } catch (e) {
    undo(e);
  }

  if (asideDone) {
    // Only files idha wrote are left there; remove those, and keep (with a warning) anything else.
    try {
      step('remove-old');
      for (const f of [...target.owned, OWNER_MARKER]) fs.rmSync(path.join(aside, f), { force: true });
      pruneEmptyFolders(aside);
      if (fs.existsSync(aside)) warnings.push(`${aside} holds files idha did not write that appeared during the synth; check it, then delete it`);
    } catch (e) {
      warnings.push(
        `the new output is in place, but the previous one could not be removed from ${aside} (${(e as Error).message}); it holds only files ` +
          `idha wrote: delete it`,
      );
    }
  }
  return { kept: foreign, warnings };
}

/** Removes empty folders bottom-up, the folder itself included; stops at anything else. */
function pruneEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!(e.isDirectory() && pruneEmptyFolders(path.join(dir, e.name)))) empty = false;
  }
  if (empty) fs.rmdirSync(dir);
  return empty;
}

/** Lists every file below a folder, relative and "/"-separated, sorted. */
export function listFiles(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => {
      const full = path.join(dir, d.name);
      return d.isDirectory() ? listFiles(full, base) : [toPosix(path.relative(base, full))];
    })
    .sort();
}
