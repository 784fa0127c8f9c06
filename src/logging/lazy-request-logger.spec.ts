import { pino } from 'pino';
import { LazyRequestLogger } from './lazy-request-logger';

function rootWriting(level: string) {
  const lines: Record<string, unknown>[] = [];
  const root = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { root, lines };
}

describe(LazyRequestLogger.name, () => {
  it('writes enabled levels with the request id', () => {
    const { root, lines } = rootWriting('info');
    const sut = new LazyRequestLogger(root, 'req-1');

    sut.info({ emailId: 'e1' }, 'email submitted');
    sut.warn('slow');

    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        requestId: 'req-1',
        emailId: 'e1',
        msg: 'email submitted',
      }),
      expect.objectContaining({ level: 40, requestId: 'req-1', msg: 'slow' }),
    ]);
  });

  it('builds no child logger while nothing at an enabled level is written', () => {
    const { root, lines } = rootWriting('warn');
    const child = jest.spyOn(root, 'child');
    const sut = new LazyRequestLogger(root, 'req-2');

    sut.info('dropped');
    sut.debug('dropped');
    expect(child).not.toHaveBeenCalled();

    sut.error('kept');
    sut.error('kept again');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => l.msg)).toEqual(['kept', 'kept again']);
  });

  it('keeps the request id on loggers derived with child() (PinoLogger.assign)', () => {
    const { root, lines } = rootWriting('info');
    const sut = new LazyRequestLogger(root, 'req-3');

    sut.child({ client: 'billing' }).info('hello');

    expect(lines[0]).toMatchObject({ requestId: 'req-3', client: 'billing', msg: 'hello' });
  });
});
