import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from './bounce-classifier';
import { parseBounce } from './bounce-report';

const fixture = (name: string) =>
  Buffer.from(
    readFileSync(join(__dirname, '../../../test/fixtures/bounces', name), 'utf8').replace(
      '{{RCPT}}',
      'bounce+00000000-0000-4000-8000-000000000001.0123456789abcdef@bounces.example.com',
    ),
  );

/** Each shape in test/fixtures/bounces (README there cites the RFC sections). */
describe('parseBounce + classify', () => {
  const outcomes = async (name: string) =>
    (await parseBounce(fixture(name))).map((r) => ({
      recipient: r.recipient,
      status: r.status,
      type: classify(r),
    }));

  it('reads an RFC 3464 report: Final-Recipient, Action failed, Status 5.1.1 → hard', async () => {
    const [report] = await parseBounce(fixture('rfc3464-hard.eml'));
    expect(report).toEqual({
      recipient: 'gone@example.org',
      originalRecipient: 'gone@example.org',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown',
    });
    expect(classify(report)).toBe('hard');
  });

  it('classifies Action: delayed as soft', async () => {
    expect(await outcomes('rfc3464-delayed.eml')).toEqual([
      { recipient: 'slow@example.org', status: '4.4.1', type: 'soft' },
    ]);
  });

  it('reads one block per recipient; a relayed one is not a bounce', async () => {
    expect(await outcomes('rfc3464-two-recipients.eml')).toEqual([
      { recipient: 'ok@example.org', status: '2.0.0', type: undefined },
      { recipient: 'Nobody@Example.org', status: '5.1.1', type: 'hard' },
    ]);
  });

  it('treats a full mailbox (X.2.2) as soft even with class 5', async () => {
    expect(await outcomes('rfc3464-mailbox-full.eml')).toEqual([
      { recipient: 'hoarder@example.org', status: '5.2.2', type: 'soft' },
    ]);
  });

  it('reads message/global-delivery-status (RFC 6533) with a UTF-8 address', async () => {
    expect(await outcomes('rfc6533-global.eml')).toEqual([
      { recipient: 'jürgen@bücher.example', status: '5.1.1', type: 'hard' },
    ]);
  });

  it('reads non-standard bounces: Exim X-Failed-Recipients, qmail QSBMF, a provider’s prose', async () => {
    expect(await outcomes('exim-x-failed-recipients.eml')).toEqual([
      { recipient: 'left@example.org', status: '5.1.1', type: 'hard' },
    ]);
    expect(await outcomes('qmail-qsbmf.eml')).toEqual([
      { recipient: 'nobody@example.org', status: '5.1.1', type: 'hard' },
    ]);
    expect(await outcomes('provider-text.eml')).toEqual([
      { recipient: 'vanished@example.org', status: '5.1.1', type: 'hard' },
    ]);
  });

  it('finds nothing to act on in an auto-reply', async () => {
    const reports = await parseBounce(fixture('auto-reply.eml'));
    expect(reports.map(classify).filter((t) => t !== undefined)).toEqual([]);
  });
});
