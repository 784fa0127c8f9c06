import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MailModule } from '../mail/mail.module';
import { HealthController } from './health.controller';

/** /healthz and /readyz, composed from the indicators features export. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), MailModule],
  controllers: [HealthController],
})
export class HealthModule {}
