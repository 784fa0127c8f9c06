import { Injectable } from '@nestjs/common';

export type QueueStateCounts = Partial<Record<'waiting' | 'active' | 'delayed' | 'failed', number>>;

/**
 * Where scrape-time queue gauges read from. The queue driver registers its readers at
 * start-up; the metrics module stays unaware of which driver is running.
 */
@Injectable()
export class QueueDepth {
  private sizeReader: () => number | Promise<number> = () => 0;
  private statesReader?: () => Promise<QueueStateCounts>;

  setSizeReader(reader: () => number | Promise<number>): void {
    this.sizeReader = reader;
  }

  setStatesReader(reader: () => Promise<QueueStateCounts>): void {
    this.statesReader = reader;
  }

  size(): number | Promise<number> {
    return this.sizeReader();
  }

  states(): Promise<QueueStateCounts> {
    return this.statesReader ? this.statesReader() : Promise.resolve({});
  }
}
