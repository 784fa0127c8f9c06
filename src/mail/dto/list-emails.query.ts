import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { RELAY_NAME } from '../../config/smtp-relays';
import { FAILURE_REASONS, type FailureReason } from '../delivery/delivery-error';
import { MAX_TAG_LENGTH, TAG_PATTERN } from '../tags/email-tags';

export const LISTED_STATUSES = ['queued', 'deferred', 'sending', 'failed'] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;
/** Largest page of GET /emails, and most emails one POST /emails/redrive re-drives. */
export const MAX_PAGE = 500;
export const MAX_REDRIVE = 1000;

/** Filters shared by the listing and the bulk re-drive. */
export class BacklogFilterDto {
  /** Operators: one client's emails (default every client's). Client keys: their own only. */
  @ApiPropertyOptional({ type: String, description: "Operators only: another client's emails." })
  @IsOptional()
  @Matches(CLIENT_ID, { message: 'client must be a client id (≤ 64 of A-Z a-z 0-9 . _ : -)' })
  client?: string;

  @ApiPropertyOptional({ type: String, example: 'invoice' })
  @IsOptional()
  @MaxLength(MAX_TAG_LENGTH, { message: `tag must be at most ${MAX_TAG_LENGTH} characters` })
  @Matches(TAG_PATTERN, { message: 'tag may hold only letters, digits and _ . : -' })
  tag?: string;

  /** The `relay` label of the last attempt's answer. */
  @ApiPropertyOptional({ type: String, example: 'primary' })
  @IsOptional()
  @Matches(RELAY_NAME, { message: 'relay must be a relay name (as in SMTP_URL)' })
  relay?: string;

  /** `lastError.code`: why the last attempt failed. */
  @ApiPropertyOptional({ enum: FAILURE_REASONS })
  @IsOptional()
  @IsIn(FAILURE_REASONS, { message: `reason must be one of ${FAILURE_REASONS.join(', ')}` })
  reason?: FailureReason;

  /** Only emails accepted at least this many seconds ago. */
  @ApiPropertyOptional({ type: Number, minimum: 0, example: 3600 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'olderThan must be a whole number of seconds (0 or more)' })
  @Min(0, { message: 'olderThan must be a whole number of seconds (0 or more)' })
  @Max(31_536_000, { message: 'olderThan must be at most 31536000 seconds (a year)' })
  olderThan?: number;

  @ApiPropertyOptional({ type: String, description: 'The `next` of the previous answer.' })
  @IsOptional()
  @Matches(CURSOR, { message: 'cursor must be the next of a previous answer' })
  cursor?: string;
}

/** Query of GET /emails: one status, filters, a page. */
export class ListEmailsQueryDto extends BacklogFilterDto {
  @ApiProperty({ enum: LISTED_STATUSES })
  @IsIn(LISTED_STATUSES, { message: `status must be one of ${LISTED_STATUSES.join(', ')}` })
  status!: ListedStatus;

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_PAGE, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_PAGE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_PAGE}` })
  @Max(MAX_PAGE, { message: `limit must be an integer from 1 to ${MAX_PAGE}` })
  limit: number = 50;
}

/** Body of POST /emails/redrive: failed emails matching the filters, at most `limit`. */
export class RedriveDto extends BacklogFilterDto {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: MAX_REDRIVE, example: 100 })
  @IsOptional()
  @IsInt({ message: `limit must be an integer from 1 to ${MAX_REDRIVE}` })
  @Min(1, { message: `limit must be an integer from 1 to ${MAX_REDRIVE}` })
  @Max(MAX_REDRIVE, { message: `limit must be an integer from 1 to ${MAX_REDRIVE}` })
  limit: number = 100;

  /** Count what would be re-driven; change nothing. */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun: boolean = false;
}
