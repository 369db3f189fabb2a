// Base error class. Every failure family gets a subclass with a stable `code` (part of the public API:
// callers and metrics switch on it). Decoders also report the byte offset where input went wrong.
export class GossamerError extends Error {
  readonly code: string;
  readonly offset: number | undefined;
  constructor(code: string, message: string, options?: { cause?: unknown; offset?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.offset = options?.offset;
  }
}
