// Every API read of the dashboard, as TanStack Query hooks with the refresh
// intervals of issue 7: throughput 30 s, queue 10 s, delivery metrics 60 s;
// sources 30 s.
// refetchIntervalInBackground stays false (the default), so no panel
// refetches while the tab is hidden; coming back refetches what is stale.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get } from './client';
import { useLocation } from '../router';
import { filtersFromSearch, rangeFromSearch, rangeKey, rangeParams, type Filters, type TimeRange } from '../lib/timerange';
import type { BounceAnalysis, DeliveryTime, Inbound, MessageSize, QueueAnswer, SearchResult, SourcesAnswer, Stats, Throughput, Trace } from './types';

export const THROUGHPUT_MS = 30_000;
export const QUEUE_MS = 10_000;
export const DELIVERY_MS = 60_000;
// The server counts sources per minute and calls one silent after minutes
// (--silent-after, 15 m by default): refreshing as often as throughput shows
// a stopped plugin within half a minute of the server noticing.
export const SOURCES_MS = 30_000;

/** useView is the time range and filters of the current address. */
export function useView(): { range: TimeRange; filters: Filters; key: string } {
  const { search } = useLocation();
  const range = rangeFromSearch(search);
  return { range, filters: filtersFromSearch(search), key: rangeKey(range) };
}

type Params = Record<string, string | number | undefined>;

function useApi<T>(path: string, params: Params, refetchInterval: number | false) {
  return useQuery({
    queryKey: [path, params],
    queryFn: ({ signal }) => get<T>(path, params, signal),
    refetchInterval,
    placeholderData: keepPreviousData,
  });
}

export function useStats(range: TimeRange, extra: Params) {
  return useApi<Stats>('/email/stats', { ...rangeParams(range), ...extra }, THROUGHPUT_MS);
}

export function useThroughput(range: TimeRange, extra: Params) {
  return useApi<Throughput>('/email/throughput', { ...rangeParams(range), ...extra }, THROUGHPUT_MS);
}

export function useDeliveryTime(range: TimeRange, extra: Params) {
  return useApi<DeliveryTime>('/email/delivery-time', { ...rangeParams(range), ...extra }, DELIVERY_MS);
}

export function useBounceAnalysis(range: TimeRange, extra: Params) {
  return useApi<BounceAnalysis>('/email/bounce-analysis', { ...rangeParams(range), ...extra }, DELIVERY_MS);
}

export function useInbound(range: TimeRange) {
  return useApi<Inbound>('/email/inbound', rangeParams(range), THROUGHPUT_MS);
}

export function useMessageSize(range: TimeRange, extra: Params) {
  return useApi<MessageSize>('/email/message-size', { ...rangeParams(range), ...extra }, DELIVERY_MS);
}

/** useSources is GET /sources: it takes no time range (its windows are the last 15 minutes and 24 hours). */
export function useSources() {
  return useApi<SourcesAnswer>('/sources', {}, SOURCES_MS);
}

export function useQueue() {
  return useApi<QueueAnswer>('/email/queue', {}, QUEUE_MS);
}

export function useSearch(params: Params) {
  return useApi<SearchResult>('/email/events', params, false);
}

export function useTrace(id: string) {
  return useQuery({
    queryKey: ['/email/trace', id],
    queryFn: ({ signal }) => get<Trace>('/email/trace/' + encodeURIComponent(id), undefined, signal),
    retry: false,
  });
}
