/**
 * The design assistant's errors on the studio's side: one class, codes declared once in the
 * registry. The panel shows each with its code, message and hint.
 */
import { PalestraError, type PalestraErrorOptions, registerCodes } from '@palestra/errors';

export const assistantErrorCodes = registerCodes('studio', {
  ASSISTANT_NOT_CONFIGURED: 'the design assistant was asked before a model was chosen in this session',
  ASSISTANT_NO_KEY: "the assistant's model endpoint needs an API key and none was typed or set",
  ASSISTANT_MODEL_UNREACHABLE: "the assistant's model endpoint cannot be reached",
  ASSISTANT_MODEL_TIMEOUT: "the assistant's model endpoint did not answer in time",
  ASSISTANT_MODEL_HTTP_ERROR: "the assistant's model endpoint answered with an HTTP error",
  ASSISTANT_MODEL_BAD_RESPONSE: "the assistant's model answered in a shape its wire format does not have",
  ASSISTANT_STUDIO_UNREACHABLE: "the page could not reach the studio to call the assistant's model",
  ASSISTANT_NOT_FOUND: 'the environment, or the run of it, that the assistant asked for does not exist',
  ASSISTANT_FORBIDDEN: 'the design assistant was asked by a viewer, a stranger, or on a catalog environment',
});

export type AssistantErrorCode = keyof typeof assistantErrorCodes;

/**
 * An error of the design assistant's route, with the HTTP status the route answers with.
 *
 * @example
 * throw new AssistantError('ASSISTANT_NOT_CONFIGURED', 'choose a model first', { status: 409, hint: '…' });
 */
export class AssistantError extends PalestraError {
  override name = 'AssistantError';
  declare readonly code: AssistantErrorCode;
  readonly status: number;

  constructor(code: AssistantErrorCode, message: string, options: PalestraErrorOptions & { status: number }) {
    super(code, message, options);
    this.status = options.status;
  }
}
