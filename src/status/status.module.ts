import { Module } from '@nestjs/common';
import { StatusController } from './status.controller';
import { StatusService } from './status.service';

/** The operator's status page (STATUS_PAGE_ENABLED). */
@Module({ controllers: [StatusController], providers: [StatusService] })
export class StatusModule {}
