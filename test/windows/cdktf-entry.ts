// A Windows entry that pulls in cdktf, for the negative control of the build's cdktf check.
import { App } from 'cdktf';

export async function main(): Promise<number> {
  return new App() ? 0 : 1;
}
