import type { MetricsConfig } from '../config/metrics.config';
import { ClientLabels } from './client-labels';

const config = (overrides: Partial<MetricsConfig>) =>
  ({ clients: [], maxClients: 3, ...overrides }) as MetricsConfig;

describe(ClientLabels.name, () => {
  it('gives the first N distinct clients their own label and the rest other', () => {
    const sut = new ClientLabels(config({}));
    expect(['a', 'b', 'a', 'c', 'd', 'b', 'e'].map((c) => sut.label(c))).toEqual([
      'a',
      'b',
      'a',
      'c',
      'other',
      'b',
      'other',
    ]);
  });

  it('uses only the allowlist when one is configured', () => {
    const sut = new ClientLabels(config({ clients: ['web', 'batch'] }));
    expect(['web', 'mobile', 'batch', 'x'].map((c) => sut.label(c))).toEqual([
      'web',
      'other',
      'batch',
      'other',
    ]);
  });
});
