import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

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
}
