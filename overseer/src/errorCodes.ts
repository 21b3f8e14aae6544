/**
 * Every code `@palestra/overseer` gives an error with what it means, declared once in the shared
 * registry of `@palestra/errors` (codes of the environment it reports, such as BAD_REWARD, are
 * `@palestra/envs`'s). A test scans the sources and fails on a code used but declared nowhere.
 */
import { registerCodes } from '@palestra/errors';

export const overseerErrorCodes = registerCodes('overseer', {
  OVERSEER_CONFIG: 'the overseer configuration (rules, ONNX, judges, ensemble) does not validate',
  REWARD_BOUNDS_REQUIRED: 'scoring needs the spec to declare reward.bounds',
  OUTCOME_UNKNOWN: "the episode's outcome (success or failure) cannot be read from its record",
  MISSING_API_KEY: "a judge's API key is not set in the environment",
  JUDGE_CONFIG: "a judge's configuration is invalid",
  JUDGE_AUTH: "the judge's provider refused the API key",
  JUDGE_NOT_FOUND: "the judge's provider does not know the model",
  JUDGE_RATE_LIMITED: "the judge's provider rate-limited the calls beyond the retries",
  JUDGE_TIMEOUT: 'the judge did not answer within its deadline',
  JUDGE_UNREACHABLE: "the judge's endpoint cannot be reached",
  JUDGE_HTTP_ERROR: "the judge's endpoint answered with an HTTP error",
  JUDGE_NO_VERDICT: 'the judge answered without a verdict in the required format',
  JUDGE_BAD_VERDICT: "the judge's verdict is out of range or malformed",
  JUDGE_FAILED: 'the judge failed on a fixture, so the red-team verdict cannot be given',
  VERDICT_NOT_CACHED: 'a verdict needed to re-derive a score is not in the verdict cache',
  ONNX_CONFIG_INVALID: "an ONNX scorer's configuration is invalid",
  ONNX_FEATURE_SPEC_INVALID: "an ONNX scorer's feature list is invalid",
  ONNX_MODEL_NOT_FOUND: 'the ONNX model file does not exist',
  ONNX_MODEL_INVALID: 'the ONNX model file cannot be loaded',
  ONNX_INPUT_SHAPE: "the model's input shape does not match the features",
  ONNX_INPUT_UNKNOWN: 'the model has an input the scorer does not know how to fill',
  ONNX_OUTPUT_SHAPE: "the model's output shape is not the expected one",
  ONNX_OUTPUT_RANGE: "the model's output is outside the declared range",
  ONNX_OUTPUT_NOT_PROBABILITIES: "the model's output does not sum to one where probabilities are expected",
  ONNX_NON_FINITE: 'the model produced NaN or an infinity',
});

/** A code of `overseerErrorCodes`. */
export type OverseerErrorCode = keyof typeof overseerErrorCodes;
