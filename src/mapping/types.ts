// What the mapping engine hands to the rest of the broker: the hats a person may wear.

/** One IAM role a person may assume, with everything needed to mint the assertion for it. */
export interface Grant {
  /** `arn:<partition>:iam::<account>:role/<path/name>` — checked against a strict pattern. */
  roleArn: string;
  /** The IAM SAML provider in the same account: `arn:<partition>:iam::<account>:saml-provider/<name>`. */
  providerArn: string;
  accountId: string;
  /** The account's alias from config, when it has one. */
  accountAlias?: string;
  /** The role's name (last path segment), for display. */
  roleName: string;
  /** Seconds, 900–43200: the SessionDuration attribute and the console session length. */
  sessionDuration: number;
  /** Index of the rule in config `roles[]` that granted this role. */
  rule: number;
}

/** One line of the explanation `hatrack explain` prints: why a rule did or did not grant. */
export interface TraceLine {
  rule: number;
  matched: boolean;
  reason: string;
  roleArn?: string;
}

export interface MappingResult {
  grants: Grant[];
  trace: TraceLine[];
}
