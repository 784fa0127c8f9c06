import { EventEmitter } from 'node:events';
import type { Job, Worker } from 'bullmq';
import type { JobData, JobResult } from './delivery-job';
import { SentAwaitingMove } from './sent-awaiting-move';

const job = (id: string) => ({ id }) as unknown as Job<JobData, JobResult>;
const result: JobResult = { messageId: '<m@x>', attempts: 1 };
const missing = (id: string, command: string) => new Error(`Missing key for job ${id}. ${command}`);

describe('SentAwaitingMove', () => {
  let worker: EventEmitter;
  let sent: string[];
  let other: string[];
  let moving: SentAwaitingMove;

  beforeEach(() => {
    worker = new EventEmitter();
    sent = [];
    other = [];
    moving = new SentAwaitingMove((j) => sent.push(j.id!));
    moving.watch(worker as unknown as Worker<JobData, JobResult>, (err) => other.push(err.message));
  });

  it('counts a sent job whose key vanished once, and swallows BullMQ retrying it', () => {
    const j = job('a');
    expect(moving.note(j, result)).toBe(result);
    expect(j.returnvalue).toBe(result);
    worker.emit('error', missing('a', 'moveToFinished'));
    worker.emit('error', missing('a', 'moveToDelayed'));
    expect(sent).toEqual(['a']);
    expect(other).toEqual([]);
  });

  it('passes on every other error: other jobs, lost locks, a job already completed', () => {
    moving.note(job('a'), result);
    moving.note(job('b'), result);
    worker.emit('completed', job('b'));
    worker.emit('error', missing('b', 'moveToFinished'));
    worker.emit('error', missing('zzz', 'moveToFinished'));
    worker.emit('error', new Error('Missing lock for job a. moveToFinished'));
    worker.emit('error', new Error('Connection is closed.'));
    expect(sent).toEqual([]);
    expect(other).toEqual([
      'Missing key for job b. moveToFinished',
      'Missing key for job zzz. moveToFinished',
      'Missing lock for job a. moveToFinished',
      'Connection is closed.',
    ]);
  });
});
