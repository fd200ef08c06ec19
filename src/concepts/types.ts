/** Public types of the concept hierarchy stage (`neurolens concepts`). */
import type { ChanceStats } from './chance.js';
import type { GroupStats } from './groups.js';

export interface ConceptCluster {
  /** `L<level>.<label>`; level 1 is the finest. */
  id: string;
  level: number;
  parent: string | null;
  children: string[];
  /** Row indices of the run's images (images.parquet `index`). */
  images: number[];
  /** One caption summarising the cluster, and which method wrote it ('extractive', 'openai:<model>'). */
  caption: string;
  captionMethod: string;
  keywords: string[];
  /** The member image whose caption was chosen (extractive) or is most central. */
  medoid: number;
  /** The neuron group: channels active (top 10 % of the layer) on ≥ min-share of the images (level 1), or the children's intersection. */
  neurons: number[];
  /** Group minus the parent's group. */
  differenceNeurons: number[];
  /** What this cluster's caption says that its parent's does not. */
  differenceDescription: string;
  differenceMethod: string;
  stats: GroupStats;
  chance: ChanceStats;
}

export interface ConceptLayer {
  format: 'neurolens-concepts';
  formatVersion: 1;
  layer: { id: string; tensor: string; channels: number };
  pooling: string;
  /** Everything that produced this file (caption source, embedder, summarizer, clustering, rules, seeds). */
  settings: Record<string, unknown>;
  levels: { level: number; clusters: number }[];
  clusters: ConceptCluster[];
}
