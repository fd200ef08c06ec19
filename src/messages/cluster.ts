/** User-facing messages for clustering (FINCH; see ./index.ts). */
export const clusterMessages = {
  notData: (got: string) =>
    `finch: data must be number[][] (one array per row) or a row-major Float32Array, got ${got}; convert it with Float32Array.from(...)`,
  empty: () => `finch: the data has no rows (or rows of length 0); pass at least one non-empty vector`,
  notRows: (index: number) => `finch: data[${index}] is not an array of numbers; pass number[][] or a Float32Array with rows/dims`,
  ragged: (index: number, length: number, expected: number) =>
    `finch: data[${index}] has ${length} values but data[0] has ${expected}; every row must have the same length`,
  notFinite: (row: number, column: number, value: number) =>
    `finch: row ${row}, column ${column} is ${value} (as float32); remove or impute non-finite values before clustering`,
  flatShape: (length: number, rows: number | undefined, dims: number | undefined) =>
    `finch: a Float32Array of ${length} values cannot be split into rows=${rows ?? '?'} × dims=${dims ?? '?'}; pass rows and/or dims whose product is the array length`,
  shapeMismatch: (option: 'rows' | 'dims', given: number, actual: number) =>
    `finch: option ${option}=${given} does not match the data (${actual}); omit it or pass the right value`,
  badCount: (option: string, value: unknown) => `finch: ${option} must be a positive integer, got ${String(value)}`,
  badOption: (option: string, value: unknown, allowed: readonly string[]) =>
    `finch: ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
  badFlag: (option: string, value: unknown) => `finch: ${option} must be true or false, got ${JSON.stringify(value)}`,
} as const;
