import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import { TEMPLATE_NAME } from '../../templates/templates.constants';
import { AttachmentDto } from './attachment.dto';
import { IsMailbox } from './mailbox.validator';

export const MAX_RECIPIENTS = 50;
/** RFC 5322 §2.1.1: a line is at most 998 characters. */
export const MAX_SUBJECT_LENGTH = 998;
/** Each of text and html; the body limit (BODY_LIMIT_BYTES) caps the request as a whole. */
export const MAX_BODY_TEXT_LENGTH = 512 * 1024;
export const MAX_ATTACHMENTS = 10;
// eslint-disable-next-line no-control-regex -- NUL is what it refuses
const NO_LINE_BREAKS = /^[^\r\n\u0000\u2028\u2029]*$/;

/** A single address is sugar for a list of one. */
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? [value] : value;

function recipientCount(dto: Partial<SendEmailDto>): number {
  const size = (list: unknown) => (Array.isArray(list) ? list.length : 0);
  return size(dto.to) + size(dto.cc) + size(dto.bcc);
}

/** A length cap that stays silent about non-strings, which IsString reports on its own. */
function AtMostChars(max: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'atMostChars',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be at most ${max} characters` },
      validator: { validate: (value: unknown) => typeof value !== 'string' || value.length <= max },
    });
}

/** to, cc and bcc together: the limit applies to the envelope, not to each field. */
function TotalRecipientsAtMost(max: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'totalRecipientsAtMost',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `to, cc and bcc together must have at most ${max} recipients` },
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          recipientCount(args.object) <= max,
      },
    });
}

/** OpenAPI: one address or a list of them. */
const ADDRESSES = {
  oneOf: [
    { type: 'string', format: 'email' },
    { type: 'array', items: { type: 'string', format: 'email' }, maxItems: MAX_RECIPIENTS },
  ],
};

/** Body of POST /send-email. Unknown properties are rejected (no free-form headers). */
export class SendEmailDto {
  @ApiProperty({
    ...ADDRESSES,
    example: ['ada@example.com'],
    description: 'One address or a list; to+cc+bcc ≤ 50.',
  })
  @Transform(toList)
  @IsArray({ message: 'to must be an email address or a list of them' })
  @ArrayMinSize(1, { message: 'to must name at least one recipient' })
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsMailbox({ each: true })
  @TotalRecipientsAtMost(MAX_RECIPIENTS)
  to!: string[];

  @ApiPropertyOptional({ ...ADDRESSES })
  @IsOptional()
  @Transform(toList)
  @IsArray({ message: 'cc must be an email address or a list of them' })
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsMailbox({ each: true })
  cc?: string[];

  @ApiPropertyOptional({ ...ADDRESSES })
  @IsOptional()
  @Transform(toList)
  @IsArray({ message: 'bcc must be an email address or a list of them' })
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsMailbox({ each: true })
  bcc?: string[];

  /** Defaults to MAIL_FROM. */
  @ApiPropertyOptional({ type: String, format: 'email', description: 'Defaults to MAIL_FROM.' })
  @IsOptional()
  @IsMailbox()
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'email' })
  @IsOptional()
  @IsMailbox()
  replyTo?: string;

  @ApiProperty({ type: String, maxLength: MAX_SUBJECT_LENGTH, example: 'Welcome aboard' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SUBJECT_LENGTH)
  @Matches(NO_LINE_BREAKS, { message: 'subject must not contain line breaks or NUL' })
  subject!: string;

  @ApiPropertyOptional({ type: String, description: 'At least one of text, html, template.' })
  @ValidateIf(
    (dto: SendEmailDto) =>
      dto.text !== undefined || (dto.html === undefined && dto.template === undefined),
  )
  @IsString({
    message: 'text must be a string; at least one of text, html and template is required',
  })
  @AtMostChars(MAX_BODY_TEXT_LENGTH)
  text?: string;

  @ApiPropertyOptional({ type: String })
  @ValidateIf(
    (dto: SendEmailDto) =>
      dto.html !== undefined || (dto.text === undefined && dto.template === undefined),
  )
  @IsString({
    message: 'html must be a string; at least one of text, html and template is required',
  })
  @AtMostChars(MAX_BODY_TEXT_LENGTH)
  html?: string;

  /** TEMPLATES_DIR/<template>.hbs, rendered (strict) into html before queueing; replaces html. */
  @ApiPropertyOptional({
    type: String,
    pattern: TEMPLATE_NAME.source,
    example: 'welcome',
    description: 'TEMPLATES_DIR/<template>.hbs, rendered in strict mode into html before queueing.',
  })
  @IsOptional()
  @IsString()
  @Matches(TEMPLATE_NAME, {
    message: 'template must be a template name (letters, digits, _ and -)',
  })
  template?: string;

  /** Variables for the template. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { name: 'Ada', product: 'Mailwatch', loginUrl: 'https://example.com/login' },
  })
  @ValidateIf((dto: SendEmailDto) => dto.context !== undefined)
  @IsObject({ message: 'context must be an object of template variables' })
  context?: Record<string, unknown>;

  /** Base64 content; the decoded total is capped by MAX_ATTACHMENT_BYTES (MessagePolicy). */
  @ApiPropertyOptional({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        filename: { type: 'string' },
        contentType: { type: 'string' },
        content: { type: 'string', format: 'byte' },
      },
    },
  })
  @IsOptional()
  @IsArray({ message: 'attachments must be a list of {filename, contentType, content}' })
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];
}
