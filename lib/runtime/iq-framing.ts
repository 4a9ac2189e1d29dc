/**
 * The request framing the IQService stand-in uses: an 8-byte ASCII decimal length header
 * (zero-padded) followed by that many payload bytes. Answers use the same framing. A connection that
 * ends without a well-formed header is what IQService logs as a malformed request.
 */
export const HEADER_BYTES = 8;
export const MAX_PAYLOAD = 64 * 1024 * 1024;

export function frame(payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new Error(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  return Buffer.concat([Buffer.from(String(payload.length).padStart(HEADER_BYTES, '0'), 'ascii'), payload]);
}

/** Parses a header; undefined when it is not a valid length. */
export function parseHeader(header: Buffer): number | undefined {
  const text = header.toString('latin1');
  if (!/^[0-9]{8}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_PAYLOAD ? n : undefined;
}

/** Incremental frame reader: push chunks, get complete payloads. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need: number | undefined;
  /** Set once an invalid header was seen. */
  public invalid = false;

  /** Bytes received that are not yet part of a complete frame. */
  public get pending(): number {
    return this.buffered;
  }

  public push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (this.invalid) return out;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.need === undefined) {
        if (this.buffered < HEADER_BYTES) break;
        const all = this.take(HEADER_BYTES);
        const n = parseHeader(all);
        if (n === undefined) {
          this.invalid = true;
          break;
        }
        this.need = n;
      }
      if (this.buffered < this.need) break;
      out.push(this.take(this.need));
      this.need = undefined;
    }
    return out;
  }

  /** True when the stream stopped at a frame boundary. */
  public get atBoundary(): boolean {
    return !this.invalid && this.need === undefined && this.buffered === 0;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return Buffer.from(head);
  }
}
