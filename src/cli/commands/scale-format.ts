/** Text the submit/worker/status commands print (the library returns data; the CLI words it). */
import type { StageStatus, WorkerEvent } from '../../scale/types.js';
import { STAGE_COMMAND } from '../../shards/spec.js';

export function formatWorkerEvent(event: WorkerEvent): string {
  switch (event.kind) {
    case 'ready':
      return 'connected; waiting for jobs';
    case 'started':
      return `${event.job} of ${event.run} started`;
    case 'completed':
      return `${event.job} of ${event.run} done in ${event.seconds.toFixed(1)} s`;
    case 'failed':
      return `${event.job} of ${event.run} failed: ${event.message}${event.willRetry ? ' (will be retried)' : ''}`;
    case 'connection':
      return `redis: ${event.message} (reconnecting)`;
  }
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatStatus(stages: readonly StageStatus[]): string {
  const lines: string[] = [];
  for (const s of stages) {
    const count = (state: string) => s.shards.filter((x) => x.state === state).length;
    const done = s.shards.reduce((sum, x) => sum + x.done, 0);
    const total = s.shards.every((x) => x.total !== undefined) ? s.shards.reduce((sum, x) => sum + x.total!, 0) : undefined;
    const units = ({ image: 'images', query: 'queries', neuron: 'neurons' } as const)[s.unit];
    lines.push(
      `${STAGE_COMMAND[s.stage]} of ${s.run}: ${count('done')}/${s.shards.length} shards done, ${count('running')} running, ${count('failed')} failed, ${count('waiting')} waiting; merge ${s.merge}`,
      `  ${done}${total !== undefined ? `/${total}` : ''} ${units}${s.rate !== undefined ? `, ${s.rate.toFixed(1)} ${units}/s` : ''}${s.etaSeconds !== undefined && s.merge !== 'done' ? `, about ${duration(s.etaSeconds)} left` : ''}`,
    );
    for (const x of s.shards.filter((x) => x.state === 'failed')) lines.push(`  shard ${x.index}/${s.shards.length} failed after ${x.attempts} tries: ${x.failedReason ?? 'no reason recorded'}`);
  }
  return `${lines.join('\n')}\n`;
}
