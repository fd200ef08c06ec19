/**
 * The one-line summary of a concept cluster's neuron group, shared by the HTML report and the
 * explorer (no Node imports: the web bundle uses it). An empty group — a level whose children's
 * groups do not intersect, or a finest cluster whose images share no active neuron — has no size,
 * chance or specificity worth printing: "group 0 neurons (chance 0) · specificity 0" reads like a
 * measurement, so it says "no shared neurons" instead. Difference neurons (the group minus the
 * parent's) are counted where there are any.
 */
import { conceptMessages } from '../messages/concepts.js';
import type { ConceptCluster } from './types.js';

export interface GroupSummaryOptions {
  /** Add the chance draws' spread (±sd) and the chance specificity (the report has room for them). Default false. */
  detailed?: boolean;
}

export function groupSummary(cluster: Pick<ConceptCluster, 'stats' | 'chance' | 'parent' | 'differenceNeurons'>, options: GroupSummaryOptions = {}): string {
  const { stats, chance } = cluster;
  const detailed = options.detailed ?? false;
  const parts: string[] = [];
  if (stats.size === 0) parts.push(conceptMessages.noSharedNeurons());
  else {
    const spread = detailed ? `±${chance.size.sd.toFixed(1)}` : '';
    const specificityChance = detailed ? ` (chance ${chance.specificity.mean.toFixed(2)})` : '';
    parts.push(`group ${stats.size} neurons (chance ${chance.size.mean.toFixed(1)}${spread})`, `specificity ${stats.specificity.toFixed(2)}${specificityChance}`);
  }
  if (cluster.parent !== null && cluster.differenceNeurons.length > 0) parts.push(conceptMessages.differenceNeurons(cluster.differenceNeurons.length));
  return parts.join(' · ');
}
