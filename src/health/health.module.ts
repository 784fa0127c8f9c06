import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MailModule } from '../mail/mail.module';
import { HealthController } from './health.controller';

/** /healthz and /readyz, composed from the indicators features export. */
@Module({
  imports: [
    // 'json': a failing check is one log line, not a multi-line box inside a JSON message.
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
    MailModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
