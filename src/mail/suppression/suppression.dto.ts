import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsMailbox } from '../dto/mailbox.validator';

// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const ONE_LINE = /^[^\u0000-\u001f\u007f]*$/;
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** POST /suppressions. */
export class AddSuppressionDto {
  @ApiProperty({ type: String, format: 'email', example: 'gone@example.com' })
  @IsMailbox()
  address!: string;

  @ApiPropertyOptional({ type: String, maxLength: 200, example: 'asked to stop on the phone' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(ONE_LINE, { message: 'reason must be one line without control characters' })
  reason?: string;

  /** Operators only: whose list (default: the caller's). */
  @ApiPropertyOptional({ type: String, description: "Operators only: another client's list." })
  @IsOptional()
  @Matches(CLIENT_ID, { message: 'client must be a client id (≤ 64 of A-Z a-z 0-9 . _ : -)' })
  client?: string;
}

/** GET /suppressions. */
export class ListSuppressionsQueryDto {
  @ApiPropertyOptional({ type: Number, minimum: 1, maximum: 500, example: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 500' })
  @Min(1, { message: 'limit must be an integer from 1 to 500' })
  @Max(500, { message: 'limit must be an integer from 1 to 500' })
  limit: number = 100;

  @ApiPropertyOptional({ type: String, description: 'The `next` of the previous page.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,1200}$/, { message: 'cursor must be the next of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: String, description: "Operators only: one client's list." })
  @IsOptional()
  @Matches(CLIENT_ID, { message: 'client must be a client id (≤ 64 of A-Z a-z 0-9 . _ : -)' })
  client?: string;
}

/** DELETE/GET /suppressions/:address. */
export class SuppressionTargetQueryDto {
  @ApiPropertyOptional({ type: String, description: "Operators only: another client's list." })
  @IsOptional()
  @Matches(CLIENT_ID, { message: 'client must be a client id (≤ 64 of A-Z a-z 0-9 . _ : -)' })
  client?: string;
}
