import { closeSync, openSync, readSync } from 'node:fs';
import { ResultsError } from '../kernel/errors.js';

/**
 * The XML half of the streaming result reader: scans the bytes of each read chunk for tags,
 * comments and CDATA, checks that elements nest, and tells a handler what it found. It knows
 * nothing of test reports. It refuses any DOCTYPE, so no DTD, entity expansion or external
 * entity is ever processed; text nobody wants is never decoded.
 */
export interface XmlHandler {
  /** A start tag: `raw` is what lies between `<` and `>` (or `/>`), `nameEnd` where its name ends. */
  start(name: string, raw: string, nameEnd: number, selfClosing: boolean): void;
  end(name: string): void;
  /** Whether text is wanted at this point: unwanted text is skipped without decoding. */
  wantsText(): boolean;
  text(decoded: string): void;
}

const LT = 0x3c; // <
const GT = 0x3e; // >
const QUOT = 0x22; // "
const APOS = 0x27; // '
const AMP = 0x26; // &
const MAX_TAG_BYTES = 1024 * 1024;
const MAX_DEPTH = 256;
/** 64 KiB reads keep peak memory flat (larger chunks leave more garbage between collections). */
export const CHUNK = 64 * 1024;

export class XmlTokenizer {
  /** The open elements, outermost first. */
  readonly stack: string[] = [];
  private root: string | null = null;
  private carry: Buffer | null = null;
  private inCdata = false;
  private inComment = false;
  private finished = false;
  // Lines are counted only when there is an error to place: counting them costs on every tag.
  private bufStart = 0;
  private position = 0;

  constructor(
    private readonly file: string,
    private readonly handler: XmlHandler,
    private readonly chunkBytes = CHUNK,
  ) {}

  /** Throws a ResultsError that names the file and the line being read. */
  readonly fail = (what: string): never => {
    throw new ResultsError(`${this.file}: ${what} (near line ${lineAt(this.file, this.bufStart + this.position)})`);
  };

  /** Reads the file to the end of its root element; `afterChunk` is awaited after each read. */
  async run(afterChunk: () => Promise<void> | void): Promise<void> {
    // Read with synchronous reads into one buffer, not through a read stream or promise reads:
    // each asynchronous read is a round trip through libuv's thread pool, and on a busy machine
    // every one waits for a core, which made a 10,000-case `tdl results` wait more than it worked
    // (issue 18). A 64 KiB read of a local file blocks for microseconds; the consumer still holds
    // the reading back through `afterChunk`. Reusing the buffer is safe: what is kept across reads
    // (carry) is a copy, and everything handed on is a string.
    const fd = openSync(this.file, 'r');
    const block = Buffer.allocUnsafe(this.chunkBytes);
    let consumed = 0;
    let first = true;
    try {
      for (;;) {
        const bytesRead = readSync(fd, block, 0, block.length, null);
        if (bytesRead === 0) break;
        const chunk = block.subarray(0, bytesRead);
        this.bufStart = consumed - (this.carry?.length ?? 0);
        consumed += bytesRead;
        const buf: Buffer = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
        this.carry = null;
        this.position = 0;
        this.scan(buf, first ? this.prolog(buf) : 0);
        first = false;
        await afterChunk();
        if (this.finished) break;
      }
    } finally {
      closeSync(fd);
    }
    if (this.root === null) this.fail('no root element: not a test report');
    if (this.stack.length > 0 || this.inCdata || this.inComment) this.fail(`ends inside <${this.stack.at(-1) ?? 'CDATA'}>: truncated`);
  }

  /** A BOM, then optional whitespace, then '<': anything else is not XML. Returns where to start. */
  private prolog(buf: Buffer): number {
    let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
    if (i < buf.length && buf[i] !== LT) this.fail('does not start with "<": not XML, not a test report');
    return i;
  }

  /** Keeps the bytes from `from` for the next chunk and ends this one. */
  private keep(buf: Buffer, from: number): number {
    this.carry = Buffer.from(buf.subarray(from));
    return buf.length;
  }

  private scan(buf: Buffer, start: number): void {
    const n = buf.length;
    let i = start;
    while (i < n && !this.finished) {
      if (this.inComment) i = this.skipComment(buf, i);
      else if (this.inCdata) i = this.readCdata(buf, i);
      else i = this.readTextAndTag(buf, i);
    }
  }

  private skipComment(buf: Buffer, i: number): number {
    const end = buf.indexOf('-->', i, 'latin1');
    if (end < 0) return this.keep(buf, Math.max(i, buf.length - 2));
    this.inComment = false;
    return end + 3;
  }

  private readCdata(buf: Buffer, i: number): number {
    const end = buf.indexOf(']]>', i, 'latin1');
    const stop = end < 0 ? Math.max(i, buf.length - 2) : end;
    if (this.handler.wantsText()) this.handler.text(buf.toString('utf8', i, stop));
    if (end < 0) return this.keep(buf, stop);
    this.inCdata = false;
    return end + 3;
  }

  /** Text up to the next '<', then the tag, comment or CDATA it opens. */
  private readTextAndTag(buf: Buffer, i: number): number {
    const n = buf.length;
    const lt = buf.indexOf(LT, i);
    const textEnd = lt < 0 ? n : lt;
    this.position = i;
    if (textEnd > i) {
      if (this.handler.wantsText()) {
        let stop = textEnd;
        if (lt < 0) {
          // Keep a reference cut by the chunk boundary (&am|p;) for the next round.
          const amp = buf.lastIndexOf(AMP, textEnd - 1);
          if (amp >= i && textEnd - amp < 12 && buf.indexOf(0x3b, amp) < 0) stop = amp;
        }
        this.handler.text(decodeEntities(buf.toString('utf8', i, stop)));
        if (stop < textEnd) return this.keep(buf, stop);
      } else if (this.root === null && buf.subarray(i, textEnd).some((b) => b > 0x20)) {
        this.fail('text before the root element: not a test report');
      }
    }
    if (lt < 0) return n;
    return this.readMarkup(buf, lt);
  }

  private readMarkup(buf: Buffer, lt: number): number {
    const next = buf[lt + 1];
    if (next === undefined) return this.keep(buf, lt);
    if (next === 0x21 /* ! */) {
      if (buf.length - lt < 9) return this.keep(buf, lt);
      if (buf.toString('latin1', lt, lt + 4) === '<!--') {
        this.inComment = true;
        return lt + 4;
      }
      if (buf.toString('latin1', lt, lt + 9) === '<![CDATA[') {
        this.inCdata = true;
        return lt + 9;
      }
      this.fail('declares a DOCTYPE or DTD: refused (no DTD processing, so no entity expansion or external entities)');
    }
    const end = findTagEnd(buf, lt + 1);
    if (end === -2) this.fail('a tag that is never closed: not well-formed XML');
    if (end < 0) {
      if (buf.length - lt > MAX_TAG_BYTES) this.fail(`a tag longer than ${MAX_TAG_BYTES} bytes`);
      return this.keep(buf, lt);
    }
    this.position = lt;
    if (next === 0x3f /* ? */) return end + 1;
    if (next === 0x2f /* / */) this.endTag(buf.toString('utf8', lt + 2, end).trim());
    else this.startTag(buf, lt, end);
    // The root closed: what follows (whitespace, comments) is not ours to read.
    if (this.root !== null && this.stack.length === 0) this.finished = true;
    return end + 1;
  }

  private startTag(buf: Buffer, lt: number, end: number): void {
    const selfClosing = buf[end - 1] === 0x2f;
    const raw = buf.toString('utf8', lt + 1, selfClosing ? end - 1 : end);
    const c0 = raw.charCodeAt(0);
    if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) this.fail(`"<${raw.slice(0, 20)}" is not a tag: not XML`);
    // The name ends at the first whitespace or '/': a loop, not a regular expression per tag.
    let sp = 1;
    while (sp < raw.length) {
      const c = raw.charCodeAt(sp);
      if (c === 0x2f || isSpace(c)) break;
      sp++;
    }
    const name = sp === raw.length ? raw : raw.slice(0, sp);
    this.root ??= name;
    this.handler.start(name, raw, sp, selfClosing);
    if (!selfClosing) {
      if (this.stack.length >= MAX_DEPTH) this.fail(`elements nested deeper than ${MAX_DEPTH}`);
      this.stack.push(name);
    }
  }

  private endTag(name: string): void {
    const open = this.stack.pop();
    if (open !== name) this.fail(`</${name}> closes <${open ?? 'nothing'}>: not well-formed XML`);
    this.handler.end(name);
  }
}

/**
 * The '>' that ends the tag starting at `from`, skipping quoted attribute values; -1 if not in
 * `buf`, -2 at a '<' outside quotes. One pass over the bytes: jumping from quote to quote with
 * Buffer#indexOf was two native calls an attribute, a fifth of the reading (issue 18).
 */
function findTagEnd(buf: Buffer, from: number): number {
  const n = buf.length;
  let quote = 0;
  for (let k = from; k < n; k++) {
    const b = buf[k]!;
    if (quote !== 0) {
      if (b === quote) quote = 0;
    } else if (b === GT) return k;
    else if (b === QUOT || b === APOS) quote = b;
    // A tag opened inside a tag is not well-formed, once a '>' shows it was not cut by the read.
    else if (b === LT) return buf.indexOf(GT, k + 1) < 0 ? -1 : -2;
  }
  return -1;
}

/** The 1-based line of a byte offset, read from the file again: only for error messages. */
function lineAt(file: string, offset: number): number {
  const fd = openSync(file, 'r');
  try {
    const block = Buffer.alloc(64 * 1024);
    let line = 1;
    for (let at = 0; at < offset; ) {
      const n = readSync(fd, block, 0, Math.min(block.length, offset - at), at);
      if (n <= 0) break;
      for (let j = block.indexOf(0x0a, 0); j >= 0 && j < n; j = block.indexOf(0x0a, j + 1)) line++;
      at += n;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the attributes of a start tag lie in `raw`, from `from` on: four numbers an attribute in
 * `spans` (name start, name end, value start, value end; the value without its quotes, not yet
 * decoded). Returns how many were found. Readers that know which attributes they want compare
 * the names in place and slice only those values: an object per tag, keyed by fresh strings, was
 * the largest cost of reading a file (issue 18).
 */
export function scanAttributes(raw: string, from: number, spans: AttributeSpans): number {
  let count = 0;
  let i = from;
  const n = raw.length;
  while (i < n) {
    const eq = raw.indexOf('=', i);
    if (eq < 0) break;
    // The name, trimmed as String#trim trims.
    let ns = i;
    let ne = eq;
    while (ns < ne && isSpace(raw.charCodeAt(ns))) ns++;
    while (ne > ns && isSpace(raw.charCodeAt(ne - 1))) ne--;
    let q = eq + 1;
    while (q < n && raw.charCodeAt(q) <= 0x20) q++;
    const quote = raw.charCodeAt(q);
    if (quote !== QUOT && quote !== APOS) break;
    const close = raw.indexOf(quote === QUOT ? '"' : "'", q + 1);
    if (close < 0) break;
    spans.put(count++, ns, ne, q + 1, close);
    i = close + 1;
  }
  return count;
}

/** The positions scanAttributes finds, in one reused array that grows with the widest tag. */
export class AttributeSpans {
  at = new Int32Array(4 * 32);

  put(k: number, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    if (4 * k + 4 > this.at.length) {
      const wider = new Int32Array(this.at.length * 2);
      wider.set(this.at);
      this.at = wider;
    }
    const at = this.at;
    at[4 * k] = nameStart;
    at[4 * k + 1] = nameEnd;
    at[4 * k + 2] = valueStart;
    at[4 * k + 3] = valueEnd;
  }

  /** Whether attribute `k`'s name is `name`. */
  is(raw: string, k: number, name: string): boolean {
    return this.at[4 * k + 1]! - this.at[4 * k]! === name.length && raw.startsWith(name, this.at[4 * k]!);
  }

  /** Attribute `k`'s value, entities decoded. */
  value(raw: string, k: number): string {
    return decodeEntities(raw.slice(this.at[4 * k + 2]!, this.at[4 * k + 3]!));
  }
}

const SPANS = new AttributeSpans();

/** name="value" pairs of a start tag from `from` on, values decoded; a repeated name keeps its last value. */
export function parseAttributes(raw: string, from: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  const count = scanAttributes(raw, from, SPANS);
  for (let k = 0; k < count; k++) attrs[raw.slice(SPANS.at[4 * k]!, SPANS.at[4 * k + 1]!)] = SPANS.value(raw, k);
  return attrs;
}

/** White space as String#trim and the regular expression \s know it. */
export function isSpace(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and character references; anything else is left as written. */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#x([0-9a-f]{1,6})|#(\d{1,7})|(lt|gt|amp|quot|apos));/gi, (m, hex: string, dec: string, named: string) => {
    if (named) return NAMED[named.toLowerCase()] ?? m;
    const code = hex ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : m;
  });
}
