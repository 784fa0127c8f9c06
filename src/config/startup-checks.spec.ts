import { unknownVariableWarnings } from './startup-checks';

const known = new Set(['SMTP_URL', 'METRICS_PORT', 'PORT', 'HOST', 'API_KEYS', 'NODE_ENV']);

describe(unknownVariableWarnings.name, () => {
  it('suggests the known name for a typo, a swap or the wrong case', () => {
    const env = { SMTP_ULR: 'x', METRIC_PORT: '1', api_keys: 'k', PROT: '1' };
    expect(unknownVariableWarnings(env, known)).toEqual([
      'environment variable METRIC_PORT is not used by mailwatch; did you mean METRICS_PORT?',
      'environment variable PROT is not used by mailwatch; did you mean PORT?',
      'environment variable SMTP_ULR is not used by mailwatch; did you mean SMTP_URL?',
      'environment variable api_keys is not used by mailwatch; did you mean API_KEYS?',
    ]);
  });

  it('stays quiet about known names and unrelated variables', () => {
    const env = {
      SMTP_URL: 'x',
      PATH: '/bin',
      HOME: '/root',
      HOSTNAME: 'pod-1',
      MAILWATCH_SERVICE_PORT: '3000',
      NODE_OPTIONS: '--max-old-space-size=256',
    };
    expect(unknownVariableWarnings(env, known)).toEqual([]);
  });
});
