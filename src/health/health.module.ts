import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MailModule } from '../mail/mail.module';
import { HealthController } from './health.controller';

/** /healthz and /readyz, composed from the indicators features export. */
@Module({
  imports: [
    // No line per failed probe (12/min/pod in an outage): ReadinessLog logs each change once.
    TerminusModule.forRoot({ logger: false }),
    MailModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
