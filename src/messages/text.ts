/** User-facing messages for the text area: captions, caches, embedders (see ./index.ts). */

/** At most `n` items, quoted, then "…" when there were more. */
function firstFew(items: readonly string[], n = 3): string {
  const shown = items.slice(0, n).map((s) => `'${s}'`).join(', ');
  return items.length > n ? `${shown}, …` : shown;
}

export const textMessages = {
  // --- captions file -------------------------------------------------------------------------
  captionsMissingFile: (file: string) =>
    `captions file ${file} does not exist; pass --captions a .jsonl or .csv file with a path and a caption per image`,
  captionsUnreadable: (file: string, reason: string) =>
    `cannot read captions file ${file} (${reason}); check that it exists and is readable`,
  captionsBadJsonLine: (file: string, line: number) =>
    `${file} line ${line} is not valid JSON; each line must be an object like {"path": "cats/1.jpg", "caption": "a cat on a sofa"}`,
  captionsBadJsonRecord: (file: string, line: number) =>
    `${file} line ${line} needs a string "path" and a string "caption", like {"path": "cats/1.jpg", "caption": "a cat on a sofa"}`,
  csvUnterminatedQuote: (file: string, line: number) =>
    `${file}: the quoted field that starts on line ${line} is never closed; close it with " (write a quote inside a field as "")`,
  csvBadQuote: (file: string, line: number) =>
    `${file} line ${line}: text follows a closing quote; quote the whole field and write a quote inside it as ""`,
  csvMissingColumns: (file: string, missing: readonly string[]) =>
    `${file} has no ${missing.map((c) => `'${c}'`).join(' or ')} column in its header; the first row must name the columns, e.g. path,caption`,
  csvShortRow: (file: string, line: number, needed: number, found: number) =>
    `${file} line ${line} has ${found} field(s) but the path and caption columns need ${needed}; quote captions that contain commas or line breaks`,
  captionsEmpty: (file: string) =>
    `captions file ${file} holds no captions; add one {"path", "caption"} record per image`,
  captionsMissing: (file: string, missing: readonly string[], total: number) =>
    `${file} has no caption for ${missing.length} of ${total} image(s) (${firstFew(missing)}); add captions for them (paths relative to the image root, as in images.parquet) or pass --allow-missing to leave them out`,
  captionsConflict: (file: string, path: string, firstLine: number, line: number) =>
    `${file} gives '${path}' two different captions (lines ${firstLine} and ${line}); keep one caption per image`,
  captionsUnknown: (file: string, unknown: readonly string[]) =>
    `${file}: ${unknown.length} caption(s) name images that are not in the run (${firstFew(unknown)}); they are ignored (paths must be relative to the image root, as in images.parquet)`,
  captionsDropped: (file: string, count: number) =>
    `${file}: leaving out ${count} image(s) without a caption (--allow-missing)`,
  captionsDuplicates: (file: string, count: number) =>
    `${file}: ${count} repeated caption line(s) for images already captioned; the first caption of each image is used`,
  captionsBlank: (file: string, count: number) =>
    `${file}: ${count} record(s) with an empty caption are ignored`,
  noCaptionsKept: (file: string) =>
    `${file} captions none of the run's images; check that its paths are relative to the image root, as in images.parquet`,

  // --- providers -----------------------------------------------------------------------------
  providerUnknown: (option: string, id: string, accepted: readonly string[]) =>
    `${option} '${id}' is not known; use one of ${accepted.join(', ')}`,
  providerNeedsModel: (option: string, prefix: string) =>
    `${option} '${prefix}:' needs a model name after the colon, e.g. ${prefix}:MODEL`,
  providerTakesNoModel: (option: string, prefix: string) =>
    `${option} '${prefix}' takes no model name; write just '${prefix}'`,

  // --- caches --------------------------------------------------------------------------------
  cacheCorrupt: (path: string, line: number) =>
    `cache file ${path} is damaged at line ${line}; delete it (it is only a cache, the next run rebuilds it)`,
  cacheMismatch: (path: string, detail: string) =>
    `cache file ${path} does not match (${detail}); delete it (it is only a cache, the next run rebuilds it)`,

  // --- transformers.js provider (src/text/transformers/) -------------------------------------
  transformersNotInstalled: (id: string) =>
    `${id} needs the optional package @huggingface/transformers, which is not installed; install it with npm install @huggingface/transformers`,
  transformersImportFailed: (reason: string) =>
    `cannot load @huggingface/transformers (${reason}); reinstall it with npm install @huggingface/transformers`,
  transformersModelNotLocal: (model: string, path: string) =>
    `transformers model '${model}' is not a local directory (nothing at ${path}); pass a folder holding config.json and onnx/, or add --allow-remote to download it from the Hugging Face Hub`,
  transformersModelNotDirectory: (path: string) =>
    `transformers model ${path} is a file, not a directory; pass the folder holding config.json and onnx/`,
  transformersModelNoConfig: (dir: string) =>
    `transformers model directory ${dir} has no config.json; pass the folder of a transformers.js (ONNX) export, holding config.json and onnx/`,
  transformersBadHubId: (model: string) =>
    `transformers model '${model}' is neither a local directory nor a Hugging Face Hub id (owner/name); pass a folder holding config.json and onnx/, or a Hub id`,
  transformersFileMissing: (model: string, file: string) =>
    `transformers model '${model}' lacks ${file}; add it (ONNX weights go in onnx/, e.g. onnx/model.onnx) or use a transformers.js export of the model`,
  transformersLoadFailed: (model: string, reason: string) =>
    `cannot load transformers model '${model}' (${reason}); check that it is a transformers.js (ONNX) export of a supported model`,
  transformersRunFailed: (model: string, reason: string) =>
    `transformers model '${model}' failed while running (${reason}); check that it is a transformers.js (ONNX) export of a supported model`,
  transformersCannotCaption: (model: string, modelType: string) =>
    `transformers model '${model}' has model_type '${modelType}', which cannot caption images; use a vision-encoder-decoder model (e.g. Xenova/vit-gpt2-image-captioning) or Florence-2 (e.g. onnx-community/Florence-2-base-ft)`,
  transformersImageUnreadable: (path: string, reason: string) =>
    `cannot decode image ${path} for captioning (${reason}); remove or convert the image`,
} as const;
