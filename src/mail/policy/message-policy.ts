import {
  ForbiddenException,
  HttpStatus,
  Inject,
  Injectable,
  PayloadTooLargeException,
} from '@nestjs/common';
import { normaliseDomain, securityConfig, type SecurityConfig } from '../../config/security.config';
import { addressOf } from '../dto/mailbox.validator';

/** The parts of an email the policy looks at (the shape MailService accepts). */
export interface PolicySubject {
  from?: string;
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  attachments?: ReadonlyArray<{ content: string }>;
}

const RECIPIENT_FIELDS = ['to', 'cc', 'bcc'] as const;

/** IsOptional lets `null` through as "absent", so null counts as no value here. */
function listOf(value: string | string[] | null | undefined): string[] {
  return value == null ? [] : Array.isArray(value) ? value : [value];
}

function split(mailbox: string): { local: string; domain: string } {
  const address = addressOf(mailbox);
  const at = address.lastIndexOf('@');
  return {
    local: address.slice(0, at).toLowerCase(),
    domain: normaliseDomain(address.slice(at + 1)),
  };
}

/** Bytes that a standard base64 string decodes to. */
export function decodedBase64Length(content: string): number {
  const padding = content.endsWith('==') ? 2 : content.endsWith('=') ? 1 : 0;
  return Math.floor((content.length * 3) / 4) - padding;
}

function refusal(status: HttpStatus, field: string, message: string): Record<string, unknown> {
  return {
    statusCode: status,
    error: status === HttpStatus.FORBIDDEN ? 'Forbidden' : 'Payload Too Large',
    message,
    fields: [{ field, messages: [message] }],
  };
}

/**
 * What a client may send, checked before anything is queued: who it may send as
 * (ALLOWED_SENDER_DOMAINS, CLIENT_SENDERS), where it may send to (RECIPIENT_DOMAINS_ALLOW /
 * _DENY), and how large its attachments may be (MAX_ATTACHMENT_BYTES). A refusal names
 * the field, like a validation error.
 */
@Injectable()
export class MessagePolicy {
  constructor(@Inject(securityConfig.KEY) private readonly config: SecurityConfig) {}

  /** Throws 403 (policy) or 413 (attachments too large); returns when the email may go. */
  check(message: PolicySubject, client: string): void {
    if (message.from != null) this.checkSender(message.from, client);
    for (const field of RECIPIENT_FIELDS) {
      for (const mailbox of listOf(message[field])) this.checkRecipient(mailbox, field);
    }
    this.checkAttachments(message.attachments ?? []);
  }

  private checkSender(from: string, client: string): void {
    const { local, domain } = split(from);
    const own = this.config.clientSenders.get(client);
    const allowed = own
      ? own.domains.includes(domain) || own.addresses.includes(`${local}@${domain}`)
      : this.config.allowedSenderDomains.length === 0 ||
        this.config.allowedSenderDomains.includes(domain);
    if (!allowed) {
      throw new ForbiddenException(
        refusal(
          HttpStatus.FORBIDDEN,
          'from',
          `from: client ${client} may not send as this address (see ALLOWED_SENDER_DOMAINS / CLIENT_SENDERS)`,
        ),
      );
    }
  }

  private checkRecipient(mailbox: string, field: (typeof RECIPIENT_FIELDS)[number]): void {
    const { domain } = split(mailbox);
    const { recipientDomainsAllow: allow, recipientDomainsDeny: deny } = this.config;
    if (deny.includes(domain) || (allow.length > 0 && !allow.includes(domain))) {
      throw new ForbiddenException(
        refusal(HttpStatus.FORBIDDEN, field, `${field}: recipient domain ${domain} is not allowed`),
      );
    }
  }

  private checkAttachments(attachments: ReadonlyArray<{ content: string }>): void {
    const total = attachments.reduce((sum, a) => sum + decodedBase64Length(a.content), 0);
    if (total > this.config.maxAttachmentBytes) {
      throw new PayloadTooLargeException(
        refusal(
          HttpStatus.PAYLOAD_TOO_LARGE,
          'attachments',
          `attachments: ${total} bytes decoded, more than MAX_ATTACHMENT_BYTES (${this.config.maxAttachmentBytes})`,
        ),
      );
    }
  }
}
