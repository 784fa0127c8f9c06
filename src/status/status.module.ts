import { Module } from '@nestjs/common';
import { StatusAuthGuard } from './status-auth.guard';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

/** The operator's status page (STATUS_PAGE_ENABLED). */
@Module({ controllers: [StatusController], providers: [StatusService, StatusAuthGuard] })
export class StatusModule {}
