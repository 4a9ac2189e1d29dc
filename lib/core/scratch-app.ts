import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from '../framework/cdktf';

/**
 * An App to build constructs in only to check them (never synthesized). cdktf's App creates its
 * output folder as soon as it exists (`cdktf.out` in the working folder by default), so this one
 * gets a temporary folder, removed at once: checking props never writes into the user's folder.
 */
export function scratchApp(): App {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idha-scratch-'));
  try {
    return new App({ outdir: dir, skipValidation: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
