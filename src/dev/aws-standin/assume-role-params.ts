// The AssumeRoleWithSAML request parameters and the constraints STS's API model puts on them.
import { StandinError, reject } from './errors.ts';

const MAX_POLICY_CHARS = 2048;
const MAX_POLICY_ARNS = 10;

export interface AssumeRoleWithSamlParams {
  RoleArn?: string;
  PrincipalArn?: string;
  SAMLAssertion?: string;
  DurationSeconds?: string;
  Policy?: string;
  PolicyArns: string[];
}

export interface CheckedParams {
  roleArn: string;
  principalArn: string;
  assertion: string;
  duration?: number;
}

export function checkParameters(p: AssumeRoleWithSamlParams): CheckedParams {
  if (!p.RoleArn) throw reject.validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (!p.PrincipalArn) throw reject.validation("1 validation error detected: Value null at 'principalArn' failed to satisfy constraint: Member must not be null");
  if (!p.SAMLAssertion) throw reject.validation("1 validation error detected: Value null at 'sAMLAssertion' failed to satisfy constraint: Member must not be null");
  if (p.RoleArn.length < 20 || p.RoleArn.length > 2048) throw reject.validation("Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
  if (p.PrincipalArn.length < 20 || p.PrincipalArn.length > 2048) throw reject.validation("Value at 'principalArn' failed to satisfy constraint: Member must have length between 20 and 2048");
  if (p.SAMLAssertion.length < 4 || p.SAMLAssertion.length > 100000) throw reject.validation("Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length between 4 and 100000");
  let duration: number | undefined;
  if (p.DurationSeconds !== undefined) {
    duration = /^\d+$/.test(p.DurationSeconds) ? Number(p.DurationSeconds) : NaN;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw reject.validation(`Value '${p.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
    }
  }
  if (p.Policy !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(p.Policy);
    } catch {
      throw new StandinError('MalformedPolicyDocument', 400, 'The session policy is not valid JSON.');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
      throw new StandinError('MalformedPolicyDocument', 400, 'The session policy has no Statement.');
    }
    if (p.Policy.length > MAX_POLICY_CHARS) {
      throw new StandinError('PackedPolicyTooLarge', 400, `The session policy exceeds ${MAX_POLICY_CHARS} characters.`);
    }
  }
  if (p.PolicyArns.length > MAX_POLICY_ARNS) throw reject.validation(`At most ${MAX_POLICY_ARNS} managed session policies are allowed.`);
  for (const arn of p.PolicyArns) {
    if (!/^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/.+$/.test(arn)) throw reject.validation(`'${arn}' is not a managed policy ARN.`);
  }
  return { roleArn: p.RoleArn, principalArn: p.PrincipalArn, assertion: p.SAMLAssertion, duration };
}
