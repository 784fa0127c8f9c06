import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MailModule } from '../mail/mail.module';
import { HealthController } from './health.controller';
import { QueueHealthIndicator } from './queue.health';
import { TransportHealthIndicator } from './transport.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), MailModule],
  controllers: [HealthController],
  providers: [TransportHealthIndicator, QueueHealthIndicator],
})
export class HealthModule {}
