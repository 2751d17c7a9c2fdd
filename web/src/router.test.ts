import { describe, expect, it } from 'vitest';
import { matchTrace, sharedSearch } from './router';

describe('router', () => {
  it('keeps only the shared view parameters when moving between pages', () => {
    expect(sharedSearch(new URLSearchParams('range=7d&node=mta-01&eventType=bounced&cursor=x'))).toBe('?range=7d&node=mta-01');
    expect(sharedSearch(new URLSearchParams('from=A&to=B&fromDomain=shop.example'))).toBe('?from=A&to=B&fromDomain=shop.example');
    expect(sharedSearch(new URLSearchParams(''))).toBe('');
  });

  it('matches trace routes and decodes the id', () => {
    expect(matchTrace('/logs/trace/%3Cabc%40example.com%3E')).toBe('<abc@example.com>');
    expect(matchTrace('/logs/trace/Q-1.2')).toBe('Q-1.2');
    expect(matchTrace('/logs')).toBeNull();
    expect(matchTrace('/logs/trace/')).toBeNull();
  });
});
