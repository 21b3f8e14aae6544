// ONNX reward models: a declared feature extractor with a feature-based scorer, and a text
// classifier with a tokenizer read from a local folder. Both run on the CPU with
// onnxruntime-node and score a group in one batched run.
export {
  buildLinearModel,
  buildTextClassifier,
  FEATURES_METADATA_KEY,
  IR_VERSION,
  type LinearModelOptions,
  OPSET,
  type TextClassifierOptions,
  writeModel,
} from './build.ts';
export { OnnxError } from './errors.ts';
export {
  compileFeatures,
  extractFeatureMatrix,
  extractFeatures,
  FEATURES_VERSION,
  type FeatureExtractor,
  type FeatureSpec,
  FeatureSpecSchema,
  featureDocs,
  parseFeatureSpec,
} from './features.ts';
export {
  type LinearForm,
  linearForm,
  OnnxScorer,
  type OnnxScorerConfig,
  OnnxScorerConfigSchema,
} from './model.ts';
export { type LoadedModel, loadModel, type TensorInfo } from './session.ts';
export {
  OnnxTextScorer,
  type TextScorerConfig,
  TextScorerConfigSchema,
  TRANSCRIPT_FORMAT,
  transcriptText,
} from './text.ts';
export { loadTokenizer, type TextTokenizer } from './tokenizer.ts';
export {
  applyTransform,
  parseTransform,
  type Transform,
  type TransformInput,
  TransformSchema,
} from './transform.ts';
