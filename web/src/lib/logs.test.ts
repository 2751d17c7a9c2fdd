import { describe, expect, it } from 'vitest';
import { exportUrl, logParams } from './logs';
import { countUpValue } from './countup';

describe('log search parameters', () => {
  it('passes every filter and the range, with a valid page size', () => {
    const p = logParams(new URLSearchParams('range=1h&eventType=bounced,deferred&node=mta-01&q=5.7.1&bogus=1&limit=250'));
    expect(p).toEqual({ range: '1h', eventType: 'bounced,deferred', node: 'mta-01', q: '5.7.1', limit: '250' });
    expect(logParams(new URLSearchParams('limit=7')).limit).toBe('7');
    expect(logParams(new URLSearchParams('limit=5000')).limit).toBe('100');
    expect(logParams(new URLSearchParams('limit=x')).limit).toBe('100');
  });

  it('builds export links with the same filters and no paging', () => {
    const u = exportUrl({ range: '1h', toDomain: 'gmail.com', limit: '100', cursor: 'x' }, 'csv');
    expect(u).toBe('/api/v1/email/events/export?range=1h&toDomain=gmail.com&format=csv');
  });
});

describe('countUpValue', () => {
  it('starts, eases and lands exactly', () => {
    expect(countUpValue(0, 100, 0)).toBe(0);
    expect(countUpValue(0, 100, 0.5)).toBe(88);
    expect(countUpValue(0, 100, 1)).toBe(100);
    expect(countUpValue(100, 90, 2)).toBe(90);
  });
});
