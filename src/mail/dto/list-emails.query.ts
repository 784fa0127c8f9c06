import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_TAG_LENGTH, TAG_PATTERN } from '../tags/email-tags';

/** Query of GET /emails: only dead letters are listed. */
export class ListEmailsQueryDto {
  @ApiProperty({ enum: ['failed'] })
  @IsIn(['failed'], { message: 'status=failed is required (only dead letters are listed)' })
  status!: 'failed';

  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 100, example: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit: number = 50;

  /** Only emails carrying this tag (among the newest TAG_SCAN_WINDOW dead letters). */
  @ApiPropertyOptional({ type: String, maxLength: MAX_TAG_LENGTH, example: 'invoice' })
  @IsOptional()
  @MaxLength(MAX_TAG_LENGTH, { message: `tag must be at most ${MAX_TAG_LENGTH} characters` })
  @Matches(TAG_PATTERN, { message: 'tag may hold only letters, digits and _ . : -' })
  tag?: string;
}
