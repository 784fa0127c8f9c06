import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultErrorCode, ERROR_CODES, errorBody, isErrorCode } from './error-body';

describe('error body', () => {
  it('has the documented shape', () => {
    expect(errorBody(403, 'forbidden_sender', 'no', [{ field: 'from', messages: ['no'] }])).toEqual(
      {
        statusCode: 403,
        error: 'Forbidden',
        code: 'forbidden_sender',
        message: 'no',
        fields: [{ field: 'from', messages: ['no'] }],
      },
    );
    expect(errorBody(404, 'not_found', 'gone')).not.toHaveProperty('fields');
  });

  it('gives every status a code from the vocabulary', () => {
    for (let status = 400; status < 600; status++) {
      expect(isErrorCode(defaultErrorCode(status, false))).toBe(true);
    }
    expect(defaultErrorCode(400, true)).toBe('validation_failed');
  });

  it('is the vocabulary the README documents, no more and no less', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const from = readme.indexOf('| `code` | status | meaning |');
    const table = readme.slice(from, readme.indexOf('\n\n', from));
    const rows = table.split('\n').slice(2).join('\n');
    const documented = [...rows.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
