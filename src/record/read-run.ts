/** A row of a finished RUN's images table (images.parquet); read it through `openRun` (src/run). */
export interface RunImageRow {
  index: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  top5_classes: number[];
  top5_scores: number[];
  top1_label?: string;
}
