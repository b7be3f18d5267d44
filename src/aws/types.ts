// Shapes shared by the STS, console and credential-rendering modules.

/** Temporary AWS credentials (AssumeRoleWithSAML's `Credentials`). Secrets: never log them. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}
