/** One SMTP reply: its code and the text of each line (multi-line replies keep every line). */
export interface SmtpReply {
  code: number;
  lines: string[];
}

const MAX_REPLY_LINES = 200;
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * Splits what the server sends into replies (RFC 5321 §4.2: `250-…` continues, `250 …`
 * ends). Lenient about a bare LF; strict about the code, since a reply we cannot read means
 * the conversation is no longer in step and the connection must not be reused.
 */
export class ReplyParser {
  private pending = '';
  private lines: string[] = [];

  constructor(
    private readonly onReply: (reply: SmtpReply) => void,
    private readonly onGarbage: (reason: string) => void,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    let start = 0;
    for (;;) {
      const end = this.pending.indexOf('\n', start);
      if (end < 0) break;
      const stop = end > start && this.pending.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (!this.line(this.pending.slice(start, stop))) return;
      start = end + 1;
    }
    this.pending = start === 0 ? this.pending : this.pending.slice(start);
    if (this.pending.length > MAX_PENDING_CHARS) this.fail('reply line too long');
  }

  private line(line: string): boolean {
    const code = line.length >= 3 ? Number(line.slice(0, 3)) : NaN;
    const sep = line.charAt(3);
    if (
      !Number.isInteger(code) ||
      code < 200 ||
      code > 599 ||
      (sep !== ' ' && sep !== '-' && sep !== '')
    ) {
      this.fail('unreadable reply');
      return false;
    }
    this.lines.push(line.slice(4));
    if (sep === '-') {
      if (this.lines.length > MAX_REPLY_LINES) {
        this.fail('reply too long');
        return false;
      }
      return true;
    }
    const reply = { code, lines: this.lines };
    this.lines = [];
    this.onReply(reply);
    return true;
  }

  private fail(reason: string): void {
    this.pending = '';
    this.lines = [];
    this.onGarbage(reason);
  }
}
