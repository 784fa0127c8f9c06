import { IsBase64, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const MAX_FILENAME_LENGTH = 255;
/**
 * No path separators or characters drawn like one (⁄ ∕ ／ ⧸ ＼ ⧵ ⧹ ﹨), no control characters
 * (they end up in a MIME header), no bidirectional controls (`invoice\u202Efdp.exe` is shown as
 * "invoiceexe.pdf"), not `.`/`..`.
 */
const PLAIN_FILENAME =
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  /^(?!\.{1,2}$)[^/\\\u2044\u2215\uff0f\u29f8\uff3c\u29f5\u29f9\ufe68\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$/;
/** RFC 6838 type/subtype, no parameters. */
const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** One attachment of POST /send-email; the total decoded size is capped by MAX_ATTACHMENT_BYTES. */
export class AttachmentDto {
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_FILENAME_LENGTH)
  @Matches(PLAIN_FILENAME, {
    message:
      'filename must be a plain file name: no path separators (or lookalikes), control or bidirectional characters',
  })
  filename!: string;

  @IsString()
  @Matches(MEDIA_TYPE, { message: 'contentType must be a media type like application/pdf' })
  contentType!: string;

  @IsString()
  @IsBase64(undefined, { message: 'content must be standard base64 without line breaks' })
  content!: string;
}
