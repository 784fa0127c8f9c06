import { IsBase64, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const MAX_FILENAME_LENGTH = 255;
/** No path separators, no control characters (they end up in a MIME header), not `.`/`..`. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const PLAIN_FILENAME = /^(?!\.{1,2}$)[^/\\\u0000-\u001f\u007f\u2028\u2029]+$/;
/** RFC 6838 type/subtype, no parameters. */
const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** One attachment of POST /send-email; the total decoded size is capped by MAX_ATTACHMENT_BYTES. */
export class AttachmentDto {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_FILENAME_LENGTH)
  @Matches(PLAIN_FILENAME, {
    message: 'filename must be a plain file name: no path separators or control characters',
  })
  filename!: string;

  @IsString()
  @Matches(MEDIA_TYPE, { message: 'contentType must be a media type like application/pdf' })
  contentType!: string;

  @IsString()
  @IsBase64(undefined, { message: 'content must be standard base64 without line breaks' })
  content!: string;
}
