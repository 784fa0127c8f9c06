import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { StatusOperations } from './status-operations';
import { StatusAuthGuard } from './status-auth.guard';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

/** The operator's status page (STATUS_PAGE_ENABLED); relays and dead letters from the mail feature. */
@Module({
  imports: [MailModule],
  controllers: [StatusController],
  providers: [StatusService, StatusAuthGuard, StatusOperations],
})
export class StatusModule {}
