import { ReplyParser, type SmtpReply } from './smtp-reply';

describe('ReplyParser', () => {
  function parse(chunks: string[]) {
    const replies: SmtpReply[] = [];
    const garbage: string[] = [];
    const parser = new ReplyParser(
      (r) => replies.push(r),
      (why) => garbage.push(why),
    );
    chunks.forEach((c) => parser.push(c));
    return { replies, garbage };
  }

  it('joins multi-line replies and splits pipelined ones, across chunk boundaries', () => {
    const { replies, garbage } = parse([
      '250-host\r\n250-PIPE',
      'LINING\r\n250 SIZE 10\r\n25',
      '0 OK\r\n354 go\n',
    ]);
    expect(garbage).toEqual([]);
    expect(replies).toEqual([
      { code: 250, lines: ['host', 'PIPELINING', 'SIZE 10'] },
      { code: 250, lines: ['OK'] },
      { code: 354, lines: ['go'] },
    ]);
  });

  it('reports a reply it cannot read and stops', () => {
    const { replies, garbage } = parse(['HTTP/1.1 400 Bad\r\n250 OK\r\n']);
    expect(garbage).toEqual(['unreadable reply']);
    expect(replies).toEqual([]);
  });

  it('bounds a line that never ends', () => {
    expect(parse(['250 ' + 'x'.repeat(70_000)]).garbage).toEqual(['reply line too long']);
  });
});
