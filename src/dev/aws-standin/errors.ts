// The stand-in's one error type. Every check throws a StandinError carrying the code AWS itself
// puts on the wire (the `awsQueryError` codes of STS's service model, which the SDK and CLI map to
// their exception classes: ExpiredTokenException, PackedPolicyTooLarge, IDPRejectedClaim at 403…); the router turns it into AWS's XML error document (STS) or an error page
// (federation). The codes are AWS's, not Hatrack's, so they stay apart from HatrackError.

export type StandinErrorCode =
  // STS AssumeRoleWithSAML (SDK class in brackets when the code is modelled)
  | 'InvalidIdentityToken' // InvalidIdentityTokenException, 400
  | 'IDPRejectedClaim' // IDPRejectedClaimException, 403
  | 'ExpiredTokenException' // ExpiredTokenException, 400: the assertion has expired
  | 'AccessDenied' // 403
  | 'ValidationError' // 400
  | 'MalformedPolicyDocument' // MalformedPolicyDocumentException, 400
  | 'PackedPolicyTooLarge' // PackedPolicyTooLargeException, 400
  // Any signed call whose credentials have expired
  | 'ExpiredToken'
  // SigV4-authenticated calls
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'SignatureDoesNotMatch'
  | 'InvalidClientTokenId'
  // The Query protocol itself
  | 'MissingAction'
  | 'InvalidAction'
  | 'InvalidParameterValue'
  | 'MalformedQueryString'
  | 'RequestEntityTooLarge'
  // IAM CreateSAMLProvider (registerSamlProvider)
  | 'InvalidInput'
  // Federation endpoint
  | 'InvalidSigninToken'
  | 'InvalidSession'
  | 'NotFound'
  | 'InternalFailure';

export type StandinStatus = 400 | 403 | 404 | 405 | 413 | 500;

export class StandinError extends Error {
  override readonly name = 'StandinError';

  readonly code: StandinErrorCode;
  readonly status: StandinStatus;

  constructor(code: StandinErrorCode, status: StandinStatus, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** AWS's error `Type`: `Receiver` for faults on the service side, `Sender` for the rest. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export function isStandinError(e: unknown): e is StandinError {
  return e instanceof StandinError;
}

/** Shorthands for the codes that come up again and again. */
export const reject = {
  token: (message: string) => new StandinError('InvalidIdentityToken', 400, message),
  expired: (message: string) => new StandinError('ExpiredTokenException', 400, message),
  denied: (message: string) => new StandinError('AccessDenied', 403, message),
  validation: (message: string) => new StandinError('ValidationError', 400, message),
};
