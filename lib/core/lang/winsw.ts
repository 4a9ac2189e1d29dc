import { windowsCommandLine } from './windows-args';
import { xmlCommentText, xmlText } from './xml';

/** One WinSW service definition (https://github.com/winsw/winsw/blob/v2.12.0/doc/xmlConfigFile.md). */
export interface WinswService {
  /** The leading comment, one string per line (without `<!--`/`-->`): what the service is and how to install it. */
  readonly comment: string[];
  /** The service's id (its Windows service name). */
  readonly id: string;
  /** The display name. */
  readonly name: string;
  readonly description: string;
  /** The program, e.g. node.exe or the host kit's idha-shim.exe. */
  readonly executable: string;
  /** Its arguments, quoted for the Windows command line here. */
  readonly arguments: string[];
  /** `Manual`: the service is started by someone else (the failover cluster). @default - Automatic (WinSW's default) */
  readonly startMode?: 'Manual';
  readonly stopTimeoutSeconds: number;
  /** Restart the service 1 s after it fails. @default false */
  readonly restartOnFailure?: boolean;
  /** The rolled log: size of each file in KiB and how many are kept. */
  readonly log: { readonly sizeKiB: number; readonly keepFiles: number };
}

/**
 * The WinSW XML of a service: every value through the XML writers (element text, and the comment,
 * where XML forbids `--`). The shims' host plan, the client proxies' plan and the failover cluster's
 * check watcher use it.
 */
export function winswServiceXml(s: WinswService): string {
  const comment = s.comment.map((l, i) => (i === 0 ? '<!-- ' : '     ') + xmlCommentText(l));
  comment[comment.length - 1] += ' -->';
  return [
    ...comment,
    '<service>',
    `  <id>${xmlText(s.id)}</id>`,
    `  <name>${xmlText(s.name)}</name>`,
    `  <description>${xmlText(s.description)}</description>`,
    `  <executable>${xmlText(s.executable)}</executable>`,
    `  <arguments>${xmlText(windowsCommandLine(s.arguments))}</arguments>`,
    ...(s.startMode ? [`  <startmode>${s.startMode}</startmode>`] : []),
    `  <stoptimeout>${s.stopTimeoutSeconds} sec</stoptimeout>`,
    ...(s.restartOnFailure ? ['  <onfailure action="restart" delay="1 sec"/>'] : []),
    `  <log mode="roll-by-size"><sizeThreshold>${s.log.sizeKiB}</sizeThreshold><keepFiles>${s.log.keepFiles}</keepFiles></log>`,
    '</service>',
    '',
  ].join('\n');
}
