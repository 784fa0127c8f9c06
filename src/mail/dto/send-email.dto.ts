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
import { ALLOWED_HEADERS, AreAllowedHeaders } from '../headers/custom-headers';
import {
  AreTags,
  IsMetadata,
  MAX_METADATA_KEYS,
  MAX_METADATA_VALUE_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  TAG_PATTERN,
} from '../tags/email-tags';
import { AttachmentDto } from './attachment.dto';
import { IsMailbox } from './mailbox.validator';
import { isCommonSendEmail } from './send-email.precheck';

export const MAX_RECIPIENTS = 50;
/** RFC 5322 §2.1.1: a line is at most 998 characters. */
export const MAX_SUBJECT_LENGTH = 998;
/** Each of text and html; the body limit (BODY_LIMIT_BYTES) caps the request as a whole. */
export const MAX_BODY_TEXT_LENGTH = 512 * 1024;
export const MAX_ATTACHMENTS = 10;
/** C0 and C1 controls (TAB, VT, FF, ESC, NEL, CR, LF, NUL, …), DEL and Unicode line breaks. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

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

const LIMITS = {
  maxRecipients: MAX_RECIPIENTS,
  maxSubjectLength: MAX_SUBJECT_LENGTH,
  maxBodyTextLength: MAX_BODY_TEXT_LENGTH,
  noLineBreaks: NO_CONTROL_CHARACTERS,
};

/** Body of POST /send-email. Unknown properties are rejected; `headers` takes an allow-list only. */
export class SendEmailDto {
  /** The global pipe's fast lane (Prechecked, src/core/validation.ts); errors stay class-validator's. */
  static precheck(value: unknown): boolean {
    return isCommonSendEmail(value, LIMITS);
  }

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
  @Matches(NO_CONTROL_CHARACTERS, {
    message: 'subject must not contain control characters (line breaks, tabs, NUL, ESC, …)',
  })
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

  /** Caller's ids for joining events to their entities; never a metric label. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: MAX_TAG_LENGTH, pattern: TAG_PATTERN.source },
    maxItems: MAX_TAGS,
    uniqueItems: true,
    example: ['invoice', 'tenant-42'],
    description: `Up to ${MAX_TAGS} distinct tags; echoed by GET /emails/{id} and webhooks; filter GET /emails with ?tag=.`,
  })
  @IsOptional()
  @AreTags()
  tags?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: MAX_METADATA_VALUE_LENGTH },
    maxProperties: MAX_METADATA_KEYS,
    example: { invoiceId: 'inv_123' },
    description: `Up to ${MAX_METADATA_KEYS} string entries (keys: letters, digits, _ . -, ≤ 40 characters); echoed like tags.`,
  })
  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'object',
    properties: Object.fromEntries(ALLOWED_HEADERS.map((name) => [name, { type: 'string' }])),
    additionalProperties: false,
    example: {
      'List-Unsubscribe': '<https://example.com/unsubscribe/abc>, <mailto:unsub@example.com>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    description:
      'Only List-Unsubscribe, List-Unsubscribe-Post (RFC 8058), In-Reply-To and References; printable ASCII on one line.',
  })
  @IsOptional()
  @AreAllowedHeaders()
  headers?: Record<string, string>;
}
